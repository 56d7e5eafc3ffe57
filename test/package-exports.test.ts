/** The package's public surface: `vbt` and `vbt/algorithms` resolve (self-reference inside a clone, as the README imports them); internals do not. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const HAVE_DIST = existsSync(join(ROOT, 'dist', 'src', 'index.js'));
const run = (code: string) => spawnSync('node', ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });

describe('package exports', () => {
  it('package.json declares exactly vbt and vbt/algorithms (and package.json), and engines matches the README', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './algorithms', './package.json']);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /Node(?:\.js)?\s*(?:≥|>=)\s*(\d+(?:\.\d+)*)/.exec(readme);
    if (m) expect(pkg.engines.node).toBe(`>=${m[1]}`);
  });

  it.skipIf(!HAVE_DIST)("the README's `import … from 'vbt'` resolves inside the clone; deep paths are not public", () => {
    const ok = run("import { simulate, readTvbConnectivityZip } from 'vbt'; import * as alg from 'vbt/algorithms'; console.log(typeof simulate, typeof readTvbConnectivityZip, Object.keys(alg).length > 0);");
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('function function true');
    const deep = run("await import('vbt/dist/src/io/h5.js');");
    expect(deep.status).not.toBe(0);
    expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
