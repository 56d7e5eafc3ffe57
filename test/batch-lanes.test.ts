/**
 * Batch lanes (src/engine/wasm/batch-lanes.ts): gathering the coupling of 2 or 4 batch elements
 * in one pass must give the same doubles as gathering them one by one. Batch sizes 1–9 cover the
 * quad, pair and single remainders; per-element and single coupling parameters, delays, noise,
 * Bold and AfferentCoupling monitors are all compared bit for bit.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { simulateSync, prepare } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { generatePairGather } from '../src/engine/wasm/batch-lanes.js';
import { generateWasm } from '../src/engine/wasm/kernel.js';
import type { SimulationConfig } from '../src/simulation/config.js';

const conn = syntheticConnectome({ nodes: 13 });
const cases: [string, SimulationConfig, Record<string, (b: number) => number>][] = [
  ['G2D, Linear, delays, noise, Raw + AfferentCoupling', {
    model: 'Generic2dOscillator', connectivity: conn.withSpeed(2), coupling: 'Linear', integrator: { name: 'Heun', dt: 0.1, noise: { nsig: 1e-4, seed: 5 } },
    duration: 60, monitors: [{ name: 'Raw' }, { name: 'AfferentCoupling' }], initialConditions: { seed: 1 },
  }, { 'coupling.a': (b) => 0.001 + 0.003 * b, I: (b) => 0.1 * b }],
  ['JansenRit, SigmoidalJansenRit (single a, per-element r)', {
    model: 'JansenRit', connectivity: conn.withSpeed(3), coupling: 'SigmoidalJansenRit', couplingParameters: { a: 8 }, integrator: { name: 'Heun', dt: 2 ** -4 },
    duration: 40, monitors: [{ name: 'TemporalAverage', period: 1 }], initialConditions: { seed: 2 },
  }, { 'coupling.r': (b) => 0.5 + 0.01 * b }],
  ['ReducedWongWang, Linear, no delays, Bold', {
    model: 'ReducedWongWang', connectivity: conn.withSpeed(1e9), coupling: 'Linear', integrator: { name: 'Heun', dt: 4 }, duration: 6000,
    monitors: [{ name: 'Bold', period: 1000 }], initialConditions: { history: new Float64Array(13).fill(0.3) },
  }, { 'coupling.a': (b) => 0.05 + 0.1 * b }],
];

const run = (cfg: SimulationConfig, lanes: boolean) => {
  process.env.VBT_BATCH_LANES = lanes ? '1' : '0';
  return simulateSync(cfg);
};
afterEach(() => void delete process.env.VBT_BATCH_LANES);

describe('batch lanes: the coupling gather of 2 and 4 batch elements per pass', () => {
  for (const [name, base, vary] of cases) {
    it(`${name}: bit-identical to one element per pass for B = 1 … 9`, () => {
      const plan = prepare({ ...base, batch: { [Object.keys(vary)[0]]: [1, 2] } }).plan;
      // the lanes really run here (otherwise this test would compare the old path with itself)
      expect(generatePairGather(plan, generateWasm(plan, true))).not.toBeNull();
      for (let B = 1; B <= 9; B++) {
        const batch = Object.fromEntries(Object.entries(vary).map(([k, f]) => [k, Array.from({ length: B }, (_, b) => f(b))]));
        const cfg = { ...base, batch };
        const a = run(cfg, false), b = run(cfg, true);
        for (let m = 0; m < a.monitors.length; m++) {
          const x = Array.from(a.monitors[m].data), y = Array.from(b.monitors[m].data);
          expect(x.length).toBeGreaterThan(0);
          expect(y.every((v, k) => Object.is(v, x[k])), `${name}, B=${B}, monitor ${a.monitors[m].name}`).toBe(true);
        }
      }
    }, 60_000);
  }
  it('outside the coverage (per-node coupling parameter) the module is not generated and runs fall back', () => {
    const cfg: SimulationConfig = { ...cases[0][1], couplingParameters: { a: Array.from({ length: 13 }, (_, k) => 0.001 * k) } };
    const plan = prepare({ ...cfg, batch: { I: [0, 1] } }).plan;
    expect(generatePairGather(plan, generateWasm(plan, true))).toBeNull();
    const x = run({ ...cfg, batch: { I: [0, 0.5, 1] } }, true).monitors[0].data;
    expect(x.every(Number.isFinite)).toBe(true);
  });
});
