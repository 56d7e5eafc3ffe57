import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  grid, logGrid, values, product, zip, randomSamples, sobolSamples, sobolPoints, Space, ExplorationResult, explore,
} from '../algorithms/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { ExperimentResult } from '../src/results/experiment.js';

describe('spaces', () => {
  it('grid, log-grid and explicit values', () => {
    expect(Array.from(grid('a', 0, 1, 5).dims[0].values[0])).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const lg = logGrid('s', 1e-6, 1e-2, 5).dims[0].values[0];
    [1e-6, 1e-5, 1e-4, 1e-3, 1e-2].forEach((v, k) => expect(lg[k] / v).toBeCloseTo(1, 12));
    expect(values('x', [3, 1, 2]).size).toBe(3);
  });
  it('product is C-ordered (last fastest), zip pairs element-wise', () => {
    const s = product(grid('a', 0, 1, 2), values('b', [10, 20, 30]));
    expect(s.shape).toEqual([2, 3]);
    expect(s.points()).toEqual([
      { a: 0, b: 10 }, { a: 0, b: 20 }, { a: 0, b: 30 },
      { a: 1, b: 10 }, { a: 1, b: 20 }, { a: 1, b: 30 },
    ]);
    const z = zip(values('a', [1, 2]), values('b', [3, 4]));
    expect(z.shape).toEqual([2]);
    expect(z.points()).toEqual([{ a: 1, b: 3 }, { a: 2, b: 4 }]);
    expect(() => zip(values('a', [1, 2]), values('b', [1]))).toThrow(/lengths differ/);
    expect(() => product(grid('a', 0, 1, 2), grid('a', 0, 1, 2))).toThrow(/'a' appears in two dimensions/);
  });
  it("Sobol' points equal scipy.stats.qmc.Sobol(10, scramble=False)", () => {
    const p = sobolPoints(1001, 10);
    expect(p[3]).toEqual([0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25, 0.25, 0.25]);
    expect(p[100]).toEqual([0.4140625, 0.2578125, 0.7734375, 0.7265625, 0.8828125, 0.7421875, 0.0234375, 0.4765625, 0.6328125, 0.6953125]);
    expect(p[1000]).toEqual([0.2197265625, 0.0966796875, 0.5185546875, 0.6767578125, 0.2802734375, 0.9072265625, 0.0458984375, 0.8994140625, 0.5009765625, 0.0693359375]);
  });
  it('Sobol and random samples fill their box; 256 Sobol points put exactly 16 in each of 4×4 cells', () => {
    const b = { x: [2, 4] as [number, number], y: [-1, 0] as [number, number] };
    const cells = (s: Space) => {
      const c = new Array(16).fill(0);
      for (const p of s.points()) {
        expect(p.x).toBeGreaterThanOrEqual(2); expect(p.x).toBeLessThan(4);
        expect(p.y).toBeGreaterThanOrEqual(-1); expect(p.y).toBeLessThan(0);
        c[Math.floor((p.x - 2) * 2) * 4 + Math.floor((p.y + 1) * 4)]++;
      }
      return c;
    };
    expect(cells(sobolSamples(b, 256, 0))).toEqual(new Array(16).fill(16));
    const r = cells(randomSamples(b, 256, 7));
    expect(r.reduce((a, x) => a + x, 0)).toBe(256);
    expect(Math.max(...r) - Math.min(...r)).toBeGreaterThan(2);
    // seeded: same seed, same points
    expect(randomSamples(b, 4, 7).points()).toEqual(randomSamples(b, 4, 7).points());
  });
});

describe('ExplorationResult', () => {
  const space = product(grid('a', 0, 1, 2), values('b', [10, 20, 30]));
  const res = new ExplorationResult('t', space, { loss: Float64Array.of(5, 4, 3, 2, NaN, 0), other: Float64Array.of(1, 2, 3, 4, 5, 6) }, { note: 'x' });
  it('asGrid, slice and optimal', () => {
    const g = res.asGrid('loss');
    expect(g.shape).toEqual([2, 3]);
    expect(g.nested).toEqual([[5, 4, 3], [2, NaN, 0]]);
    expect(g.axes[1].values.b).toEqual([10, 20, 30]);
    expect(res.optimal('loss')).toEqual({ flatIndex: 5, index: [1, 2], value: 0, parameters: { a: 1, b: 30 } });
    expect(res.optimal('other', 'max').parameters).toEqual({ a: 1, b: 30 });
    const s = res.slice({ b: 19 }); // nearest: 20
    expect(s.shape).toEqual([2]);
    expect(Array.from(s.results.other)).toEqual([2, 5]);
    expect(s.metadata.fixed).toEqual({ b: 20 });
    expect(Array.from(res.slice({ a: 1, b: 10 }).results.other)).toEqual([4]);
    expect(() => res.slice({ c: 1 })).toThrow(/'c' is not a parameter/);
    expect(() => res.asGrid('nope')).toThrow(/no observable 'nope'/);
  });
  it('save/load round trip (NaN survives), the project ExperimentResult file, and a bad file is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vbt-expl-'));
    try {
      const f = join(dir, 'r.json');
      res.save(f);
      const back = ExplorationResult.load(f);
      expect(back.shape).toEqual([2, 3]);
      expect(back.space.points()).toEqual(space.points());
      expect(Array.from(back.results.loss)).toEqual([5, 4, 3, 2, NaN, 0]);
      expect(back.metadata).toEqual({ note: 'x' });
      // the same class in an ExperimentResult (netCDF) and back, every observable kept
      const exp = new ExperimentResult({ explorations: { t: res } });
      await exp.save(join(dir, 'exp.nc'));
      const expBack = (await ExperimentResult.fromFile(join(dir, 'exp.nc'))).explorations.t;
      expect(Array.from(expBack.results.loss)).toEqual([5, 4, 3, 2, NaN, 0]);
      expect(expBack.observables).toEqual(res.observables);
      expect(Array.from(expBack.results.other)).toEqual(Array.from(res.results.other));
      expect(expBack.optimal('loss')).toEqual(res.optimal('loss'));
      expect(expBack.space.points()).toEqual(space.points());
      // and alone as netCDF
      await res.save(join(dir, 'r.nc'));
      const nc = await ExplorationResult.fromFile(join(dir, 'r.nc'));
      expect(nc.optimal('other', 'max')).toEqual(res.optimal('other', 'max'));
      writeFileSync(join(dir, 'bad.json'), '{"schema":"other"}');
      expect(() => ExplorationResult.load(join(dir, 'bad.json'))).toThrow(/bad.json: schema "other"; expected vbt-exploration\/1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('explore on the kernel engine', () => {
  const base: SimulationConfig = {
    model: 'Generic2dOscillator',
    connectivity: syntheticConnectome({ nodes: 6 }),
    integrator: { name: 'Heun', dt: 0.5, noise: { nsig: 1e-4, seed: 3 } },
    duration: 50,
    monitors: [{ name: 'TemporalAverage', period: 5 }],
    initialConditions: { seed: 5 },
  };
  const meanV = (d: ArrayLike<number>) => { let s = 0; for (let k = 0; k < d.length; k++) s += d[k]; return s / d.length; };
  it('a 3×2 grid over a coupling parameter and the noise level equals the points run one by one', async () => {
    const space = product(grid('coupling.a', 0, 0.02, 3), values('noise.nsig', [1e-5, 1e-3]));
    const ticks: number[] = [];
    const res = await explore({ base, space, batchSize: 2, threads: 1, observables: { meanV: (r) => meanV(r.monitor().data), T: (r) => r.series().t }, progress: (d) => ticks.push(d) });
    expect(res.shape).toEqual([3, 2]);
    expect(Array.from(res.results.T)).toEqual(new Array(6).fill(10));
    expect(ticks[ticks.length - 1]).toBe(6);
    // point k is the (k div 2)-th of its noise-level group: seed 3 + k div 2
    for (const k of [0, 3, 5]) {
      const p = space.point(k);
      const one = simulateSync({ ...base, couplingParameters: { a: p['coupling.a'] }, integrator: { ...base.integrator, noise: { nsig: p['noise.nsig'], seed: 3 + Math.floor(k / 2) } } });
      expect(res.results.meanV[k]).toBeCloseTo(meanV(one.monitor().data), 12);
    }
    // the noise level matters: the two columns differ
    const g = res.asGrid('meanV').nested as number[][];
    expect(g[0][0]).not.toBeCloseTo(g[0][1], 6);
  });
  it('a diverging point becomes NaN without losing its batch neighbours', async () => {
    const space = values('a', [-2, 1e6]);
    const res = await explore({
      base: { ...base, integrator: { name: 'Euler', dt: 0.5 } }, space, threads: 1, progress: false,
      observables: { meanV: (r) => meanV(r.monitor().data) },
    });
    expect(Number.isFinite(res.results.meanV[0])).toBe(true);
    expect(Number.isNaN(res.results.meanV[1])).toBe(true);
    expect(res.metadata.diverged).toBe(1);
  });
});
