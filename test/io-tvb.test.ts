/**
 * TVB interop: Connectivity + TimeSeriesRegion H5 (DATA_VERSION 5 layout checked byte-level with
 * h5py, xarray opens the time series), reading them back, and the connectivity ZIP writer
 * round-tripping through our reader and numpy.loadtxt.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { HAVE_PY, PYTHON, PY_SKIP, py } from '../tools/python-clients.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import { Connectivity } from '../src/network/connectivity.js';
import { tvbConnectivityZipBytes, writeTvbConnectivityZip } from '../src/network/tvb-zip-write.js';
import { TimeSeries } from '../src/results/timeseries.js';
import { gidHex, readTvbConnectivityH5, readTvbH5, tvbDate, writeTvbExport, writeTvbTimeSeriesH5, pyJson } from '../src/io/tvb-h5.js';
import { writeH5Atomic, putAttr } from '../src/io/h5.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-io-tvb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
};

function regionSeries(conn: Connectivity): TimeSeries {
  const T = 40, V = 2, N = conn.n, M = 1;
  const data = Float64Array.from({ length: T * V * N * M }, (_, k) => Math.cos(k / 13) * (1 + (k % 7)));
  return new TimeSeries({ data, shape: [T, V, N, M], samplePeriod: 0.5, startTime: 10, variables: ['V', 'W'], regions: conn.labels, title: 'Simulation: Raw', units: { time: 'ms', data: 'mV' }, network: conn });
}

describe('TVB helpers', () => {
  it('formats dates, GIDs and JSON the way TVB writes them', () => {
    expect(tvbDate(new Date(2026, 10, 21, 7, 21, 3, 880))).toBe('2026-11-21,07-21-03.880000');
    expect(gidHex('urn:uuid:434515dc-e475-4b90-9d79-e80a61d9a618')).toBe('434515dce4754b909d79e80a61d9a618');
    expect(() => gidHex('not-a-gid')).toThrow(/not a TVB GID/);
    expect(pyJson(['Time', 'State Variable'])).toBe('["Time", "State Variable"]');
    expect(pyJson({ 'State Variable': ['V'] })).toBe('{"State Variable": ["V"]}');
  });
});

describe.skipIf(!HAVE_SHARED)(`TVB H5 and ZIP with the 76-region connectivity ${HAVE_SHARED ? '' : SKIP_REASON}`, () => {
  it('writes Connectivity_<gid>.h5 + TimeSeriesRegion_<gid>.h5 and reads them back exactly', async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const ts = regionSeries(conn);
    const out = await writeTvbExport(join(dir, 'tvb'), ts, conn);
    expect(readdirSync(join(dir, 'tvb')).sort()).toEqual([`Connectivity_${gidHex(out.connectivityGid)}.h5`, `TimeSeriesRegion_${gidHex(out.gid)}.h5`].sort());
    const c = await readTvbConnectivityH5(out.connectivityPath);
    expect(maxAbs(c.weights, conn.weights)).toBe(0);
    expect(maxAbs(c.tractLengths, conn.tractLengths)).toBe(0);
    expect(maxAbs(c.centres, conn.centres)).toBe(0);
    expect(maxAbs(c.areas, conn.areas)).toBe(0);
    expect(maxAbs(c.orientations, conn.orientations)).toBe(0);
    expect(c.labels).toEqual(conn.labels);
    expect(c.hemispheres).toEqual(conn.hemispheres); // derived from the r/l label prefixes as TVB does
    expect(c.cortical).toEqual(conn.cortical);
    expect(c.cortical.length).toBe(76);
    const back = await readTvbH5(out.timeSeriesPath, { connectivity: c });
    expect(back.kind).toBe('TimeSeriesRegion');
    if (back.kind !== 'TimeSeriesRegion') return;
    expect(back.connectivityGid).toBe(out.connectivityGid);
    expect(back.timeSeries.shape).toEqual([40, 2, 76, 1]);
    expect(maxAbs(back.timeSeries.data, ts.data)).toBe(0);
    expect(maxAbs(back.timeSeries.time, ts.time)).toBe(0);
    expect(back.timeSeries.variables).toEqual(['V', 'W']);
    expect(back.timeSeries.regions).toEqual(conn.labels);
    expect(back.timeSeries.samplePeriod).toBe(0.5);
    expect(back.timeSeries.startTime).toBe(10);
    expect(back.timeSeries.network).toBe(c);
  });

  it.skipIf(!HAVE_PY)(`has TVB's attribute names and types (h5py) and opens in xarray ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const ts = regionSeries(conn);
    const out = await writeTvbExport(join(dir, 'tvb-py'), ts, conn);
    const r = py(`
import sys, json, h5py, numpy as np, xarray as xr
def desc(v):
    if isinstance(v, str): return ['str', v]
    if isinstance(v, (np.integer,)): return [str(v.dtype), int(v)]
    if isinstance(v, (np.floating,)): return [str(v.dtype), float(v)]
    return [type(v).__name__, str(v)]
res = {}
for key, p in [('conn', sys.argv[1]), ('ts', sys.argv[2])]:
    f = h5py.File(p, 'r')
    res[key] = {'attrs': {k: desc(v) for k, v in f.attrs.items()},
                'vlen': {k: h5py.check_string_dtype(f.attrs.get_id(k).dtype) is not None and h5py.check_string_dtype(f.attrs.get_id(k).dtype).length is None
                         for k in f.attrs if isinstance(f.attrs[k], str)},
                'sets': {k: [str(f[k].dtype), list(f[k].shape)] for k in f}}
    if key == 'conn':
        res[key]['weights_sum'] = float(f['weights'][()].sum()); res[key]['w00'] = f['weights'][()].tolist()[0][:5]
        res[key]['labels'] = [x.decode() if isinstance(x, bytes) else x for x in f['region_labels'][()]][:3]
        res[key]['wmax'] = desc(f['weights'].attrs['TVB_Maximum'])
        res[key]['bools'] = {k: f[k][()].tolist() for k in ('cortical', 'hemispheres')}
    else:
        res[key]['data'] = f['data'][()].ravel()[:50].tolist()
d = xr.open_dataset(sys.argv[2], engine='netcdf4')
res['xr'] = {'dims': dict(d.sizes), 'region': [str(x) for x in d['region'].values[:3]], 'sv': [str(x) for x in d['state_variable'].values],
             'time0': float(d['time'].values[0]), 'v': float(d['data'].values[3, 1, 5, 0]), 'units': d['data'].attrs.get('units')}
print(json.dumps(res))
`, out.connectivityPath, out.timeSeriesPath);
    const ca = r.conn.attrs;
    expect(ca.TVB_Data_version).toEqual(['int32', 5]);
    expect(ca.TVB_written_by).toEqual(['str', 'tvb.adapters.datatypes.h5.connectivity_h5.ConnectivityH5']);
    expect(ca.TVB_gid).toEqual(['str', out.connectivityGid]);
    expect(ca.TVB_number_of_regions).toEqual(['int64', 76]);
    expect(ca.TVB_number_of_connections).toEqual(['int64', 1560]);
    expect(ca.TVB_saved_selection).toEqual(['str', '[]']);
    expect(ca.TVB_undirected).toEqual(['str', 'bool:False']);
    expect(ca.TVB_visible).toEqual(['str', 'bool:True']);
    expect(ca.TVB_create_date[1]).toMatch(/^\d{4}-\d\d-\d\d,\d\d-\d\d-\d\d\.\d{6}$/);
    for (const k of ['TVB_subject', 'TVB_state', 'TVB_user_tag_1', 'TVB_user_tag_5', 'TVB_invalid', 'TVB_is_nan']) expect(ca[k][0]).toBe('str');
    expect(Object.values(r.conn.vlen).every(Boolean)).toBe(true);
    expect(r.conn.sets.weights).toEqual(['float64', [76, 76]]);
    expect(r.conn.sets.tract_lengths).toEqual(['float64', [76, 76]]);
    expect(r.conn.sets.centres).toEqual(['float64', [76, 3]]);
    expect(r.conn.sets.region_labels).toEqual(['object', [76]]);
    expect(r.conn.weights_sum).toBeCloseTo(conn.weights.reduce((a, b) => a + b, 0), 10);
    expect(r.conn.labels).toEqual(['rA1', 'rA2', 'rAMYG']);
    expect(r.conn.wmax).toEqual(['float64', 3]);
    // numpy bool, as TVB's own writer stores them (h5py maps the {FALSE, TRUE} enumeration to bool)
    expect(r.conn.sets.cortical).toEqual(['bool', [76]]);
    expect(r.conn.sets.hemispheres).toEqual(['bool', [76]]);
    expect(r.conn.bools).toEqual({ cortical: conn.cortical, hemispheres: conn.hemispheres });

    const ta = r.ts.attrs;
    expect(ta.TVB_written_by).toEqual(['str', 'tvb.adapters.datatypes.h5.time_series_h5.TimeSeriesRegionH5']);
    expect(ta.TVB_connectivity).toEqual(['str', out.connectivityGid]);
    expect(ta.TVB_labels_ordering).toEqual(['str', '["Time", "State Variable", "Region", "Mode"]']);
    expect(JSON.parse(ta.TVB_labels_dimensions[1])).toEqual({ 'State Variable': ['V', 'W'], Region: conn.labels });
    expect(ta.TVB_sample_period).toEqual(['float64', 0.5]);
    expect(ta.TVB_sample_period_unit).toEqual(['str', 'ms']);
    expect(ta.TVB_start_time).toEqual(['float64', 10]);
    expect(ta.TVB_sample_rate).toEqual(['float64', 2000]);
    expect(ta.TVB_nr_dimensions).toEqual(['int64', 4]);
    expect(ta.TVB_title).toEqual(['str', 'Simulation: Raw']);
    expect(r.ts.sets.data).toEqual(['float64', [40, 2, 76, 1]]);
    expect(r.ts.sets.time).toEqual(['float64', [40]]);
    expect(r.ts.data).toEqual(Array.from(ts.data.subarray(0, 50)));
    expect(r.xr.dims).toEqual({ time: 40, state_variable: 2, region: 76, mode: 1 });
    expect(r.xr.region).toEqual(['rA1', 'rA2', 'rAMYG']);
    expect(r.xr.sv).toEqual(['V', 'W']);
    expect(r.xr.time0).toBe(10);
    expect(r.xr.v).toBe(ts.data[((3 * 2 + 1) * 76 + 5) * 1]);
    expect(r.xr.units).toBe('mV');
  });

  it('round-trips the connectivity ZIP exactly (our reader and numpy.loadtxt)', async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const p = join(dir, 'c76.zip');
    writeTvbConnectivityZip(p, conn);
    const c2 = readTvbConnectivityZip(p);
    expect(maxAbs(c2.weights, conn.weights)).toBe(0);
    expect(maxAbs(c2.tractLengths, conn.tractLengths)).toBe(0);
    expect(maxAbs(c2.centres, conn.centres)).toBe(0);
    expect(maxAbs(c2.areas, conn.areas)).toBe(0);
    expect(maxAbs(c2.orientations, conn.orientations)).toBe(0);
    expect(c2.labels).toEqual(conn.labels);
    expect(c2.cortical).toEqual(conn.cortical);
    expect(c2.hemispheres).toEqual(conn.hemispheres);
    if (!HAVE_PY) return;
    const r = py(`
import sys, json, zipfile, io, numpy as np
z = zipfile.ZipFile(sys.argv[1])
w = np.loadtxt(io.BytesIO(z.read('weights.txt')))
t = np.loadtxt(io.BytesIO(z.read('tract_lengths.txt')))
hemi = np.loadtxt(io.BytesIO(z.read('hemispheres.txt')), dtype=bool)
cort = np.loadtxt(io.BytesIO(z.read('cortical.txt')), dtype=bool)
print(json.dumps({'w': w.ravel().tolist(), 't': t.ravel().tolist(), 'hemi': hemi.tolist(), 'cort': cort.tolist()}))
`, p);
    expect(maxAbs(r.w, conn.weights)).toBe(0);
    expect(maxAbs(r.t, conn.tractLengths)).toBe(0);
    expect(r.hemi).toEqual(conn.hemispheres);
    expect(r.cort).toEqual(conn.cortical);
  });
});

// TVB's own loader needs a tvb-root checkout (not an npm/apt package): VBT_TVB_ROOT=/path/to/tvb-root
// holding its tvb_library, tvb_framework and tvb_storage folders, and Debian's python3-sqlalchemy,
// python3-psutil and python3-requests besides the h5py/numpy/scipy the other tests use
const TVB_ROOT = process.env.VBT_TVB_ROOT;
const HAVE_TVB = HAVE_PY && HAVE_SHARED && !!TVB_ROOT && existsSync(join(TVB_ROOT, 'tvb_framework'));
const TVB_SKIP = !HAVE_PY ? PY_SKIP : !HAVE_SHARED ? SKIP_REASON : `set VBT_TVB_ROOT to a tvb-root checkout (with tvb_library, tvb_framework, tvb_storage) to load the files with TVB's own reader${TVB_ROOT ? `; ${TVB_ROOT} has no tvb_framework` : ''}`;

describe.skipIf(!HAVE_TVB)(`TVB's own H5 loader ${HAVE_TVB ? '' : TVB_SKIP}`, () => {
  it('loads our Connectivity and TimeSeriesRegion, fills the DB index and resolves the link by GID', async () => {
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const ts = regionSeries(conn);
    const out = await writeTvbExport(join(dir, 'tvb-own'), ts, conn);
    const text = execFileSync(PYTHON!, ['tools/tvb_load_check.py', TVB_ROOT!, out.connectivityPath, out.timeSeriesPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000, maxBuffer: 64 << 20 });
    const r = JSON.parse(text.trim().split('\n').pop()!);
    const c = r[`Connectivity_${gidHex(out.connectivityGid)}.h5`];
    const t = r[`TimeSeriesRegion_${gidHex(out.gid)}.h5`];
    expect(c).toMatchObject({ type: 'Connectivity', data_version: 5, visible: true, index: 'ConnectivityIndex', n: 76, undirected: false, connections: 1560 });
    expect(c.gid).toBe(out.connectivityGid.replace('urn:uuid:', ''));
    expect(maxAbs(c.weights, conn.weights)).toBe(0);
    expect(maxAbs(c.tract_lengths, conn.tractLengths)).toBe(0);
    expect(maxAbs(c.centres, conn.centres)).toBe(0);
    expect(c.labels).toEqual(conn.labels);
    // TVB refuses int8/uint8 here ("can't be set to an array of dtype int8"): only the enumeration loads
    expect(c.cortical).toEqual(['bool', conn.cortical]);
    expect(c.hemispheres).toEqual(['bool', conn.hemispheres]);
    expect(t).toMatchObject({ type: 'TimeSeriesRegion', data_version: 5, index: 'TimeSeriesRegionIndex', shape: [40, 2, 76, 1], sample_period: 0.5, unit: 'ms', start_time: 10, title: 'Simulation: Raw' });
    expect(t.labels_ordering).toEqual(['Time', 'State Variable', 'Region', 'Mode']);
    expect(t.labels_dimensions).toEqual({ 'State Variable': ['V', 'W'], Region: conn.labels });
    expect(t.connectivity).toBe(c.gid);
    expect(t.index_connectivity).toBe(gidHex(out.connectivityGid));
    expect(t.linked_regions).toBe(76);
    expect(t.linked_weights_sum).toBeCloseTo(conn.weights.reduce((a, b) => a + b, 0), 9);
    expect(maxAbs(t.data, ts.data)).toBe(0);
    expect(maxAbs(t.time, ts.time)).toBe(0);
  }, 150_000); // TVB imports its framework (and numba) first: seconds warm, more cold on a loaded machine
});

describe('TVB bad input', () => {
  const small = () => new Connectivity({ weights: [0, 1, 2, 0], tractLengths: [0, 3, 3, 0], centres: [0, 0, 0, 1, 2, 3], labels: ['rX', 'lX'] });

  it('rejects a zip without weights, labels with spaces, wrong data versions and foreign datatypes', async () => {
    const noWeights = join(dir, 'noweights.zip');
    writeFileSync(noWeights, zipSync({ 'centres.txt': strToU8('a 0 0 0\nb 1 1 1\n') }));
    expect(() => readTvbConnectivityZip(noWeights)).toThrow(/no member name contains 'weights'/);
    const bad = new Connectivity({ weights: [0, 1, 1, 0], tractLengths: [0, 1, 1, 0], labels: ['left A', 'B'] });
    expect(() => tvbConnectivityZipBytes(bad)).toThrow(/label 0 \("left A"\) is empty or contains whitespace/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const old = join(dir, 'old.h5');
    await writeH5Atomic(old, (f) => {
      putAttr.i32(f, 'TVB_Data_version', 4);
      putAttr.str(f, 'TVB_written_by', 'x');
    });
    await expect(readTvbH5(old)).rejects.toThrow(/old\.h5: TVB data version 4 is not supported; vbt reads version 5/);
    const surf = join(dir, 'surf.h5');
    await writeH5Atomic(surf, (f) => {
      putAttr.i32(f, 'TVB_Data_version', 5);
      putAttr.str(f, 'TVB_written_by', 'tvb.adapters.datatypes.h5.surface_h5.SurfaceH5');
    });
    await expect(readTvbH5(surf)).rejects.toThrow(/TVB datatype SurfaceH5 is not supported/);
    const plain = join(dir, 'plain.h5');
    await writeH5Atomic(plain, (f) => putAttr.str(f, 'x', 'y'));
    await expect(readTvbH5(plain)).rejects.toThrow(/not a TVB H5 file \(no TVB_Data_version attribute\)/);
  });

  it('rejects a time series whose regions do not match the connectivity, writing nothing', async () => {
    const conn = small();
    const ts = new TimeSeries({ data: new Float64Array(3 * 3), shape: [3, 1, 3, 1], samplePeriod: 1 });
    const d = join(dir, 'mismatch');
    await expect(writeTvbExport(d, ts, conn)).rejects.toThrow(/connectivity has 2 regions but the time series has 3/);
    expect(() => readdirSync(d)).toThrow();
    // a plain TimeSeries (no connectivity GID) is written as TVB's generic TimeSeriesH5
    const p = join(dir, 'generic.h5');
    await writeTvbTimeSeriesH5(p, ts);
    const back = await readTvbH5(p);
    expect(back.kind).toBe('TimeSeries');
  });
});
