import { getContext, setContext, type HudContextValue } from 'nestjs-hud';
import { concatMap, delay, from, lastValueFrom, map, mergeMap, timer, toArray } from 'rxjs';
import { seededRandom } from './random.js';

/** One invocation of the isolation test: who it is, whether it fails, its own random pauses. */
export interface WorkOrder {
  id: string;
  fail: boolean;
  seed: number;
}

/** What a successful invocation answers: the context it ended with. */
export interface WorkResult {
  id: string;
  context: Record<string, HudContextValue>;
}

/**
 * Every read of the context that saw anything but its own invocation's values, across all
 * invocations of the process. The isolation test asserts it stays empty.
 */
export const foreignReads: string[] = [];
/** How many context reads the invocations made (to show the test read a lot). */
export const readCount = { value: 0 };

/** The context a work order ends with, on top of what its binding added (`extra`). */
export function expectedContext(id: string, extra: Record<string, HudContextValue> = {}): Record<string, HudContextValue> {
  return { ...extra, inv: id, ids: [id, `${id}/copy`], a: id, b: id, rx: id, step: 'end' };
}

function check(id: string, where: string): void {
  readCount.value++;
  const context = getContext();
  const ids = context.ids;
  const own =
    context.inv === id &&
    Array.isArray(ids) &&
    ids[0] === id &&
    (context.a === undefined || context.a === id) &&
    (context.b === undefined || context.b === id) &&
    (context.rx === undefined || context.rx === id);
  if (!own && foreignReads.length < 20) foreignReads.push(`${id} at ${where} read ${JSON.stringify(context)}`);
}

/**
 * The handler body shared by HTTP routes, TCP message handlers and jobs: it sets context, then
 * crosses random awaits, timers, setImmediate, Promise.all branches and RxJS operators
 * (concatMap, delay, mergeMap over timers), reading its context at every step. Many of these
 * run concurrently, so their steps interleave.
 */
export async function doWork(order: WorkOrder): Promise<WorkResult> {
  const { id } = order;
  const random = seededRandom(order.seed);
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 4)));

  setContext({ inv: id, ids: [id, `${id}/copy`], step: 'start' });
  check(id, 'start');
  await pause();
  check(id, 'after the first await');
  await Promise.all([
    (async () => {
      await pause();
      setContext({ a: id });
      check(id, 'async branch');
    })(),
    new Promise<void>((resolve) =>
      setTimeout(() => {
        setContext({ b: id });
        check(id, 'timer');
        resolve();
      }, Math.floor(random() * 3)),
    ),
    new Promise<void>((resolve) =>
      setImmediate(() => {
        check(id, 'setImmediate');
        resolve();
      }),
    ),
    lastValueFrom(
      from([1, 2, 3]).pipe(
        concatMap(async (n) => {
          await pause();
          check(id, `concatMap ${n}`);
          return n;
        }),
        delay(1),
        mergeMap((n) =>
          timer(Math.floor(random() * 3)).pipe(
            map(() => {
              check(id, `mergeMap timer ${n}`);
              return n;
            }),
          ),
        ),
        toArray(),
      ),
    ).then(() => setContext({ rx: id })),
  ]);
  setContext({ step: 'end' });
  check(id, 'end');
  if (order.fail) throw new Error(`work ${id} failed`);
  return { id, context: getContext() as Record<string, HudContextValue> };
}
