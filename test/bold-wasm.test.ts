/**
 * The Bold monitor's block update in WebAssembly SIMD (src/observation/bold/wasm.ts) against the
 * JavaScript loop it replaces (VBT_BATCH_LANES=0): the same doubles, for an odd and an even number
 * of channels (the scalar tail and the f64x2 pairs), 4 ms blocks of one step (dt 4) and of eight
 * (dt 0.5), several variables of interest, a transient that warms the accumulators, other HRF
 * kernels and batch sizes 1 … 3.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { simulateSync } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import type { SimulationConfig } from '../src/simulation/config.js';
import { boldFeedModule } from '../src/observation/bold/wasm.js';

const run = (cfg: SimulationConfig, simd: boolean) => {
  process.env.VBT_BATCH_LANES = simd ? '1' : '0';
  return simulateSync(cfg);
};
afterEach(() => void delete process.env.VBT_BATCH_LANES);

const cases: [string, SimulationConfig][] = [
  ['RWW, 5 nodes (odd: scalar tail), dt 4, transient', {
    model: 'ReducedWongWang', connectivity: syntheticConnectome({ nodes: 5 }), coupling: 'Linear', integrator: { name: 'Heun', dt: 4, noise: { nsig: 1e-5, seed: 3 } },
    transient: 3000, duration: 26000, monitors: [{ name: 'Bold', period: 1000 }], initialConditions: { history: new Float64Array(5).fill(0.3) },
  }],
  ['G2D, 6 nodes, two variables of interest, dt 0.5 (blocks of 8 steps), TR 720 ms', {
    model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 6 }), coupling: 'Linear', integrator: { name: 'Heun', dt: 0.5 },
    duration: 24000, variablesOfInterest: ['V', 'W'], monitors: [{ name: 'Bold', period: 720, voi: [0, 1] }], initialConditions: { seed: 1 },
  }],
  ['G2D, 7 nodes, Gamma kernel, 5 s support, dt 1 (blocks of 4), with a TemporalAverage beside it', {
    model: 'Generic2dOscillator', connectivity: syntheticConnectome({ nodes: 7 }), coupling: 'Linear', integrator: { name: 'Heun', dt: 1 },
    duration: 12000, monitors: [{ name: 'TemporalAverage', period: 10 }, { name: 'Bold', period: 500, hrfKernel: 'Gamma', hrfLength: 5000 }], initialConditions: { seed: 2 },
  }],
];

describe('Bold block update in WebAssembly SIMD', () => {
  for (const [name, base] of cases) {
    it(`${name}: bit-identical to the JavaScript loop for B = 1 … 3`, () => {
      for (const B of [1, 2, 3]) {
        const cfg: SimulationConfig = { ...base, batch: { 'coupling.a': Array.from({ length: B }, (_, b) => 0.004 + 0.01 * b) } };
        const a = run(cfg, false), b = run(cfg, true);
        a.monitors.forEach((m, i) => {
          const x = m.data, y = b.monitors[i].data;
          expect(y.length).toBe(x.length);
          expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
          expect(Array.from(b.monitors[i].time)).toEqual(Array.from(m.time));
        });
        const bold = b.monitor('Bold').data;
        // a signal, not zeros: some samples differ from each other
        expect(new Set(Array.from(bold)).size).toBeGreaterThan(10);
      }
    });
  }

  it('the module validates and adds w·block into each pending accumulator', () => {
    // W = 3, S = 4 lags, K = 2 accumulators, outputs every 2 blocks from block 0
    const bytes = boldFeedModule({ W: 3, S: 4, K: 2, nS: 4, s1: 0, istep: 2, I: 1 });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const mem = new WebAssembly.Memory({ initial: 1 });
    const fx = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem } }).exports as { feed: (...a: number[]) => void };
    const f = new Float64Array(mem.buffer);
    f.set([0.5, 0.25, 0.125, 0.0625], 0); // lagW / I
    const blk = 8, acc = 16; // doubles
    f.set([1, 2, 3], blk);
    fx.feed(0, 1, 1, blk * 8, acc * 8); // block j = 1, outputs 1 … : output 1 at block 2 (lag 1), output 2 at block 4 (lag 3), output 3 at 6 (lag 5 ≥ S: stop)
    // output k goes to accumulator k mod 2
    expect(Array.from(f.subarray(acc, acc + 6))).toEqual([0.0625, 0.125, 0.1875, 0.25, 0.5, 0.75]);
    expect(Array.from(f.subarray(blk, blk + 3))).toEqual([0, 0, 0]);
  });
});
