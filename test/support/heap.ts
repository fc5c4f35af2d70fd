/** `global.gc`, which the test runner exposes (`--expose-gc`); tests measuring memory assert it is there. */
export const gc = (globalThis as { gc?: () => void }).gc;

/** The heap after collection; the turns between let finalizers and socket clean-up run. */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
