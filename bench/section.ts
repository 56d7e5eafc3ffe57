/** Runs one bench section alone: `npx vite-node bench/section.ts tensor` → bench/sections/tensor*.ts. */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const name = process.argv[2] ?? '';
const dir = resolve(process.cwd(), 'bench/sections');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts') && x.startsWith(name)).sort()) {
  const mod = await import(pathToFileURL(join(dir, f)).href);
  await mod.default();
}
