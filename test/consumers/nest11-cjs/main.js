// Nest 11, CommonJS: `require('nestjs-hud')` must load the CommonJS build.
require('reflect-metadata');
const { runSmoke } = require('./smoke-app.cjs');

runSmoke({
  format: 'cjs',
  common: require('@nestjs/common'),
  core: require('@nestjs/core'),
  microservices: require('@nestjs/microservices'),
  schedule: require('@nestjs/schedule'),
  events: require('@nestjs/event-emitter'),
  adapter: () => new (require('@nestjs/platform-express').ExpressAdapter)(),
  hud: require('nestjs-hud'),
  resolved: require.resolve('nestjs-hud'),
  nestVersion: require('@nestjs/core/package.json').version,
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
