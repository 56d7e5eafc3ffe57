/**
 * ReducedWongWangEIB on the kernel engine equals the hand-written EibNetwork integrator it replaced
 * (outputs pinned at d98d0e3 by test/fixtures/eib-network/generate.ts): same dt, noise draws and
 * clamping, two distinct channels, per-node J_i, bounded and unbounded, windows carried over.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EibNetwork, EIB_DEFAULTS } from '../algorithms/eib-model.js';
import { getModel } from '../src/models/catalogue.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { Connectivity } from '../src/network/connectivity.js';
import { EIB_CASES, eibCaseOptions } from './fixtures/eib-network/cases.js';

type Pinned = Record<string, { S_e: number[]; S_i: number[]; means: Record<string, number[]>[] }>;
const pinned: Pinned = JSON.parse(readFileSync(new URL('./fixtures/eib-network/eib-network.json', import.meta.url), 'utf8'));

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < b.length; k++) e = Math.max(e, Math.abs(a[k] - b[k]) / Math.max(Math.abs(b[k]), 1e-12));
  return e;
}

describe('ReducedWongWangEIB on the kernel engine = the EibNetwork integrator it replaced', () => {
  for (const c of EIB_CASES) {
    it(`${c.name}: every step and every window's means to ≤ 1e-12 relative`, () => {
      const ref = pinned[c.name];
      const net = new EibNetwork(eibCaseOptions(c));
      const S_e: number[] = [], S_i: number[] = [];
      c.windows.forEach((w, q) => {
        const m = net.run(w, (_, E, I) => { S_e.push(...E); S_i.push(...I); });
        for (const k of ['S_e', 'S_i', 'rate', 'current'] as const) expect(maxRel(m[k], ref.means[q][k]), `${k} window ${q}`).toBeLessThanOrEqual(1e-12);
      });
      expect(S_e.length).toBe(ref.S_e.length);
      expect(maxRel(S_e, ref.S_e)).toBeLessThanOrEqual(1e-12);
      expect(maxRel(S_i, ref.S_i)).toBeLessThanOrEqual(1e-12);
      if (c.sigma === 0.1) expect(ref.S_e.some((v) => v === 0 || v === 1) || ref.S_i.some((v) => v === 0 || v === 1)).toBe(true);
    });
  }

  it("EIB_DEFAULTS are the catalogue model's defaults (tvboptim's EI-tuning values)", () => {
    const spec = getModel('ReducedWongWangEIB');
    for (const [k, v] of Object.entries(EIB_DEFAULTS)) expect(spec.parameters[k]?.default, k).toBe(v);
    expect(Object.keys(spec.edge_parameters ?? {})).toEqual(['wLRE', 'wFFI']);
  });

  it('simulate() runs the model with its projections; wLRE = wFFI = 1, λ = 1 equals ReducedWongWangExcInh with Linear coupling a = 1', () => {
    const c = EIB_CASES[1];
    const o = eibCaseOptions(c);
    const conn = new Connectivity({ weights: o.weights, tractLengths: new Float64Array(o.n * o.n) });
    const common = {
      connectivity: conn, integrator: { name: 'Heun' as const, dt: 1 }, duration: 400,
      initialConditions: { history: [...o.initial.S_e, ...o.initial.S_i] }, monitors: [{ name: 'Raw' as const }],
    };
    const eib = simulateSync({ ...common, model: 'ReducedWongWangEIB', parameters: { G: 1.3, lamda: 1 } });
    const ei = simulateSync({ ...common, model: 'ReducedWongWangExcInh', parameters: { G: 1.3, lamda: 1 }, coupling: 'Linear', couplingParameters: { a: 1, b: 0 } });
    expect(maxRel(eib.monitor('Raw').data, ei.monitor('Raw').data)).toBeLessThanOrEqual(1e-12);
    // and a per-edge parameter changes the run
    const w2 = simulateSync({ ...common, model: 'ReducedWongWangEIB', parameters: { G: 1.3, lamda: 1 }, edgeParameters: { wLRE: o.wLRE } });
    expect(maxRel(w2.monitor('Raw').data, ei.monitor('Raw').data)).toBeGreaterThan(1e-6);
  });
});
