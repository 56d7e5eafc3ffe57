#!/usr/bin/env node
// The CLI runs from the compiled library (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('vbt: the compiled library is missing (dist/). Run `npm install` or `npm run build` in the vbt folder first.');
  process.exit(2);
}
const { main } = await import(entry.href);
await main();
