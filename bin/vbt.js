#!/usr/bin/env node
// The CLI runs from the compiled library (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('vbt: the compiled library is missing (dist/). Run `npm install` or `npm run build` in the vbt folder first.');
  process.exit(2);
}
// Loading tfjs-core's gradient registry goes through a vm loader option Node flags as experimental;
// the warning says nothing actionable to a CLI user, so only that one is dropped.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
  return emitWarning.call(this, warning, ...rest);
};
const { main } = await import(entry.href);
await main();
