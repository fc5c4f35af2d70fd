// A child process for open-feature.test.ts: an app with `openFeature: true`, started where
// @openfeature/server-sdk cannot be loaded. Prints one JSON line: how start-up ended.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HudModule } from 'nestjs-hud';

const sdkImport = await import('@openfeature/server-sdk').then(
  () => 'loaded',
  (error: { code?: string }) => String(error.code),
);

@Module({ imports: [HudModule.forRoot({ openFeature: true })] })
class AppModule {}

let startup: string;
try {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  await moduleRef.close();
  startup = 'started';
} catch (error) {
  startup = error instanceof Error ? error.message : String(error);
}
console.log(JSON.stringify({ sdkImport, startup }));
