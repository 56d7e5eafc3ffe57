/** TVB H5 fidelity: TVB_is_nan reflects the data; areas and orientations survive; the enum limit is stated. */
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeSeries } from '../src/results/timeseries.js';
import { writeTvbTimeSeriesH5, writeTvbConnectivityH5, readTvbConnectivityH5 } from '../src/io/tvb-h5.js';
import { withH5, attrOpt, has } from '../src/io/h5.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { Connectivity } from '../src/network/connectivity.js';

const dir = mkdtempSync(join(tmpdir(), 'vbt-isnan-'));

describe('TVB H5: Is_nan computed', () => {
  it('TVB_is_nan is bool:True exactly when the data hold a NaN', async () => {
    const data = Float64Array.from({ length: 8 }, (_, k) => k);
    const ok = new TimeSeries({ data, shape: [4, 1, 2, 1], samplePeriod: 1 });
    const bad = new TimeSeries({ data: Float64Array.from(data, (v, k) => (k === 5 ? NaN : v)), shape: [4, 1, 2, 1], samplePeriod: 1 });
    await writeTvbTimeSeriesH5(join(dir, 'ok.h5'), ok);
    await writeTvbTimeSeriesH5(join(dir, 'bad.h5'), bad);
    expect(await withH5(join(dir, 'ok.h5'), (f) => attrOpt(f, 'TVB_is_nan'))).toBe('bool:False');
    expect(await withH5(join(dir, 'bad.h5'), (f) => attrOpt(f, 'TVB_is_nan'))).toBe('bool:True');
    const c = syntheticConnectome({ nodes: 4 });
    // weights must be finite; an unknown area (NaN) is what a Connectivity may carry
    const cn = new Connectivity({ n: 4, weights: c.weights, tractLengths: c.tractLengths, centres: c.centres, labels: c.labels, areas: [1, NaN, 3, 4], orientations: Float64Array.from({ length: 12 }, (_, k) => k / 12) });
    await writeTvbConnectivityH5(join(dir, 'c0.h5'), c);
    expect(await withH5(join(dir, 'c0.h5'), (f) => attrOpt(f, 'TVB_is_nan'))).toBe('bool:False');
    await writeTvbConnectivityH5(join(dir, 'c.h5'), cn);
    expect(await withH5(join(dir, 'c.h5'), (f) => attrOpt(f, 'TVB_is_nan'))).toBe('bool:True');
    // areas and orientations are kept; cortical/hemispheres cannot be written as HDF5 bool enums by h5wasm
    const back = await readTvbConnectivityH5(join(dir, 'c.h5'));
    expect(Array.from(back.areas)).toEqual([1, NaN, 3, 4]);
    expect(Array.from(back.orientations)).toEqual(Array.from(cn.orientations));
    expect(await withH5(join(dir, 'c.h5'), (f) => has(f, 'cortical') || has(f, 'hemispheres'))).toBe(false);
  });
});
