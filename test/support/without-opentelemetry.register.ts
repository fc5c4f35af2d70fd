// `node --import ./without-opentelemetry.register.js app.js` runs app.js as if
// @opentelemetry/api were not installed.
import { register } from 'node:module';

register('./without-opentelemetry.hooks.js', import.meta.url);
