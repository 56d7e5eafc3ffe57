/**
 * Expression AST → tfjs ops. The same parsed model spec the kernel engine turns into float64 JS is
 * compiled here into a closure tree over tensors, so there is no second, hand-written model set.
 * Sub-expressions whose symbols are all plain numbers (constants, parameters that are neither
 * batched, per node nor differentiated) are folded at compile time in float64: a step then runs
 * only the ops that touch tensors, which is what costs time on small tensors.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { parseExpr } from 'vbt/internals';
 * import { compileTensorExpr, ScalarPool } from 'vbt/internals';
 * const pool = new ScalarPool();
 * const f = compileTensorExpr(parseExpr('a * x^2 + 1'), (n) => (n === 'a' ? 3 : { slot: 0 }), pool);
 * const y = f.eval([tf.tensor1d([1, 2])]);   // [4, 13]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Expr } from '../expr/ast.js';
import { FUNCTIONS } from '../expr/functions.js';
import { logisticArg, rateFactor } from '../expr/symbolic.js';

/** How a symbol is bound: a number known at compile time, or an input tensor slot. */
export type TensorSymbol = number | { slot: number };

/** A compiled expression: either a compile-time constant or a function of the input tensors. */
export type CompiledTensorExpr = { const: number; eval?: undefined } | { const?: undefined; eval: (env: tf.Tensor[]) => tf.Tensor };

/**
 * Numbers used as operands become scalar tensors once, kept across steps: creating a scalar per op
 * per step would double the number of tensor allocations of a run.
 */
export class ScalarPool {
  private readonly map = new Map<number, tf.Scalar>();
  get(v: number): tf.Scalar {
    const key = Object.is(v, -0) ? 0 : v;
    let t = this.map.get(key);
    if (!t) {
      t = tf.keep(tf.scalar(key, 'float32'));
      this.map.set(key, t);
    }
    return t;
  }
  dispose(): void {
    for (const t of this.map.values()) t.dispose();
    this.map.clear();
  }
}

type V = number | tf.Tensor;
type Fn = (env: tf.Tensor[]) => V;

const isNum = (v: V): v is number => typeof v === 'number';

const CMP = new Set(['<', '<=', '>', '>=', '==', '!=']);

/** Compile an expression; `resolve` binds every free symbol. */
export function compileTensorExpr(e: Expr, resolve: (name: string, e: Expr) => TensorSymbol, pool: ScalarPool): CompiledTensorExpr {
  const T = (v: V): tf.Tensor => (isNum(v) ? pool.get(v) : v);
  const asFloat = (b: tf.Tensor): tf.Tensor => (b.dtype === 'bool' ? tf.cast(b, 'float32') : b);
  const asBool = (v: V): V => (isNum(v) ? (v !== 0 ? 1 : 0) : v.dtype === 'bool' ? v : tf.notEqual(v, pool.get(0)));

  // Every compiled node returns a number when all its inputs are numbers (folded once below).
  const bin = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, n: (a: number, b: number) => number) => (a: V, b: V): V =>
    isNum(a) && isNum(b) ? n(a, b) : f(T(a), T(b));

  const unaryOps: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    exp: tf.exp, log: tf.log, log1p: tf.log1p, expm1: tf.expm1, sqrt: tf.sqrt, sin: tf.sin, cos: tf.cos, tan: tf.tan,
    asin: tf.asin, acos: tf.acos, atan: tf.atan, arcsin: tf.asin, arccos: tf.acos, arctan: tf.atan,
    sinh: tf.sinh, cosh: tf.cosh, tanh: tf.tanh, abs: tf.abs, floor: tf.floor, ceil: tf.ceil, sign: tf.sign,
    sigmoid: tf.sigmoid, square: tf.square,
    log10: (x) => tf.mul(tf.log(x), pool.get(1 / Math.LN10)),
    log2: (x) => tf.mul(tf.log(x), pool.get(1 / Math.LN2)),
    cbrt: (x) => tf.mul(tf.sign(x), tf.pow(tf.abs(x), pool.get(1 / 3))),
    erfc: (x) => tf.sub(pool.get(1), tf.erf(x)),
  };

  const rec = (x: Expr): Fn => {
    switch (x.kind) {
      case 'num': { const v = x.value; return () => v; }
      case 'sym': {
        const s = resolve(x.name, x);
        if (typeof s === 'number') return () => s;
        const k = s.slot;
        return (env) => env[k];
      }
      case 'unary': {
        const a = rec(x.arg);
        if (x.op === '+') return a;
        if (x.op === '-') return (env) => { const v = a(env); return isNum(v) ? -v : tf.neg(v); };
        return (env) => { const v = asBool(a(env)); return isNum(v) ? (v ? 0 : 1) : tf.logicalNot(v); };
      }
      case 'binary': {
        const l = rec(x.left), r = rec(x.right);
        if (CMP.has(x.op)) {
          const f = {
            '<': bin(tf.less, (p, q) => +(p < q)), '<=': bin(tf.lessEqual, (p, q) => +(p <= q)),
            '>': bin(tf.greater, (p, q) => +(p > q)), '>=': bin(tf.greaterEqual, (p, q) => +(p >= q)),
            '==': bin(tf.equal, (p, q) => +(p === q)), '!=': bin(tf.notEqual, (p, q) => +(p !== q)),
          }[x.op as '<']!;
          return (env) => f(l(env), r(env));
        }
        if (x.op === '&&' || x.op === '||') {
          const lg = x.op === '&&' ? tf.logicalAnd : tf.logicalOr;
          return (env) => {
            const p = asBool(l(env)), q = asBool(r(env));
            if (isNum(p) && isNum(q)) return x.op === '&&' ? +(p && q) : +(p || q);
            const b = (v: V) => (isNum(v) ? tf.notEqual(pool.get(v), pool.get(0)) : v);
            return lg(b(p), b(q));
          };
        }
        if (x.op === '^') {
          if (x.right.kind === 'num' && x.right.value === 2) return (env) => { const v = l(env); return isNum(v) ? v * v : tf.square(v); };
          const f = bin(tf.pow, (p, q) => (q === 2 ? p * p : Math.pow(p, q)));
          return (env) => f(l(env), r(env));
        }
        if (x.op === '/') {
          // c / (1 + exp(z)) → c · sigmoid(−z): the same value, but its float32 gradient stays
          // finite where exp(z) overflows (a quotient's gradient there is Inf·0 = NaN)
          const z = logisticArg(x.right);
          if (z) {
            const num = rec(x.left), zf = rec(z);
            return (env) => {
              const zv = zf(env), c = num(env);
              if (isNum(zv) && isNum(c)) return c / (1 + Math.exp(zv));
              const sg = tf.sigmoid(isNum(zv) ? pool.get(-zv) : tf.neg(zv));
              return isNum(c) && c === 1 ? sg : tf.mul(T(asNumOrFloat(c)), sg);
            };
          }
        }
        if (x.op === '/') {
          // y / (1 - exp(-k y)) is 0/0 at y = 0, which float32 hits: a y computed as a·x − b is exactly
          // 0 for some x near b/a (one float32 x in a few thousand there). With t = k y it equals
          // f(t)/k, f(t) = t / (1 − e^(−t)) = min(t, 0) + g(|t|), g(s) = s / −expm1(−s) (no overflow
          // for t ≪ 0 either); below s = 1e-3, g is continued linearly (g(s) = 1 + s/2 + O(s²)).
          const kx = rateFactor(x.left, x.right);
          if (kx) {
            const yf = rec(x.left), kf = rec(kx);
            return (env) => {
              const y = yf(env), k = kf(env);
              if (isNum(y) && isNum(k)) return y / (1 - Math.exp(-k * y));
              const t = tf.mul(T(asNumOrFloat(k)), T(asNumOrFloat(y)));
              const s = tf.abs(t), ss = tf.maximum(s, pool.get(1e-3));
              const g = tf.div(ss, tf.neg(tf.expm1(tf.neg(ss))));
              const f = tf.add(tf.add(tf.minimum(t, pool.get(0)), g), tf.mul(tf.sub(s, ss), pool.get(0.5)));
              return isNum(k) ? tf.mul(f, pool.get(1 / k)) : tf.div(f, k);
            };
          }
        }
        const f = {
          '+': bin(tf.add, (p, q) => p + q), '-': bin(tf.sub, (p, q) => p - q),
          '*': bin(tf.mul, (p, q) => p * q), '/': bin(tf.div, (p, q) => p / q),
        }[x.op as '+']!;
        // x + 0, x − 0, x · 1, x / 1 are x exactly: no op (Linear's post `a * gx + b` with b = 0)
        const unit = x.op === '*' ? 1 : x.op === '/' || x.op === '-' ? NaN : 0;
        const unitR = x.op === '*' || x.op === '/' ? 1 : 0;
        return (env) => {
          const a = l(env), b = r(env);
          if (!isNum(a) && b === unitR) return asFloat(a);
          if (!isNum(b) && a === unit) return asFloat(b);
          return f(asNumOrFloat(a), asNumOrFloat(b));
        };
      }
      case 'cond': {
        const c = rec(x.test), a = rec(x.then), b = rec(x.else);
        return (env) => {
          const t = asBool(c(env));
          if (isNum(t)) return t ? a(env) : b(env);
          const p = a(env), q = b(env);
          if (isNum(p) && isNum(q) && p === q) return p;
          return tf.where(t, T(asNumOrFloat(p)), T(asNumOrFloat(q)));
        };
      }
      case 'call': {
        const args = x.args.map(rec);
        const fn = x.fn;
        const def = FUNCTIONS[fn];
        if (!def) throw new Error(`tensor engine: unknown function '${fn}' (line ${x.pos.line}, column ${x.pos.col})`);
        if (fn in unaryOps) {
          const op = unaryOps[fn];
          return (env) => { const v = args[0](env); return isNum(v) ? def.eval(v) : op(asNumOrFloat(v) as tf.Tensor); };
        }
        const two: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
          atan2: tf.atan2, pow: tf.pow, min: tf.minimum, max: tf.maximum, mod: tf.mod,
        };
        if (fn in two) {
          const f = bin(two[fn], (p, q) => def.eval(p, q));
          return (env) => f(asNumOrFloat(args[0](env)), asNumOrFloat(args[1](env)));
        }
        if (fn === 'clip') {
          const lo = bin(tf.maximum, Math.max), hi = bin(tf.minimum, Math.min);
          return (env) => hi(lo(asNumOrFloat(args[0](env)), asNumOrFloat(args[1](env))), asNumOrFloat(args[2](env)));
        }
        if (fn === 'heaviside') {
          return (env) => {
            const v = asNumOrFloat(args[0](env));
            const h0 = args.length > 1 ? asNumOrFloat(args[1](env)) : 0;
            if (isNum(v) && isNum(h0)) return def.eval(v, h0);
            const vt = T(v);
            return tf.where(tf.greater(vt, pool.get(0)), pool.get(1), tf.where(tf.less(vt, pool.get(0)), pool.get(0), T(h0)));
          };
        }
        // factorial, gamma: only on compile-time numbers (TVB's temporal equations use them, not models)
        return (env) => {
          const vs = args.map((a) => a(env));
          if (vs.every(isNum)) return def.eval(...(vs as number[]));
          throw new Error(`tensor engine: ${fn}() of a tensor is not supported (line ${x.pos.line}, column ${x.pos.col})`);
        };
      }
    }
  };
  function asNumOrFloat(v: V): V {
    return isNum(v) ? v : asFloat(v);
  }
  const f = rec(e);
  // Fold: evaluating with no tensors tells whether the expression is constant. A sym bound to a slot
  // would read env[k] (undefined), so probe with a sentinel that flags tensor use instead.
  let usesTensor = false;
  const probe = new Proxy([] as tf.Tensor[], { get: (t, p) => { if (typeof p === 'string' && /^\d+$/.test(p)) usesTensor = true; return Reflect.get(t, p); } });
  let folded: V | undefined;
  try {
    folded = f(probe);
  } catch {
    usesTensor = true;
  }
  if (!usesTensor && isNum(folded!)) return { const: folded as number };
  return {
    eval: (env) => {
      const v = f(env);
      return isNum(v) ? pool.get(v) : asFloat(v);
    },
  };
}
