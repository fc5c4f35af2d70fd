// Nest 11 (itself CommonJS) imported from an ES module: `import 'nestjs-hud'` loads the ESM build.
import 'reflect-metadata';
import { createRequire } from 'node:module';
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import * as microservices from '@nestjs/microservices';
import * as schedule from '@nestjs/schedule';
import * as events from '@nestjs/event-emitter';
import { ExpressAdapter } from '@nestjs/platform-express';
import * as hud from 'nestjs-hud';

const require = createRequire(import.meta.url);
const { runSmoke } = require('./smoke-app.cjs');

await runSmoke({
  format: 'esm',
  common,
  core,
  microservices,
  schedule,
  events,
  adapter: () => new ExpressAdapter(),
  hud,
  resolved: import.meta.resolve('nestjs-hud'),
  nestVersion: require('@nestjs/core/package.json').version,
});
