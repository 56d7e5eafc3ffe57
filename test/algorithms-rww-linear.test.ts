/**
 * Linearised reduced Wong–Wang network (algorithms/rww-linear.ts): the fixed point against the
 * float64 kernel engine's noise-free run, the Jacobian against central differences of dS/dt, the
 * Lyapunov covariance against its equation, the predicted FC against a long noisy kernel run, and
 * the regional fit recovering a planted FC.
 */
import { describe, it, expect } from 'vitest';
import { rwwLinearise, rwwLinearFc, fitRwwLinear } from '../algorithms/rww-linear.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { Connectivity } from '../src/network/connectivity.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { monitorSeries } from '../src/analysis/series.js';

const n = 6;
const sc = syntheticConnectome({ nodes: n, seed: 5 });
const W = Float64Array.from(sc.weights);
let mx = 0;
for (const v of W) mx = Math.max(mx, v);
for (let k = 0; k < W.length; k++) W[k] /= mx;
const conn = new Connectivity({ n, weights: W, tractLengths: new Float64Array(n * n) });
const wReg = [0.1, 0.3, 0.2, 0.5, 0.05, 0.25];
const net = { n, weights: W, G: 0.3, w: wReg, I_o: 0.32 };

function dsdt(S: Float64Array): Float64Array {
  const a = 0.27, b = 0.108, d = 154, JN = 0.2609;
  return S.map((s, i) => {
    let c = 0;
    for (let j = 0; j < n; j++) c += W[i * n + j] * S[j];
    const y = a * (wReg[i] * JN * s + 0.32 + JN * 0.3 * c) - b;
    return -s / 100 + (1 - s) * 0.641 * (y / (1 - Math.exp(-d * y)));
  });
}

describe('linearised RWW', () => {
  it('fixed point equals the noise-free kernel run’s end state; Jacobian equals central differences', () => {
    const lin = rwwLinearise(net);
    expect(lin.residual).toBeLessThan(1e-12);
    const r = simulateSync({ model: 'ReducedWongWang', parameters: { w: wReg, I_o: 0.32 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.3 },
      integrator: { name: 'Heun', dt: 1 }, initialConditions: { history: new Float64Array(n).fill(0.3) }, duration: 20000, monitors: [{ name: 'Raw', period: 1000 }] });
    const end = r.info.finalState;
    for (let i = 0; i < n; i++) expect(Math.abs(end[i] - lin.S[i])).toBeLessThan(1e-6);
    const h = 1e-6;
    let err = 0, scale = 0;
    for (let k = 0; k < n; k++) {
      const p = lin.S.slice(), m = lin.S.slice();
      p[k] += h; m[k] -= h;
      const fp = dsdt(p), fm = dsdt(m);
      for (let i = 0; i < n; i++) {
        const fd = (fp[i] - fm[i]) / (2 * h);
        err = Math.max(err, Math.abs(fd - lin.J.get(i, k)));
        scale = Math.max(scale, Math.abs(fd));
      }
    }
    expect(err / scale).toBeLessThan(1e-6);
  });

  it('predicted FC matches a 3000 s noisy kernel run (Lyapunov: neural FC; low frequency: FC of 3 s averages)', () => {
    const lin = rwwLinearise(net);
    const ly = rwwLinearFc(net, 'lyapunov', lin), lf = rwwLinearFc(net, 'lowFrequency', lin);
    const r = simulateSync({ model: 'ReducedWongWang', parameters: { w: wReg, I_o: 0.32 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.3 },
      integrator: { name: 'Heun', dt: 4, noise: { nsig: 4e-6, seed: 3 } }, initialConditions: { history: Float64Array.from(lin.S) }, duration: 3_000_000,
      monitors: [{ name: 'TemporalAverage', period: 4 }, { name: 'TemporalAverage', period: 3000 }] });
    const fcN = functionalConnectivity(monitorSeries(r.monitor(0)), {});
    const fcS = functionalConnectivity(monitorSeries(r.monitor(1)), {});
    let eN = 0, eS = 0, eX = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) {
      eN = Math.max(eN, Math.abs(fcN.data[i * n + j] - ly[i * n + j]));
      eS = Math.max(eS, Math.abs(fcS.data[i * n + j] - lf[i * n + j]));
      eX = Math.max(eX, Math.abs(ly[i * n + j] - lf[i * n + j]));
    }
    expect(eN).toBeLessThan(0.05);
    expect(eS).toBeLessThan(0.1);
    expect(eX).toBeGreaterThan(0.05); // the two predictions differ, so each match above means something
  });

  it('regional fit raises fc_corr to a planted FC from a uniform start', () => {
    const target = rwwLinearFc({ ...net, w: [0.0, 0.6, -0.3, 0.5, 0.05, 0.4] }, 'lowFrequency');
    const start = { ...net, w: 0.2 };
    const res = fitRwwLinear({ net: start, empFc: target, steps: 150, learningRate: 0.01 });
    expect(res.trajectory[0]).toBeLessThan(0.999);
    expect(1 - res.best.fcCorr).toBeLessThan((1 - res.trajectory[0]) / 100);
  });

  it('an unstable fixed point is refused; a fit with a far too large learning rate runs to its end and returns a stable state', () => {
    // strong recurrence and coupling: Newton still finds a fixed point, but not a stable one
    let msg = '';
    try { rwwLinearise({ ...net, G: 0.3, w: 1.2, I_o: 0.3 }); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/unstable|Newton did not reach/);
    const target = rwwLinearFc({ ...net, w: [0.0, 0.6, -0.3, 0.5, 0.05, 0.4] }, 'lowFrequency');
    const res = fitRwwLinear({ net: { ...net, w: 0.2 }, empFc: target, steps: 30, learningRate: 0.5 });
    expect(res.stopped).toBeNull();
    expect(res.trajectory.length).toBe(30);
    for (const f of res.trajectory) expect(Number.isFinite(f)).toBe(true);
    expect(() => rwwLinearise({ ...net, w: res.w })).not.toThrow();
  });
});
