/**
 * The API reference: TypeDoc converts vbt, vbt/algorithms and vbt/internals with its validation on and warnings
 * treated as errors (typedoc.json), so a public signature that names a type no entry point exports, or a broken
 * {@link}, fails here rather than at `npm run docs`. `--emit none` skips the HTML (about 15 s of CPU instead of 25).
 * Also: src/index.ts lists its exports by name (the one namespace re-export is `tf`, by `export { tf }`).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

describe('API reference', () => {
  it('src/index.ts has no `export *` (names are listed), and re-exports the engines\' tfjs-core as `tf`', () => {
    const src = readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8');
    expect(src.split('\n').filter((l) => /^\s*export\s*\*/.test(l))).toEqual([]);
    expect(src).toMatch(/^import \* as tf from '@tensorflow\/tfjs-core';$/m);
    expect(src).toMatch(/^export \{ tf, algorithms \};$/m);
  });

  it('typedoc validates the three entry points without a warning', () => {
    // the bin script, beside the package.json that the exports map does list
    const bin = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('typedoc/package.json')), 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [bin, '--emit', 'none'], { cwd: ROOT, encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    expect(out.split('\n').filter((l) => /\[(warning|error)\]/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  }, 240_000);
});
