/** BOLD observation: TVB's Bold (HRF kernels, buffers, offset), Balloon–Windkessel, both engines' agreement. */
import { describe, expect, it } from 'vitest';
import { HAVE_SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { boldHrf, TvbBold, boldFromTrajectory, BalloonBold, balloonParameters, balloonSignal } from '../src/observation/index.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { readReference } from '../src/reference/read.js';
import { parseMonitor } from '../src/cli/main.js';

describe('HRF kernels on TVB\'s stock grid', () => {
  it.skipIf(!HAVE_SHARED)(`FirstOrderVolterra grid and values equal TVB's (rww_bold.h5) ${HAVE_SHARED ? '' : SKIP_REASON}`, async () => {
    const ref = await readReference(sharedPath('reference', 'rww_bold.h5'));
    const m = ref.monitors[0];
    const h = boldHrf({ kernel: 'FirstOrderVolterra', parameters: (typeof m.meta.hrf_kernel_parameters === 'string' ? JSON.parse(m.meta.hrf_kernel_parameters) : m.meta.hrf_kernel_parameters) as Record<string, number>, hrfLength: Number(m.meta.hrf_length) });
    expect(h.stockSteps).toBe(Number(m.meta.stock_steps));
    const rev = m.hrfReversed!;
    expect(rev.length).toBe(h.stockSteps);
    let err = 0;
    for (let k = 0; k < h.stockSteps; k++) err = Math.max(err, Math.abs(h.values[k] - rev[h.stockSteps - 1 - k]));
    expect(err).toBeLessThan(1e-15);
  });

  it('Volterra kernel integrates to tau_f/3 (closed form of ∫ e^{−t/2τs} sin(ωt)/(3ω) dt)', () => {
    const h = boldHrf();
    const sum = h.values.reduce((a, b) => a + b, 0);
    expect(h.values[0]).toBe(0);
    expect(Math.abs(sum * 0.004 - 0.4 / 3)).toBeLessThan(1e-5);
    expect(h.k1V0).toBeCloseTo(5.6 * 0.02, 15);
  });

  it('Gamma and DoubleExponential are scaled to peak a over the grid; MixtureOfGammas peaks near (a1−1)/l s', () => {
    const g = boldHrf({ kernel: 'Gamma' });
    expect(Math.max(...g.values)).toBeCloseTo(0.1, 15);
    // peak of t^(n-1) e^(-t/tau) at (n-1)·tau = 2.16 s, on the 4 ms grid
    expect(g.values.indexOf(Math.max(...g.values)) * 0.004).toBeCloseTo(2.16, 2);
    expect(g.k1V0).toBeNull();
    const d = boldHrf({ kernel: 'DoubleExponential', parameters: { a: 0.3 }, hrfLength: 40000 });
    expect(d.stockSteps).toBe(10000);
    expect(Math.max(...d.values)).toBeCloseTo(0.3, 15);
    const mg = boldHrf({ kernel: 'MixtureOfGammas' });
    expect(mg.values.indexOf(Math.max(...mg.values)) * 0.004).toBeGreaterThan(4.5);
    expect(mg.values.indexOf(Math.max(...mg.values)) * 0.004).toBeLessThan(5.1);
  });

  it('bad kernels and parameters are named', () => {
    expect(() => boldHrf({ kernel: 'Nope' as 'Gamma' })).toThrow(/unknown hrf kernel 'Nope'.*FirstOrderVolterra/);
    expect(() => boldHrf({ parameters: { tau_s: 0.1, tau_f: 1 } })).toThrow(/not finite/);
    expect(() => boldHrf({ parameters: { bogus: 1 } })).toThrow(/unknown parameter 'bogus'/);
    expect(() => new TvbBold({ dt: 8, width: 1 })).toThrow(/4 ms interim/);
    // TVB rounds 4/dt half to even: dt = 1.6 ms → 2.5 → 2 interim steps
    expect(new TvbBold({ dt: 1.6, width: 1 }).interimSteps).toBe(2);
  });
});

describe('TVB Bold buffers (streaming)', () => {
  it('constant input c over a full ring gives k1·V0·(c·ΣG − 1)', () => {
    const dt = 0.5, c = 0.7;
    const x = new Float64Array(2 * 22000 / dt);
    for (let k = 0; k < x.length; k += 2) { x[k] = c; x[k + 1] = -c; }
    const b = boldFromTrajectory(x, { dt, period: 2000, width: 2 });
    expect(b.time.length).toBe(11);
    expect(b.time[10]).toBe(22000);
    const h = boldHrf();
    const sumG = h.values.reduce((a, y) => a + y, 0);
    expect(Math.abs(b.data[20] - 0.112 * (c * sumG - 1))).toBeLessThan(1e-12);
    expect(Math.abs(b.data[21] - 0.112 * (-c * sumG - 1))).toBeLessThan(1e-12);
    // half a ring: only the newest 10 s of kernel weights see the input
    let part = h.values[h.stockSteps - 1];
    for (let p = 1; p < 2500; p++) part += h.values[p - 1];
    expect(Math.abs(b.data[8] - 0.112 * (c * part - 1))).toBeLessThan(1e-12);
  });

  it('offset rule: the newest 4 ms average gets G(t_{S−1}), the one p periods older G(t_{p−1})', () => {
    const dt = 1, I = 4;
    const bold = new TvbBold({ dt, period: 4, width: 1 });
    const h = bold.hrf;
    // one block of input 1 in steps 5..8 (an interim period ending at step 8), zeros afterwards
    const seen: number[] = [];
    for (let s = 1; s <= 40; s++) {
      const y = bold.update(s, [s > I && s <= 2 * I ? 1 : 0]);
      if (y) seen.push(y[0]);
    }
    const k = h.k1V0!;
    expect(seen[0]).toBe(-k); // s = 4: ring still zero
    expect(seen[1]).toBe(k * (h.values[h.stockSteps - 1] - 1)); // s = 8: the block is the newest entry
    for (let p = 1; p < 8; p++) expect(seen[1 + p]).toBe(k * (h.values[p - 1] - 1));
    expect(bold.bytes).toBe((4 + 5000) * 8);
  });
});

describe('Balloon–Windkessel', () => {
  it('relaxes to the closed-form steady state under constant input', () => {
    const x = 0.3;
    const bw = new BalloonBold({ dt: 1, period: 1000, width: 1 });
    let y: Float64Array | null = null;
    for (let s = 1; s <= 120_000; s++) y = bw.update(s, [x]) ?? y;
    const p = balloonParameters();
    const f = 1 + p.tau_f * x, v = Math.pow(f, p.alpha), q = (v * (1 - Math.pow(1 - p.E0, 1 / f))) / p.E0;
    expect(Math.abs(bw.state[0])).toBeLessThan(1e-9);
    expect(bw.state[1]).toBeCloseTo(f, 9);
    expect(bw.state[2]).toBeCloseTo(v, 9);
    expect(bw.state[3]).toBeCloseTo(q, 9);
    expect(y![0]).toBeCloseTo(balloonSignal(p, v, q), 10);
    expect(balloonSignal(p, 1, 1)).toBe(0);
    expect(p.k1).toBeCloseTo(2.77264, 12);
  });

  it('substeps (dtBw < dt) and strides (dtBw > dt) integrate the same ODE', () => {
    const run = (dt: number, dtBw: number) => {
      const bw = new BalloonBold({ dt, dtBw, period: 2000, width: 1 });
      let y: Float64Array | null = null;
      for (let s = 1; s <= 4000 / dt; s++) y = bw.update(s, [Math.sin((2 * Math.PI * s * dt) / 1000) ** 2]) ?? y;
      return y![0];
    };
    const a = run(1, 1), b = run(2, 1), c = run(0.5, 1);
    expect(Math.abs(b - a) / Math.abs(a)).toBeLessThan(2e-2);
    expect(Math.abs(c - a) / Math.abs(a)).toBeLessThan(2e-2);
    expect(() => new BalloonBold({ dt: 0.3, dtBw: 1, width: 1 })).toThrow(/not a whole multiple/);
    expect(() => balloonParameters({ E0: 2 })).toThrow(/E0=2/);
  });
});

describe('kernel engine monitors Bold and BalloonWindkessel', () => {
  it('equal the streaming classes (TVB\'s ring) fed the Raw trajectory of the same run; sample times s·dt', () => {
    const dt = 0.5;
    const res = simulateSync({
      model: 'ReducedWongWang', coupling: 'Linear', couplingParameters: { a: 0.02 },
      integrator: { name: 'Heun', dt }, duration: 3000,
      monitors: [
        { name: 'Raw' },
        { name: 'Bold', period: 500 },
        { name: 'Bold', period: 1000, hrfKernel: 'Gamma', hrfLength: 10000 },
        { name: 'BalloonWindkessel', period: 500 },
        { name: 'Bold', period: 6, hrfLength: 40 }, // TR not a multiple of the 4 ms block; many outputs per ring
      ],
    });
    const raw = res.monitor(0);
    const [, T, , N] = raw.shape;
    const fold = (make: () => { update(s: number, x: ArrayLike<number>, o?: number): Float64Array | null }) => {
      const st = make();
      const out: number[] = [], times: number[] = [];
      for (let k = 0; k < T; k++) {
        const s = Math.round(raw.time[k] / dt);
        const y = st.update(s, raw.data, k * N);
        if (y) { out.push(...y); times.push(s * dt); }
      }
      return { out, times };
    };
    const cases = [
      [res.monitor(1), () => new TvbBold({ dt, period: 500, width: N })],
      [res.monitor(2), () => new TvbBold({ dt, period: 1000, width: N, kernel: 'Gamma', hrfLength: 10000 })],
      [res.monitor(3), () => new BalloonBold({ dt, period: 500, width: N })],
      [res.monitor(4), () => new TvbBold({ dt, period: 6, width: N, hrfLength: 40 })],
    ] as const;
    for (const [mon, make] of cases) {
      const { out, times } = fold(make);
      expect(Array.from(mon.time)).toEqual(times);
      expect(mon.shape[1]).toBe(times.length);
      let err = 0;
      for (let q = 0; q < out.length; q++) err = Math.max(err, Math.abs(out[q] - mon.data[q]));
      expect(err).toBeLessThan(1e-13);
      expect(mon.data.some((v) => v !== mon.data[0])).toBe(true);
    }
    expect(res.monitor(1).shape[1]).toBe(6);
  });

  it('batched runs keep separate accumulators: each batch element equals its own run', () => {
    const base = {
      model: 'ReducedWongWang', coupling: 'Linear', integrator: { name: 'Heun' as const, dt: 1 }, duration: 1500,
      monitors: [{ name: 'Bold' as const, period: 100, hrfLength: 1000 }],
    };
    const both = simulateSync({ ...base, couplingParameters: { a: 0.01 }, batch: { 'coupling.a': [0.01, 0.2] } });
    const [, T, V, Nn, M] = both.monitor('Bold').shape;
    const w = T * V * Nn * M;
    [0.01, 0.2].forEach((a, b) => {
      const one = simulateSync({ ...base, couplingParameters: { a } }).monitor('Bold');
      const part = both.monitor('Bold').data.subarray(b * w, (b + 1) * w);
      expect(Array.from(part)).toEqual(Array.from(one.data));
    });
    expect(both.monitor('Bold').data[0]).not.toBe(both.monitor('Bold').data[w]);
  });

  it('warm up on the transient: equal the streaming classes fed every step, transient included', () => {
    const dt = 1, transient = 700, duration = 1300;
    const base = { model: 'ReducedWongWang', coupling: 'Linear', couplingParameters: { a: 0.05 }, integrator: { name: 'Heun' as const, dt } };
    const warm = simulateSync({ ...base, transient, duration, monitors: [{ name: 'Bold', period: 100, hrfLength: 2000 }, { name: 'BalloonWindkessel', period: 100 }] });
    const all = simulateSync({ ...base, duration: transient + duration, monitors: [{ name: 'Raw' }] });
    const raw = all.monitor('Raw');
    const N = raw.shape[3];
    const sFirst = Math.round(raw.time[0] / dt) + transient / dt;
    for (const [name, make] of [
      ['Bold', () => new TvbBold({ dt, period: 100, hrfLength: 2000, width: N })],
      ['BalloonWindkessel', () => new BalloonBold({ dt, period: 100, width: N })],
    ] as const) {
      const st = make();
      const out: number[] = [], times: number[] = [];
      for (let k = 0; k < raw.shape[1]; k++) {
        const s = Math.round(raw.time[k] / dt);
        const y = st.update(s, raw.data, k * N);
        if (y && s >= sFirst) { out.push(...y); times.push(s * dt); }
      }
      const mon = warm.monitor(name);
      expect(Array.from(mon.time)).toEqual(times);
      let err = 0;
      for (let q = 0; q < out.length; q++) err = Math.max(err, Math.abs(out[q] - mon.data[q]));
      expect(err, name).toBeLessThan(1e-12);
    }
    // cold start (no transient) differs: the warm-up is real
    const cold = simulateSync({ ...base, duration, monitors: [{ name: 'Bold', period: 100, hrfLength: 2000 }] }).monitor('Bold');
    expect(Math.abs(cold.data[0] - warm.monitor('Bold').data[0])).toBeGreaterThan(1e-3);
  });

  it('CLI parses Bold and BalloonWindkessel monitors', () => {
    expect(parseMonitor('Bold:720')).toEqual({ name: 'Bold', period: 720 });
    expect(parseMonitor('bold')).toEqual({ name: 'Bold' });
    expect(parseMonitor('BalloonWindkessel:2000')).toEqual({ name: 'BalloonWindkessel', period: 2000 });
  });
});
