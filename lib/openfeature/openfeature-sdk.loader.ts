/** The hooks API of `@openfeature/server-sdk`'s `OpenFeature` singleton, by shape. */
export interface OpenFeatureHooksApi {
  addHooks(...hooks: object[]): unknown;
  getHooks(): readonly object[];
  clearHooks(): unknown;
}

/**
 * The app's `OpenFeature` API, or `undefined` when `@openfeature/server-sdk` is not
 * installed. The SDK keeps its singleton on a global, so this copy is the app's.
 */
export async function loadOpenFeatureApi(): Promise<OpenFeatureHooksApi | undefined> {
  try {
    const sdk = (await import('@openfeature/server-sdk')) as { OpenFeature?: unknown };
    const api = sdk.OpenFeature as Partial<OpenFeatureHooksApi> | undefined;
    return typeof api?.addHooks === 'function' && typeof api.getHooks === 'function' && typeof api.clearHooks === 'function'
      ? (api as OpenFeatureHooksApi)
      : undefined;
  } catch {
    return undefined;
  }
}
