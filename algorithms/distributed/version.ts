/**
 * The vbt version that queue jobs carry: workers refuse jobs written by another version, because a
 * chunk's numbers must come from the same engine as its neighbours'.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  // from algorithms/distributed (sources) or dist/algorithms/distributed (build): walk up to vbt's package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 5; k++) {
    const f = join(dir, 'package.json');
    if (existsSync(f)) {
      const p = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version?: string };
      if (p.name === 'vbt' && p.version) return p.version;
    }
    dir = dirname(dir);
  }
  throw new Error(`vbt: cannot find vbt's package.json above ${fileURLToPath(import.meta.url)}`);
}

/** This installation's vbt version (package.json). */
export const VBT_VERSION = findVersion();
