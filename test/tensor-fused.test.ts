/**
 * The fused model derivative (src/tensor/fused.ts) and its symbolic backward (src/expr/symbolic.ts):
 * for every catalogue model, every state equation's value equals the float64 interpreter
 * (interpretDfun, an independent evaluation of the same spec) and its gradient with respect to every
 * state variable, coupling input and parameter equals a central finite difference of that
 * interpreter; the rewritten Wong–Wang rate function is finite at its 0/0 point; the fused engine
 * reproduces the op-by-op engine (`fused: false`) in value and gradient.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../src/backend/index.js';
import { getModel, listModels } from '../src/models/catalogue.js';
import { parseModel } from '../src/models/check.js';
import { interpretDfun } from '../src/models/interpret.js';
import { expandModes } from '../src/engine/kernel/modes.js';
import { CONSTANTS } from '../src/expr/functions.js';
import { parseExpr } from '../src/expr/parse.js';
import { evalExpr } from '../src/expr/codegen-js.js';
import { compileFusedEquation, type FusedSymbol } from '../src/tensor/fused.js';
import { diffExpr, rateForm } from '../src/expr/symbolic.js';
import { TensorSimulator, tensorLoss } from '../src/tensor/index.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { RandomState } from '../src/random/index.js';
import { simulateSync } from '../src/simulation/simulate.js';

beforeAll(async () => { await loadBackend('cpu'); });

describe('symbolic derivatives', () => {
  it('diffExpr matches closed forms', () => {
    const at = (src: string, x: number) => evalExpr(diffExpr(parseExpr(src), 'x'), (n) => (n === 'x' ? x : 2));
    expect(at('a * x^3 + sin(x)', 0.7)).toBeCloseTo(2 * 3 * 0.49 + Math.cos(0.7), 12);
    expect(at('x / (1 + x^2)', 0.3)).toBeCloseTo((1 - 0.09) / (1.09 * 1.09), 12);
    expect(at('x > 1 ? exp(x) : tanh(x)', 1.5)).toBeCloseTo(Math.exp(1.5), 12);
    expect(at('x > 1 ? exp(x) : tanh(x)', 0.5)).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 12);
    expect(at('pow(x, a) + log(x)', 1.3)).toBeCloseTo(2 * 1.3 + 1 / 1.3, 12);
  });

  it('the rewritten rate function y/(1-exp(-k y)) is finite with the right value and slope at y = 0 and for y ≪ 0', () => {
    const e = rateForm(parseExpr('y / (1 - exp(-k * y))'));
    const f = (y: number) => evalExpr(e, (n) => (n === 'y' ? y : 154));
    const df = (y: number) => evalExpr(diffExpr(e, 'y'), (n) => (n === 'y' ? y : 154));
    expect(f(0)).toBeCloseTo(1 / 154, 15);
    expect(df(0)).toBeCloseTo(0.5, 12); // f(y) = (1 + k y / 2 + …) / k
    for (const y of [-3, -1e-3, 1e-5, 0.02, 2]) {
      expect(f(y)).toBeCloseTo(y / (1 - Math.exp(-154 * y)), 12);
      const h = 1e-7 * Math.max(1e-3, Math.abs(y));
      expect(Math.abs(df(y) - (f(y + h) - f(y - h)) / (2 * h))).toBeLessThan(1e-6 * Math.max(1, Math.abs(df(y))));
    }
    expect(Math.abs(f(-10))).toBeLessThan(1e-300); // 10·e^(−1540): no Inf/Inf where exp(1540) overflows
    expect(Number.isFinite(df(-10))).toBe(true);
  });
});

describe('fused derivative of every catalogue model vs the float64 interpreter', () => {
  const models = listModels();
  it.each(models)('%s: values and d/d(state, coupling, parameters) vs central differences', (name) => {
    const spec = getModel(name);
    const parsed = parseModel(spec);
    const M = spec.modes ?? 1;
    const consts = (spec.constants ?? {}) as Record<string, number | number[] | number[][]>;
    const pNames = Object.keys(spec.parameters);
    const svs = Object.keys(spec.state_variables);
    const ncv = (spec.projections ?? spec.cvar).length;
    const P = pNames.length, S = svs.length * M;
    const derivedNames = parsed.derived.map(([n]) => n);
    const auxNames = parsed.auxiliaries.map(([n]) => n);
    // aux list: derived (mode-free) first, then every auxiliary at every mode
    const aux = [...parsed.derived.map(([, e]) => e), ...parsed.auxiliaries.flatMap(([, e]) => Array.from({ length: M }, (_, m) => expandModes(e, m, M, consts)))];
    const resolve = (full: string): FusedSymbol => {
      const at = full.lastIndexOf('@');
      const nm = at >= 0 ? full.slice(0, at) : full;
      const m = at >= 0 ? Number(full.slice(at + 1)) : 0;
      if (pNames.includes(nm)) return { input: pNames.indexOf(nm) };
      if (svs.includes(nm)) return { input: P + svs.indexOf(nm) * M + m };
      const cm = /^c_(\d+)$/.exec(nm);
      if (cm) return { input: P + S + Number(cm[1]) * M + m };
      if (derivedNames.includes(nm)) return { aux: derivedNames.indexOf(nm) };
      if (auxNames.includes(nm)) return { aux: derivedNames.length + auxNames.indexOf(nm) * M + m };
      if (nm === 'local_coupling') return 0;
      const c = consts[nm];
      if (typeof c === 'number') return c;
      if (Array.isArray(c) && typeof c[0] === 'number') return (c as number[])[m];
      if (nm in CONSTANTS) return CONSTANTS[nm];
      throw new Error(`test: unknown name ${full} in ${name}`);
    };
    // n points: state inside each variable's range, coupling small, parameters at their defaults ± 5 %
    const n = 3;
    const rng = new RandomState(7);
    const u = () => rng.randomSample();
    const inputs: Float64Array[] = [];
    for (const p of pNames) { const d = Number(spec.parameters[p].default); inputs.push(Float64Array.from({ length: n }, () => d * (0.95 + 0.1 * u()))); }
    for (const sv of svs) {
      const r = spec.state_variables[sv].range ?? [-1, 1];
      for (let m = 0; m < M; m++) inputs.push(Float64Array.from({ length: n }, () => r[0] + (r[1] - r[0]) * (0.1 + 0.8 * u())));
    }
    for (let q = 0; q < ncv * M; q++) inputs.push(Float64Array.from({ length: n }, () => 0.2 * (u() - 0.5)));
    const interp = (vals: Float64Array[], i: number): Float64Array => interpretDfun(spec, {
      nodes: 1,
      parameters: Object.fromEntries(pNames.map((p, j) => [p, vals[j][i]])),
      state: Float64Array.from({ length: S }, (_, q) => vals[P + q][i]),
      coupling: Float64Array.from({ length: ncv * M }, (_, q) => vals[P + S + q][i]),
    });
    // the same expressions evaluated directly in float64 (checked against the interpreter above), for finite differences
    const direct = (ast: Parameters<typeof evalExpr>[0], v: Float64Array[], i: number): number => {
      const memo = new Map<number, number>();
      const env = (full: string): number => {
        const r = resolve(full);
        if (typeof r === 'number') return r;
        if ('input' in r) return v[r.input][i];
        if (!memo.has(r.aux)) memo.set(r.aux, evalExpr(aux[r.aux], env));
        return memo.get(r.aux)!;
      };
      return evalExpr(ast, env);
    };
    const ins = inputs.map((a) => tf.tensor2d(Float32Array.from(a), [n, 1]));
    // the interpreter sees the float32-rounded inputs the tensors hold
    const vals = inputs.map((a) => Float64Array.from(Float32Array.from(a)));
    let checked = 0;
    parsed.equations.forEach(([, e], k) => {
      for (let m = 0; m < M; m++) {
        const eq = compileFusedEquation(aux, expandModes(e, m, M, consts), resolve);
        const row = k * M + m;
        const ref = Array.from({ length: n }, (_, i) => interp(vals, i)[row]);
        const used = eq.inputs.map((j) => ins[j]);
        const { value, grads: g0 } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
          const all = ins.slice();
          eq.inputs.forEach((j, q) => (all[j] = xs[q]));
          return tf.sum(eq.apply(all, [n, 1])) as tf.Scalar;
        })(used);
        const grads: tf.Tensor[] = [];
        eq.inputs.forEach((j, q) => (grads[j] = g0[q]));
        const y = tf.tidy(() => eq.apply(ins, [n, 1])).dataSync();
        const ast = expandModes(e, m, M, consts);
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(ref[i])) { expect(Number.isFinite(y[i])).toBe(false); continue; }
          expect(Math.abs(y[i] - ref[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(ref[i])));
          expect(Math.abs(direct(ast, vals, i) - ref[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(ref[i])));
        }
        for (const j of eq.inputs) {
          const g = grads[j].dataSync();
          for (let i = 0; i < n; i++) {
            if (!Number.isFinite(ref[i])) continue;
            const h = 1e-6 * Math.max(1, Math.abs(vals[j][i]));
            const plus = vals.map((a) => a.slice()), minus = vals.map((a) => a.slice());
            plus[j][i] += h; minus[j][i] -= h;
            const fd = (direct(ast, plus, i) - direct(ast, minus, i)) / (2 * h);
            const scale = Math.max(1, Math.abs(fd), ...ref.filter(Number.isFinite).map(Math.abs));
            expect(Math.abs(g[i] - fd), `${name} eq ${k} mode ${m} d/d input ${j} point ${i}: ${g[i]} vs ${fd}`).toBeLessThanOrEqual(2e-5 * scale + 2e-6 * Math.abs(fd));
            checked++;
          }
        }
        value.dispose();
        for (const g of g0) g.dispose();
      }
    });
    for (const t of ins) t.dispose();
    expect(checked).toBeGreaterThan(0);
  }, 30000);
});

describe('fused engine vs the op-by-op engine (cpu)', () => {
  it('RWW (boundaries), JansenRit (Heun, noise), Generic2dOscillator (Euler), ReducedSetFitzHughNagumo (3 modes): same run and gradient', () => {
    const conn = syntheticConnectome({ nodes: 4, seed: 3 });
    const cases = [
      ['ReducedWongWang', 'I_o', 'Heun', 0.1, undefined],
      ['JansenRit', 'mu', 'Heun', 0.1, { nsig: [0, 0, 0, 0.01, 0, 0], seed: 2 }],
      ['Generic2dOscillator', 'I', 'Euler', 0.1, undefined],
      ['ReducedSetFitzHughNagumo', 'a', 'Heun', 0.02, undefined],
    ] as const;
    for (const [model, param, scheme, dt, noise] of cases) {
      const config = {
        model, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.1 }, integrator: { name: scheme, dt, noise },
        duration: 200 * dt, monitors: [{ name: 'Raw' as const }], initialConditions: { seed: 5 },
      };
      const out = [true, false].map((fused) => {
        const sim = new TensorSimulator(config, { fused });
        const r = sim.run();
        const data = r.monitors[0].data.dataSync().slice();
        r.dispose();
        const p = tf.fill([4], sim.prep.plan.modelParams[param].data[0]);
        const { value, grads } = sim.valueAndGrad((o) => tensorLoss(o), { [param]: p });
        const g = grads[param].dataSync().slice();
        grads[param].dispose(); p.dispose(); sim.dispose();
        return { data, value, g };
      });
      // both float32 engines against the float64 kernel: the fused one (float64 inside each op) is at least as close
      const ref = simulateSync(config).monitor('Raw').data;
      const err = out.map((o) => { let e = 0; for (let i = 0; i < ref.length; i++) e = Math.max(e, Math.abs(o.data[i] - ref[i]) / (1e-3 + Math.abs(ref[i]))); return e; });
      console.log(`${model}: max rel. error vs float64 kernel: fused ${err[0].toExponential(2)}, op-by-op ${err[1].toExponential(2)}`);
      expect(err[0]).toBeLessThan(1e-3);
      expect(err[1]).toBeLessThan(1e-3);
      expect(out[0].value).toBeCloseTo(out[1].value, 5);
      for (let i = 0; i < 4; i++) expect(Math.abs(out[0].g[i] - out[1].g[i])).toBeLessThanOrEqual(1e-3 * Math.max(...Array.from(out[1].g, Math.abs)));
    }
  }, 60000);
});
