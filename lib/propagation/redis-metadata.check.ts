import type { HudRuntime } from '../hud.runtime.js';

/** What this check reads of `@nestjs/microservices`: Nest 12's `RedisContext` has `getMetadata()`. */
interface MicroservicesExports {
  RedisContext?: { prototype: { getMetadata?: unknown } };
  default?: MicroservicesExports;
}

let checking: Promise<boolean> | undefined;

/**
 * Whether the app's `@nestjs/microservices` Redis server drops packet metadata, as version 11
 * does (its `RedisContext` has no `getMetadata()`, and its server never reads the member).
 * Loaded once, lazily, only for an app that runs a Redis server, which has the package.
 */
function redisServerDropsMetadata(): Promise<boolean> {
  return (checking ??= import('@nestjs/microservices').then(
    (loaded: unknown) => {
      const exports = loaded as MicroservicesExports;
      const context = exports.RedisContext ?? exports.default?.RedisContext;
      return context !== undefined && typeof context.prototype.getMetadata !== 'function';
    },
    () => false,
  ));
}

export const REDIS_PROPAGATION_WARNING =
  'propagation: this Redis microservice runs on @nestjs/microservices 11, whose Redis server drops packet metadata, ' +
  'so context propagated to it over Redis never arrives (TCP carries it on 11; Redis needs @nestjs/microservices 12). ' +
  'See docs/propagation.md.';

/**
 * Says at boot, once, what docs/propagation.md says: with `propagation` on, a Redis server of
 * `@nestjs/microservices` 11 receives no propagated context. Never rejects; the binding
 * waits for it at application bootstrap, so the warning is out once `init()` resolved.
 */
export function warnIfRedisDropsPropagation(runtime: HudRuntime): Promise<void> {
  return redisServerDropsMetadata().then((drops) => {
    if (drops) runtime.notes.warn('propagation-redis-11', REDIS_PROPAGATION_WARNING);
  });
}
