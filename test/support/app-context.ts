import 'reflect-metadata';
import type { INestApplicationContext, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';

export interface RunningContext {
  app: INestApplicationContext;
  close(): Promise<void>;
}

/** Builds a module from `metadata` and runs its lifecycle hooks, with no HTTP server. */
export async function startAppContext(metadata: ModuleMetadata): Promise<RunningContext> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return { app: moduleRef, close: () => moduleRef.close() };
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A whole number in [min, max], for random delays in concurrency tests. */
export function randomInt(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}
