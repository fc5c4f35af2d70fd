// Nest 12 (ESM only) from CommonJS, through require() of ES modules (Node >= 20.19):
// `require('nestjs-hud')` loads the CommonJS build, which itself requires Nest 12.
require('reflect-metadata');
const { runSmoke } = require('./smoke-app.cjs');

runSmoke({
  format: 'cjs',
  common: require('@nestjs/common'),
  core: require('@nestjs/core'),
  microservices: require('@nestjs/microservices'),
  schedule: require('@nestjs/schedule'),
  events: require('@nestjs/event-emitter'),
  adapter: () => new (require('@nestjs/platform-fastify').FastifyAdapter)(),
  hud: require('nestjs-hud'),
  resolved: require.resolve('nestjs-hud'),
  nestVersion: require('@nestjs/core/package.json').version,
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
