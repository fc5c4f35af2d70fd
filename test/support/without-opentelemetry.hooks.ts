// Module resolution hooks that make this process look like an app without
// `@opentelemetry/*` installed: every import of them fails as a missing package would.
interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<unknown> {
  if (specifier.startsWith('@opentelemetry/')) {
    throw Object.assign(new Error(`Cannot find package '${specifier}' (hidden for this test)`), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
  }
  return nextResolve(specifier, context);
}
