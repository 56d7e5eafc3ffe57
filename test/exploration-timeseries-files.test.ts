/**
 * An ExplorationResult's time series per point survives every format it writes — JSON, netCDF alone,
 * and inside an ExperimentResult — bit for bit, NaN (a diverged point), ±Inf and −0 included.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExplorationResult, type PointTimeSeries } from '../src/results/exploration.js';
import { ExperimentResult } from '../src/results/experiment.js';
import { grid, product, values } from '../src/space/space.js';

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('ExplorationResult time series in files', () => {
  const space = product(grid('a', 0, 1, 2), values('b', [10, 20, 30]));
  const T = 5, V = 2, N = 3;
  // values that decimal JSON would not bring back: −0, ±Inf, NaN, and doubles with 17 significant digits
  const data = Float64Array.from({ length: space.size * T * V * N }, (_, k) => Math.sin(k * 1.7) / 3 + k * 1e-17);
  data[7] = -0; data[8] = Infinity; data[9] = -Infinity;
  data.fill(NaN, 4 * T * V * N, 5 * T * V * N); // point 4 diverged
  const ts: PointTimeSeries = { outputNames: ['S_e', 'S_i'], dt: 0.5, nodes: N, time: Float64Array.from({ length: T }, (_, t) => 0.5 * (t + 1) + 1e-13), data };
  const res = new ExplorationResult('t', space, { loss: Float64Array.of(5, 4, 3, 2, NaN, 0) }, { note: 'x' }, ts);

  const same = (back: ExplorationResult) => {
    expect(back.timeseries).toBeDefined();
    const b = back.timeseries!;
    expect([b.outputNames, b.dt, b.nodes]).toEqual([ts.outputNames, ts.dt, ts.nodes]);
    expect(bits(b.time).equals(bits(ts.time))).toBe(true);
    expect(bits(b.data).equals(bits(ts.data))).toBe(true);
    expect(Object.is(back.pointSeries(0).data[7], -0)).toBe(true);
    expect(back.space.points()).toEqual(space.points());
  };

  it('round-trips through JSON, netCDF and an ExperimentResult bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-expl-ts-'));
    try {
      await res.save(join(dir, 'r.json'));
      same(ExplorationResult.load(join(dir, 'r.json')));
      same(await ExplorationResult.fromFile(join(dir, 'r.json')));
      await res.save(join(dir, 'r.nc'));
      same(await ExplorationResult.fromFile(join(dir, 'r.nc')));
      await new ExperimentResult({ explorations: { t: res } }).save(join(dir, 'exp.nc'));
      same((await ExperimentResult.fromFile(join(dir, 'exp.nc'))).explorations.t);
      // a slice keeps its points' series
      const s = ExplorationResult.load(join(dir, 'r.json')).slice({ b: 20 });
      expect(bits(s.pointSeries(1).data).equals(bits(data.subarray(4 * T * V * N, 5 * T * V * N)))).toBe(true);
      // a JSON without time series (files written before) still reads, and has none
      const j = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      delete j.timeseries;
      writeFileSync(join(dir, 'old.json'), JSON.stringify(j));
      expect(ExplorationResult.load(join(dir, 'old.json')).isTimeseries).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged time series in JSON is named, not dropped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-expl-ts-'));
    try {
      const j = res.toJSON() as Record<string, any>;
      writeFileSync(join(dir, 'short.json'), JSON.stringify({ ...j, timeseries: { ...j.timeseries, data: Buffer.alloc(8 * 7).toString('base64') } }));
      expect(() => ExplorationResult.load(join(dir, 'short.json'))).toThrow(/short\.json: ExplorationResult 't': time series data has 7 values; expected points × time × outputs × nodes = 180/);
      writeFileSync(join(dir, 'enc.json'), JSON.stringify({ ...j, timeseries: { ...j.timeseries, encoding: 'decimal' } }));
      expect(() => ExplorationResult.load(join(dir, 'enc.json'))).toThrow(/enc\.json: timeseries\.encoding "decimal"; expected 'float64le-base64'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
