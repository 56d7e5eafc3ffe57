/**
 * Test helper: find a Python that has the real file clients (h5py, xarray, netCDF4, numpy, yaml)
 * and run short scripts that print JSON. Tests that need a client skip with `PY_SKIP` only when
 * no such Python exists (install: apt-get install python3-h5py python3-xarray python3-netcdf4).
 */
import { execFileSync } from 'node:child_process';

const MODULES = ['h5py', 'xarray', 'netCDF4', 'numpy', 'yaml', 'h5netcdf'];

function probe(): { python?: string; missing: string } {
  const tried: string[] = [];
  for (const cand of [process.env.VBT_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    try {
      execFileSync(cand, ['-c', `import ${MODULES.join(', ')}`], { stdio: 'pipe', timeout: 30000 });
      return { python: cand, missing: '' };
    } catch (e) {
      tried.push(`${cand}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()}`);
    }
  }
  return { missing: tried.join('; ') };
}

const found = probe();
export const PYTHON = found.python;
export const HAVE_PY = PYTHON !== undefined;
export const PY_SKIP = `no python with ${MODULES.join(', ')} (${found.missing}); install python3-h5py python3-xarray python3-netcdf4 python3-h5netcdf python3-yaml`;
if (!HAVE_PY) console.warn(PY_SKIP);

/** Run a Python script (args in sys.argv[1:]); it must print one JSON document. */
export function py<T = any>(script: string, ...args: string[]): T {
  if (!PYTHON) throw new Error(PY_SKIP);
  const out = execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000, maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}
