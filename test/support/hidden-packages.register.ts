// `HUD_TEST_HIDDEN_PACKAGES=@openfeature/ node --import ./hidden-packages.register.js app.js`
// runs app.js as if the packages of those prefixes were not installed.
import { register } from 'node:module';

register('./hidden-packages.hooks.js', import.meta.url);
