/** HDF5 access errors, atomic writes, and netCDF-4 files opened by netCDF4 and xarray (both engines). */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHdf5File, openH5, writeH5Atomic } from '../src/io/h5.js';
import { ncDimensionMarker, readNetcdf, writeNetcdf, type NcDataset } from '../src/io/netcdf.js';
import { HAVE_PY, PY_SKIP, py } from '../tools/python-clients.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-io-h5-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(): NcDataset {
  const T = 6, V = 2, N = 3, M = 1;
  const data = Float64Array.from({ length: T * V * N * M }, (_, k) => Math.sin(k) * 10 + k / 7);
  return {
    attrs: { title: 'netcdf test', answer: 42 },
    dims: [
      { name: 'time', size: T, values: Float64Array.from({ length: T }, (_, k) => 0.25 * k), attrs: { units: 'ms' }, unlimited: true },
      { name: 'state_variable', size: V, values: ['V', 'W'] },
      { name: 'region', size: N, values: ['rA1', 'rA2', 'lA1'] },
      { name: 'mode', size: M },
    ],
    variables: [
      { name: 'data', dims: ['time', 'state_variable', 'region', 'mode'], data, attrs: { units: 'mV' } },
      { name: 'weights', dims: ['region', 'region'], data: Float64Array.from({ length: 9 }, (_, k) => k) },
    ],
  };
}

describe('HDF5 errors and atomic writes', () => {
  it('names missing, foreign and truncated files', async () => {
    const good = join(dir, 'good.h5');
    await writeH5Atomic(good, (f) => {
      f.create_dataset({ name: 'x', data: new Float64Array(4096) });
    });
    const bytes = readFileSync(good);
    writeFileSync(join(dir, 'trunc.h5'), bytes.subarray(0, bytes.length >> 1));
    writeFileSync(join(dir, 'junk.h5'), 'this is not HDF5');
    expect(() => checkHdf5File(join(dir, 'nope.h5'))).toThrow(/nope\.h5: no such HDF5 file/);
    expect(() => checkHdf5File(join(dir, 'junk.h5'))).toThrow(/junk\.h5: not an HDF5 file/);
    expect(() => checkHdf5File(join(dir, 'trunc.h5'))).toThrow(new RegExp(`trunc\\.h5: truncated HDF5 file: ${bytes.length >> 1} bytes on disk but the superblock records ${bytes.length}`));
    await expect(openH5(join(dir, 'trunc.h5'))).rejects.toThrow(/truncated/);
    const f = await openH5(good);
    expect(f.keys()).toEqual(['x']);
    f.close();
  });

  it('leaves nothing behind when a write fails', async () => {
    const before = readdirSync(dir).sort();
    await expect(writeH5Atomic(join(dir, 'fail.h5'), () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(readdirSync(dir).sort()).toEqual(before);
    // a shape mismatch is caught before any file is created
    const bad = sample();
    bad.variables[0].data = new Float64Array(5);
    await expect(writeNetcdf(join(dir, 'bad.nc'), bad)).rejects.toThrow(/variable 'data' has 5 values but its dimensions \(time, state_variable, region, mode\) give shape \[6, 2, 3, 1\] = 36/);
    const undeclared = sample();
    undeclared.variables[1].dims = ['region', 'node'];
    await expect(writeNetcdf(join(dir, 'bad.nc'), undeclared)).rejects.toThrow(/undeclared dimension 'node'/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('netCDF-4 through HDF5 dimension scales', () => {
  it('round-trips through our reader', async () => {
    const p = join(dir, 'rt.nc');
    const ds = sample();
    await writeNetcdf(p, ds);
    const back = await readNetcdf(p);
    const v = back.variables.find((x) => x.name === 'data')!;
    expect(v.dims).toEqual(['time', 'state_variable', 'region', 'mode']);
    expect(Array.from(v.data)).toEqual(Array.from(ds.variables[0].data));
    expect(back.dims.find((d) => d.name === 'region')!.values).toEqual(['rA1', 'rA2', 'lA1']);
    expect(back.dims.find((d) => d.name === 'mode')!.values).toBeUndefined();
    expect(back.dims.find((d) => d.name === 'time')!.unlimited).toBe(true);
    expect(back.attrs.title).toBe('netcdf test');
    expect(ncDimensionMarker(1)).toBe('This is a netCDF dimension but not a netCDF variable.         1');
  });

  it.skipIf(!HAVE_PY)(`opens in netCDF4 and xarray (netcdf4 and h5netcdf engines) ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const p = join(dir, 'x.nc');
    const ds = sample();
    await writeNetcdf(p, ds);
    const r = py(`
import sys, json, netCDF4, xarray as xr
p = sys.argv[1]
nc = netCDF4.Dataset(p)
out = {'nc_dims': {k: len(v) for k, v in nc.dimensions.items()}, 'unlimited': [k for k, v in nc.dimensions.items() if v.isunlimited()],
       'model': nc.data_model, 'nc_vars': sorted(nc.variables)}
for eng in ['netcdf4', 'h5netcdf']:
    d = xr.open_dataset(p, engine=eng)
    out[eng] = {'dims': dict(d.sizes), 'coords': sorted(d.coords), 'data_dims': list(d['data'].dims),
                'data': d['data'].values.ravel().tolist(), 'units': d['data'].attrs.get('units'),
                'region': [str(x) for x in d['region'].values], 'time': d['time'].values.tolist(),
                'title': d.attrs.get('title'), 'w_dims': list(d['weights'].dims)}
print(json.dumps(out))
`, p);
    expect(r.nc_dims).toEqual({ time: 6, state_variable: 2, region: 3, mode: 1 });
    expect(r.unlimited).toEqual(['time']);
    expect(r.model).toBe('NETCDF4');
    for (const eng of ['netcdf4', 'h5netcdf']) {
      const e = r[eng];
      expect(e.dims).toEqual({ time: 6, state_variable: 2, region: 3, mode: 1 });
      expect(e.coords).toEqual(['region', 'state_variable', 'time']);
      expect(e.data_dims).toEqual(['time', 'state_variable', 'region', 'mode']);
      expect(e.data).toEqual(Array.from(ds.variables[0].data));
      expect(e.units).toBe('mV');
      expect(e.region).toEqual(['rA1', 'rA2', 'lA1']);
      expect(e.time).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
      expect(e.title).toBe('netcdf test');
      expect(e.w_dims).toEqual(['region', 'region']);
    }
    expect(existsSync(p)).toBe(true);
  });

  it.skipIf(!HAVE_PY)(`gzip-compressed variables read back in xarray and here ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const p = join(dir, 'gz.nc');
    const n = 300, m = 50;
    const big = Float64Array.from({ length: n * m }, (_, k) => (k % 17) * 0.5);
    await writeNetcdf(p, { attrs: {}, dims: [{ name: 'time', size: n, values: Float64Array.from({ length: n }, (_, k) => k) }, { name: 'node', size: m }], variables: [{ name: 'x', dims: ['time', 'node'], data: big }] }, { gzip: 6 });
    const r = py(`
import sys, json, h5py, xarray as xr
f = h5py.File(sys.argv[1], 'r')
d = xr.open_dataset(sys.argv[1], engine='h5netcdf')
print(json.dumps({'comp': f['x'].compression, 'opts': f['x'].compression_opts, 'sum': float(d['x'].values.sum()), 'dims': list(d['x'].dims)}))
`, p);
    expect(r).toEqual({ comp: 'gzip', opts: 6, sum: big.reduce((a, b) => a + b, 0), dims: ['time', 'node'] });
    expect(Array.from((await readNetcdf(p)).variables[0].data)).toEqual(Array.from(big));
    await expect(writeNetcdf(join(dir, 'gz2.nc'), { attrs: {}, dims: [], variables: [] }, { gzip: 12 })).rejects.toThrow(/gzip level must be an integer 0–9, got 12/);
  });
});
