// Module resolution hooks that make this process look like an app without some packages
// installed: every import whose specifier starts with one of the prefixes in
// HUD_TEST_HIDDEN_PACKAGES (comma-separated) fails as a missing package would.
interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>;

const hidden = (process.env.HUD_TEST_HIDDEN_PACKAGES ?? '').split(',').filter((prefix) => prefix.length > 0);

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<unknown> {
  if (hidden.some((prefix) => specifier.startsWith(prefix))) {
    throw Object.assign(new Error(`Cannot find package '${specifier}' (hidden for this test)`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return nextResolve(specifier, context);
}
