/**
 * One state variable's derivative (auxiliaries inlined) as a single tfjs op. The forward evaluates
 * the whole expression element by element in float64 JS; the backward evaluates its symbolic
 * partial derivatives (symbolic.ts, derived once at compile time) from the same inputs. Per step
 * and stage this replaces the dozens of small tfjs kernels of the op-by-op form — and their tape
 * entries and saved intermediates — with one kernel forward and one backward, which is what
 * dominates the cost on [B, N] tensors of a few hundred values.
 *
 * Inputs are tensors of size 1 (scalars) or B·N (one value per batch element and node).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { parseExpr } from 'vbt/internals';
 * import { compileFusedEquation } from 'vbt/internals';
 * const f = compileFusedEquation([], parseExpr('a * x^2'), (n) => (n === 'a' ? { input: 0 } : { input: 1 }));
 * const y = f.apply([tf.scalar(3), tf.tensor2d([[1, 2]])], [1, 2]); // [[3, 12]]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Expr } from '../expr/ast.js';
import { freeSymbols, substitute } from '../expr/ast.js';
import { toJs } from '../expr/codegen-js.js';
import { customOp, memoryProbe } from './ops.js';
import { add, diffExpr, logisticForm, mul, rateForm } from '../expr/symbolic.js';

/** How a symbol is bound: a number, an input tensor, or an earlier auxiliary definition. */
export type FusedSymbol = number | { input: number } | { aux: number };

export interface FusedEquation {
  /** Input slots (indices into the caller's input list) this equation reads. */
  readonly inputs: number[];
  /** The derivative for `ins` (the caller's full input list) as a tensor of `shape`. */
  apply(ins: tf.Tensor[], shape: [number, number]): tf.Tensor;
}

type Kernel = (ins: ArrayLike<number>[], sizes: number[], n: number, out: Float32Array) => void;
type BackKernel = (ins: ArrayLike<number>[], sizes: number[], n: number, dy: ArrayLike<number>, grads: Float64Array[]) => void;

const isZero = (e: Expr) => e.kind === 'num' && e.value === 0;

/**
 * Compile `expr` with auxiliary definitions `aux` (each may read inputs and earlier auxiliaries).
 * `resolve` binds every free symbol of `expr` and of the auxiliaries. Throws when a function has
 * no symbolic derivative (the caller then keeps the op-by-op form).
 */
export function compileFusedEquation(aux: Expr[], expr: Expr, resolve: (name: string) => FusedSymbol): FusedEquation {
  // rename: inputs → $i<k>, auxiliaries → $a<k>, numbers inlined
  const rename = (e: Expr): Expr => logisticForm(rateForm(substitute(e, (name) => {
    const s = resolve(name);
    if (typeof s === 'number') return { kind: 'num', value: s, pos: e.pos };
    return { kind: 'sym', name: 'input' in s ? `$i${s.input}` : `$a${s.aux}`, pos: e.pos };
  })));
  const auxR = aux.map(rename);
  const eq = rename(expr);
  // auxiliaries the equation needs, transitively
  const order = auxOrder(auxR, [eq]);
  // a run compiles its step anew (numbers are folded in): the derivation and the JS compile are cached
  const key = JSON.stringify([order.map((k) => [k, auxR[k]]), eq], (k, v) => (k === 'pos' ? undefined : v));
  const hit = CACHE.get(key);
  if (hit) return fusedFrom(hit.inputs, hit.fwd, hit.back);
  const inputsOf = (e: Expr) => [...freeSymbols(e)].filter((n) => n.startsWith('$i')).map((n) => Number(n.slice(2)));
  const inputs = [...new Set([...inputsOf(eq), ...order.flatMap((k) => inputsOf(auxR[k]))])].sort((a, b) => a - b);
  const js = (e: Expr) => toJs(e, symJs);

  const reads = inputs.map((k) => `const x${k} = s${k} === 1 ? in${k}[0] : in${k}[i];`).join('\n');
  const decl = inputs.map((k, j) => `const in${k} = ins[${j}], s${k} = sizes[${j}];`).join('\n');
  const auxJs = order.map((k) => `const a${k} = ${js(auxR[k])};`).join('\n');
  const fwdSrc = `${decl}\nfor (let i = 0; i < n; i++) {\n${reads}\n${auxJs}\nout[i] = ${js(eq)};\n}`;

  // backward: total derivatives of each auxiliary w.r.t. each input (forward-mode chain), then the equation's
  const lines: string[] = [];
  const total = new Map<string, boolean>(); // `${aux},${input}` → non-zero
  for (const [j, k] of inputs.entries()) {
    const chainOf = (e: Expr): Expr | null => {
      let t: Expr = diffExpr(e, `$i${k}`);
      for (const a of order) {
        if (!total.get(`${a},${k}`)) continue;
        const p = diffExpr(e, `$a${a}`);
        if (!isZero(p)) t = add(t, mul(p, { kind: 'sym', name: `$d${a}_${k}`, pos: { line: 0, col: 0 } }));
      }
      return isZero(t) ? null : t;
    };
    for (const a of order) {
      const t = chainOf(auxR[a]);
      total.set(`${a},${k}`, t !== null);
      if (t) lines.push(`const d${a}_${k} = ${toJs(t, symJs)};`);
    }
    const t = chainOf(eq);
    if (t) lines.push(`{ const v = g * (${toJs(t, symJs)}); if (s${k} === 1) grads[${j}][0] += v; else grads[${j}][i] += v; }`);
  }
  const backSrc = `${decl}\nfor (let i = 0; i < n; i++) {\nconst g = dy[i];\nif (g === 0) continue;\n${reads}\n${auxJs}\n${lines.join('\n')}\n}`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fwd = new Function('ins', 'sizes', 'n', 'out', fwdSrc) as Kernel;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const back = new Function('ins', 'sizes', 'n', 'dy', 'grads', backSrc) as BackKernel;

  if (CACHE.size >= 2000) CACHE.delete(CACHE.keys().next().value!);
  CACHE.set(key, { inputs, fwd, back });
  return fusedFrom(inputs, fwd, back);
}

const CACHE = new Map<string, { inputs: number[]; fwd: Kernel; back: BackKernel }>();

function fusedFrom(inputs: number[], fwd: Kernel, back: BackKernel): FusedEquation {
  return {
    inputs,
    apply(all: tf.Tensor[], shape: [number, number]): tf.Tensor {
      const n = shape[0] * shape[1];
      const xs = inputs.map((k) => all[k]);
      const sizes = xs.map((t, j) => {
        if (t.size !== 1 && t.size !== n) throw new Error(`fused model derivative: input ${inputs[j]} has shape [${t.shape.join(', ')}]; expected a scalar or ${n} values`);
        return t.size;
      });
      const shapes = xs.map((t) => t.shape);
      const op = customOp((...args: unknown[]) => {
        const ts = args.slice(0, xs.length) as tf.Tensor[];
        // the backward reads the input values captured here (dataSync gives arrays tfjs never
        // writes to again), not saved tensors: tfjs would clone each saved tensor per step
        const data = ts.map((t) => t.dataSync() as ArrayLike<number>);
        const held = memoryProbe.enabled ? data.reduce((a, d) => a + 4 * d.length, 0) : 0;
        memoryProbe.jsBytes += held;
        const out = new Float32Array(n);
        fwd(data, sizes, n, out);
        return {
          value: tf.tensor2d(out, shape),
          gradFunc: (dy: tf.Tensor) => {
            const grads = sizes.map((s) => new Float64Array(s));
            back(data, sizes, n, dy.dataSync() as ArrayLike<number>, grads);
            memoryProbe.jsBytes -= held;
            return grads.map((g, j) => tf.tensor(Float32Array.from(g), shapes[j]));
          },
        };
      });
      return op(...xs);
    },
  };
}

/** The auxiliaries the expressions need, each after those it reads (definitions may be listed in any order). */
function auxOrder(auxR: Expr[], roots: Expr[]): number[] {
  const order: number[] = [];
  const state = new Map<number, 1 | 2>();
  const visit = (e: Expr) => {
    for (const n of freeSymbols(e)) {
      if (!n.startsWith('$a')) continue;
      const k = Number(n.slice(2));
      if (state.get(k) === 2) continue;
      if (state.get(k) === 1) throw new Error('fused: auxiliary definitions refer to each other in a cycle');
      state.set(k, 1);
      visit(auxR[k]);
      state.set(k, 2);
      order.push(k);
    }
  };
  roots.forEach(visit);
  return order;
}

function symJs(n: string): string {
  if (n.startsWith('$i')) return `x${n.slice(2)}`;
  if (n.startsWith('$d')) return `d${n.slice(2)}`;
  return `a${n.slice(2)}`;
}

/** All state equations of a model as two JS functions of one element's inputs (values in `inputs` order). */
interface ModelFns {
  inputs: number[];
  /** f[e] = equation e at x. */
  F: (x: Float64Array, f: Float64Array) => void;
  /** gx[j] += Σ_e gf[e] · ∂f_e/∂x_j. */
  VJP: (x: Float64Array, gf: Float64Array, gx: Float64Array) => void;
}

const MODEL_CACHE = new Map<string, ModelFns>();

function compileModelFns(aux: Expr[], eqs: Expr[], resolve: (name: string) => FusedSymbol, extraInputs: number[]): ModelFns {
  const rename = (e: Expr): Expr => logisticForm(rateForm(substitute(e, (name) => {
    const s = resolve(name);
    if (typeof s === 'number') return { kind: 'num', value: s, pos: e.pos };
    return { kind: 'sym', name: 'input' in s ? `$i${s.input}` : `$a${s.aux}`, pos: e.pos };
  })));
  const auxR = aux.map(rename);
  const eqR = eqs.map(rename);
  const order = auxOrder(auxR, eqR);
  const key = JSON.stringify([order.map((k) => [k, auxR[k]]), eqR, extraInputs], (k, v) => (k === 'pos' ? undefined : v));
  const hit = MODEL_CACHE.get(key);
  if (hit) return hit;
  const inputsOf = (e: Expr) => [...freeSymbols(e)].filter((n) => n.startsWith('$i')).map((n) => Number(n.slice(2)));
  const inputs = [...new Set([...extraInputs, ...eqR.flatMap(inputsOf), ...order.flatMap((k) => inputsOf(auxR[k]))])].sort((a, b) => a - b);
  const reads = inputs.map((k, j) => `const x${k} = x[${j}];`).join('\n');
  const auxJs = order.map((k) => `const a${k} = ${toJs(auxR[k], symJs)};`).join('\n');
  const fSrc = `${reads}\n${auxJs}\n${eqR.map((e, q) => `f[${q}] = ${toJs(e, symJs)};`).join('\n')}`;
  // reverse mode within the element: each expression's partials with respect to the symbols it
  // reads directly are evaluated once, and adjoints flow from the equations through the
  // auxiliaries (latest first) to the inputs, whatever the number of inputs
  const lines: string[] = order.map((a) => `let g${a} = 0;`);
  const posOf = new Map(inputs.map((k, j) => [k, j]));
  const push = (e: Expr, adj: string) => {
    for (const n of freeSymbols(e)) {
      const p = diffExpr(e, n);
      if (isZero(p)) continue;
      const target = n.startsWith('$i') ? `gx[${posOf.get(Number(n.slice(2)))}]` : `g${n.slice(2)}`;
      lines.push(`${target} += ${adj} * (${toJs(p, symJs)});`);
    }
  };
  eqR.forEach((e, q) => { lines.push(`if (gf[${q}] !== 0) {`); push(e, `gf[${q}]`); lines.push('}'); });
  for (const a of [...order].reverse()) { lines.push(`if (g${a} !== 0) {`); push(auxR[a], `g${a}`); lines.push('}'); }
  const vSrc = `${reads}\n${auxJs}\n${lines.join('\n')}`;
  const fns: ModelFns = {
    inputs,
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    F: new Function('x', 'f', fSrc) as ModelFns['F'],
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    VJP: new Function('x', 'gf', 'gx', vSrc) as ModelFns['VJP'],
  };
  if (MODEL_CACHE.size >= 500) MODEL_CACHE.delete(MODEL_CACHE.keys().next().value!);
  MODEL_CACHE.set(key, fns);
  return fns;
}

export interface FusedStep {
  /** Input slots read (state slots included), in the order `apply` takes them from the caller's list. */
  readonly inputs: number[];
  /**
   * One Euler or Heun step: the next state of every equation, [E, B, N] for E equations (E = 1:
   * [B, N]). `noise` (optional): one additive increment per equation, each a scalar or [B, N].
   */
  apply(env: tf.Tensor[], noise: tf.Tensor[] | undefined, shape: [number, number]): tf.Tensor;
  /** The same step for one element in float64, for callers that loop over steps themselves (segment.ts). */
  readonly elem: FusedStepElement;
}

/**
 * One element's step. `x` holds the element's inputs in `inputs` order (state at `statePos`);
 * `forward` writes the clamped next state to `out` and keeps the unclamped predictor and result in
 * `pre` and `nxt` for `backward`, which adds the vector–Jacobian product of `gOut` to `gx`.
 */
export interface FusedStepElement {
  readonly E: number;
  readonly statePos: number[];
  forward(x: Float64Array, noise: Float64Array | null, out: Float64Array, pre: Float64Array, nxt: Float64Array): void;
  backward(x: Float64Array, pre: Float64Array, nxt: Float64Array, gOut: Float64Array, gx: Float64Array): void;
}

/**
 * A whole integration step (Euler, or Heun's predictor and corrector) as one op. The forward and
 * the backward run the model's equations element by element; the backward recomputes the stages
 * from the inputs and applies the symbolic vector–Jacobian product at both evaluation points, so
 * the tape holds one node per step whatever the model.
 * `stateSlots[e]` is the input slot of equation e's own variable; `bounds[e]` its clamp (TVB's
 * boundaries: applied to the predictor and the result).
 */
export function compileFusedStep(
  aux: Expr[], eqs: Expr[], resolve: (name: string) => FusedSymbol, stateSlots: number[],
  scheme: 'euler' | 'heun', dt: number, bounds: ([number, number] | undefined)[],
): FusedStep {
  const fns = compileModelFns(aux, eqs, resolve, stateSlots);
  const { inputs, F, VJP } = fns;
  const E = eqs.length;
  const nIn = inputs.length;
  const sPos = stateSlots.map((s) => inputs.indexOf(s));
  const lo = bounds.map((b) => (b ? b[0] : -Infinity)), hi = bounds.map((b) => (b ? b[1] : Infinity));
  const clampVal = (e: number, v: number) => Math.min(Math.max(v, lo[e]), hi[e]);
  // tfjs' maximum/minimum pass the gradient where v ≥ lo and v ≤ hi (ties included)
  const pass = (e: number, v: number) => (v >= lo[e] && v <= hi[e] ? 1 : 0);
  const x2e = new Float64Array(nIn), f1e = new Float64Array(E), f2e = new Float64Array(E);
  const g2e = new Float64Array(nIn), gf1e = new Float64Array(E), gf2e = new Float64Array(E), gne = new Float64Array(E);
  const elem: FusedStepElement = {
    E, statePos: sPos,
    forward(x, noise, out, pre, nxt) {
      F(x, f1e);
      if (scheme === 'euler') {
        for (let e = 0; e < E; e++) { nxt[e] = x[sPos[e]] + dt * f1e[e] + (noise ? noise[e] : 0); out[e] = clampVal(e, nxt[e]); }
        return;
      }
      x2e.set(x);
      for (let e = 0; e < E; e++) { pre[e] = x[sPos[e]] + dt * f1e[e] + (noise ? noise[e] : 0); x2e[sPos[e]] = clampVal(e, pre[e]); }
      F(x2e, f2e);
      for (let e = 0; e < E; e++) { nxt[e] = x[sPos[e]] + (dt / 2) * (f1e[e] + f2e[e]) + (noise ? noise[e] : 0); out[e] = clampVal(e, nxt[e]); }
    },
    backward(x, pre, nxt, gOut, gx) {
      for (let e = 0; e < E; e++) gne[e] = gOut[e] * pass(e, nxt[e]);
      for (let e = 0; e < E; e++) gx[sPos[e]] += gne[e];
      if (scheme === 'euler') {
        for (let e = 0; e < E; e++) gf1e[e] = gne[e] * dt;
      } else {
        x2e.set(x);
        for (let e = 0; e < E; e++) { x2e[sPos[e]] = clampVal(e, pre[e]); gf2e[e] = gne[e] * (dt / 2); }
        g2e.fill(0);
        VJP(x2e, gf2e, g2e);
        for (let e = 0; e < E; e++) {
          const gp = g2e[sPos[e]] * pass(e, pre[e]);
          g2e[sPos[e]] = 0;
          gx[sPos[e]] += gp;
          gf1e[e] = gne[e] * (dt / 2) + gp * dt;
        }
        for (let j = 0; j < nIn; j++) gx[j] += g2e[j];
      }
      VJP(x, gf1e, gx);
    },
  };
  return {
    inputs,
    elem,
    apply(all: tf.Tensor[], noise: tf.Tensor[] | undefined, shape: [number, number]): tf.Tensor {
      const n = shape[0] * shape[1];
      const xs = [...inputs.map((k) => all[k]), ...(noise ?? [])];
      const sizes = xs.map((t, j) => {
        if (t.size !== 1 && t.size !== n) throw new Error(`fused step: input ${j} has shape [${t.shape.join(', ')}]; expected a scalar or ${n} values`);
        return t.size;
      });
      const shapes = xs.map((t) => t.shape);
      const nz = noise ? noise.length : 0;
      const op = customOp((...args: unknown[]) => {
        const data = (args.slice(0, xs.length) as tf.Tensor[]).map((t) => t.dataSync() as ArrayLike<number>);
        const x = new Float64Array(nIn), x2 = new Float64Array(nIn), f1 = new Float64Array(E), f2 = new Float64Array(E);
        const pre = new Float64Array(E); // predictor before its clamp
        const load = (i: number) => { for (let j = 0; j < nIn; j++) x[j] = sizes[j] === 1 ? data[j][0] : data[j][i]; };
        const noiseAt = (e: number, i: number) => (nz ? (sizes[nIn + e] === 1 ? data[nIn + e][0] : data[nIn + e][i]) : 0);
        // stages of element i; returns next-before-clamp in f2 (f1, pre, x2 filled)
        const stages = (i: number, out: Float64Array) => {
          load(i);
          F(x, f1);
          if (scheme === 'euler') { for (let e = 0; e < E; e++) out[e] = x[sPos[e]] + dt * f1[e] + noiseAt(e, i); return; }
          x2.set(x);
          for (let e = 0; e < E; e++) { pre[e] = x[sPos[e]] + dt * f1[e] + noiseAt(e, i); x2[sPos[e]] = clampVal(e, pre[e]); }
          F(x2, f2);
          for (let e = 0; e < E; e++) out[e] = x[sPos[e]] + (dt / 2) * (f1[e] + f2[e]) + noiseAt(e, i);
        };
        const out = new Float32Array(E * n);
        const nxt = new Float64Array(E);
        // on a tape, the stages' values are kept for the backward (which then evaluates no model function)
        // kept whether or not a tape records this op (tfjs has no public way to ask); without one
        // the arrays go with the op's closure
        const taped = true;
        const preAll = taped ? new Float64Array(E * n) : undefined, nxtAll = taped ? new Float64Array(E * n) : undefined;
        const held = taped ? 16 * E * n + data.reduce((a, d) => a + 4 * d.length, 0) : 0;
        memoryProbe.jsBytes += held;
        for (let i = 0; i < n; i++) {
          stages(i, nxt);
          for (let e = 0; e < E; e++) out[e * n + i] = clampVal(e, nxt[e]);
          if (taped) for (let e = 0; e < E; e++) { nxtAll![e * n + i] = nxt[e]; preAll![e * n + i] = pre[e]; }
        }
        return {
          value: E === 1 ? tf.tensor2d(out, shape) : tf.tensor3d(out, [E, shape[0], shape[1]]),
          gradFunc: (dyT: tf.Tensor) => {
            const dy = dyT.dataSync() as ArrayLike<number>;
            const grads = sizes.map((s) => new Float64Array(s));
            const gx = new Float64Array(nIn), g2 = new Float64Array(nIn), gf1 = new Float64Array(E), gf2 = new Float64Array(E);
            const gn = new Float64Array(E);
            for (let i = 0; i < n; i++) {
              let any = false;
              for (let e = 0; e < E; e++) if (dy[e * n + i] !== 0) any = true;
              if (!any) continue;
              if (!preAll || !nxtAll) stages(i, nxt);
              else {
                load(i);
                if (scheme === 'heun') {
                  x2.set(x);
                  for (let e = 0; e < E; e++) { pre[e] = preAll[e * n + i]; x2[sPos[e]] = clampVal(e, pre[e]); }
                }
                for (let e = 0; e < E; e++) nxt[e] = nxtAll[e * n + i];
              }
              gx.fill(0);
              for (let e = 0; e < E; e++) gn[e] = dy[e * n + i] * pass(e, nxt[e]);
              for (let e = 0; e < E; e++) gx[sPos[e]] += gn[e];
              if (scheme === 'euler') {
                for (let e = 0; e < E; e++) gf1[e] = gn[e] * dt;
              } else {
                for (let e = 0; e < E; e++) gf2[e] = gn[e] * (dt / 2);
                g2.fill(0);
                VJP(x2, gf2, g2);
                for (let e = 0; e < E; e++) {
                  const gp = g2[sPos[e]] * pass(e, pre[e]);
                  g2[sPos[e]] = 0;
                  gx[sPos[e]] += gp;
                  gf1[e] = gn[e] * (dt / 2) + gp * dt;
                  if (nz) { const j = nIn + e; if (sizes[j] === 1) grads[j][0] += gp; else grads[j][i] += gp; }
                }
                for (let j = 0; j < nIn; j++) gx[j] += g2[j];
              }
              VJP(x, gf1, gx);
              for (let j = 0; j < nIn; j++) { if (sizes[j] === 1) grads[j][0] += gx[j]; else grads[j][i] += gx[j]; }
              if (nz) for (let e = 0; e < E; e++) { const j = nIn + e; if (sizes[j] === 1) grads[j][0] += gn[e]; else grads[j][i] += gn[e]; }
            }
            memoryProbe.jsBytes -= held;
            return grads.map((g, j) => tf.tensor(Float32Array.from(g), shapes[j]));
          },
        };
      });
      return op(...xs);
    },
  };
}
