/**
 * The package's public surface: `vbt`, `vbt/algorithms` and `vbt/internals` resolve (self-reference inside a clone, as
 * the README imports them); deep paths do not. `vbt`'s `tf` is the tfjs-core the engines use.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const HAVE_DIST = existsSync(join(ROOT, 'dist', 'src', 'index.js'));
const run = (code: string) => spawnSync('node', ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });

describe('package exports', () => {
  it('package.json declares exactly vbt, vbt/algorithms and vbt/internals (and package.json), each with types; engines matches the README', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './algorithms', './internals', './package.json']);
    for (const k of ['.', './algorithms', './internals']) {
      expect(pkg.exports[k].types, k).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(pkg.exports[k].default, k).toBe(pkg.exports[k].types.replace(/\.d\.ts$/, '.js'));
      // the source each entry is compiled from exists (dist/X.js ← X.ts)
      expect(existsSync(join(ROOT, pkg.exports[k].default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))), k).toBe(true);
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /Node(?:\.js)?\s*(?:≥|>=)\s*(\d+(?:\.\d+)*)/.exec(readme);
    if (m) expect(pkg.engines.node).toBe(`>=${m[1]}`);
  });

  it.skipIf(!HAVE_DIST)("the README's `import … from 'vbt'` resolves inside the clone; deep paths are not public", () => {
    const ok = run("import { simulate, readTvbConnectivityZip } from 'vbt'; import * as alg from 'vbt/algorithms'; console.log(typeof simulate, typeof readTvbConnectivityZip, Object.keys(alg).length > 0);");
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('function function true');
    const inner = run("import { runSegment, openH5 } from 'vbt/internals'; import * as vbt from 'vbt'; console.log(typeof runSegment, typeof openH5, 'runSegment' in vbt, 'openH5' in vbt);");
    expect(inner.stderr).toBe('');
    expect(inner.stdout.trim()).toBe('function function false false');
    // one tfjs-core: vbt's tf is the copy a program imports itself, so tensors and gradients cross freely
    const one = run("import { tf } from 'vbt'; import * as tfc from '@tensorflow/tfjs-core'; console.log(tf.engine() === tfc.engine(), tf.version_core === tfc.version_core, typeof tf.grad);");
    expect(one.stderr).toBe('');
    expect(one.stdout.trim()).toBe('true true function');
    const deep = run("await import('vbt/dist/src/io/h5.js');");
    expect(deep.status).not.toBe(0);
    expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  }, 120_000);
});
