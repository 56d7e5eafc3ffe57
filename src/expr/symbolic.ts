/**
 * Symbolic differentiation of expression ASTs (src/expr/ast.ts), used to give the tensor engine's
 * fused model derivative a backward pass that needs only its inputs: the partial derivatives are
 * derived once at compile time and emitted as JS next to the forward expression.
 *
 * Results are simplified only where that is exact for finite values (0·x → 0, 1·x → x, x + 0 → x,
 * numbers folded), which keeps the emitted code close to hand-written derivatives.
 *
 * @example
 * ```ts
 * import { parseExpr, evalExpr } from 'vbt/internals';
 * import { diffExpr } from 'vbt/internals';
 * const d = diffExpr(parseExpr('a * x^2 + sin(x)'), 'x');   // 2·a·x + cos(x)
 * evalExpr(d, (n) => (n === 'a' ? 3 : 0.5));                 // 3 + cos(0.5)
 * ```
 */
import { mapExpr, type Expr, type Pos } from './ast.js';
import { FUNCTIONS } from './functions.js';

const P0: Pos = { line: 0, col: 0 };
const num = (value: number): Expr => ({ kind: 'num', value, pos: P0 });
const isNum = (e: Expr, v?: number): boolean => e.kind === 'num' && (v === undefined || e.value === v);
const call = (fn: string, ...args: Expr[]): Expr => ({ kind: 'call', fn, args, pos: P0 });

export function add(a: Expr, b: Expr): Expr {
  if (a.kind === 'num' && b.kind === 'num') return num(a.value + b.value);
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  return { kind: 'binary', op: '+', left: a, right: b, pos: P0 };
}
export function sub(a: Expr, b: Expr): Expr {
  if (a.kind === 'num' && b.kind === 'num') return num(a.value - b.value);
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  return { kind: 'binary', op: '-', left: a, right: b, pos: P0 };
}
export function mul(a: Expr, b: Expr): Expr {
  if (a.kind === 'num' && b.kind === 'num') return num(a.value * b.value);
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (isNum(a, -1)) return neg(b);
  if (isNum(b, -1)) return neg(a);
  return { kind: 'binary', op: '*', left: a, right: b, pos: P0 };
}
export function div(a: Expr, b: Expr): Expr {
  if (a.kind === 'num' && b.kind === 'num') return num(a.value / b.value);
  if (isNum(a, 0)) return num(0);
  if (isNum(b, 1)) return a;
  return { kind: 'binary', op: '/', left: a, right: b, pos: P0 };
}
export function neg(a: Expr): Expr {
  if (a.kind === 'num') return num(-a.value);
  if (a.kind === 'unary' && a.op === '-') return a.arg;
  return { kind: 'unary', op: '-', arg: a, pos: P0 };
}
const pow = (a: Expr, b: Expr): Expr => (isNum(b, 1) ? a : isNum(b, 0) ? num(1) : { kind: 'binary', op: '^', left: a, right: b, pos: P0 });
const cond = (test: Expr, then: Expr, els: Expr): Expr =>
  isNum(then, 0) && isNum(els, 0) ? num(0) : { kind: 'cond', test, then, else: els, pos: P0 };
const cmp = (op: '<' | '<=' | '>' | '>=', a: Expr, b: Expr): Expr => ({ kind: 'binary', op, left: a, right: b, pos: P0 });

/** z when e is `1 + exp(z)` or `exp(z) + 1`. */
export function logisticArg(e: Expr): Expr | undefined {
  if (e.kind !== 'binary' || e.op !== '+') return undefined;
  const ex = (t: Expr) => (t.kind === 'call' && t.fn === 'exp' ? t.args[0] : undefined);
  return isNum(e.left, 1) ? ex(e.right) : isNum(e.right, 1) ? ex(e.left) : undefined;
}

/**
 * `c / (1 + exp(z))` → `c · sigmoid(−z)`: equal values, but the derivative of the logistic form
 * stays finite where exp(z) overflows (the quotient rule there gives Inf/Inf).
 */
export function logisticForm(e: Expr): Expr {
  return mapExpr(e, (x, rec) => {
    if (x.kind !== 'binary' || x.op !== '/') return undefined;
    const l = rec(x.left), r = rec(x.right);
    const z = logisticArg(r);
    return z ? mul(l, call('sigmoid', neg(z))) : { ...x, left: l, right: r };
  });
}

/** d e / d v, as a simplified expression. Throws for functions without a derivative here. */
export function diffExpr(e: Expr, v: string): Expr {
  const d = (x: Expr): Expr => diffExpr(x, v);
  switch (e.kind) {
    case 'num': return num(0);
    case 'sym': return num(e.name === v ? 1 : 0);
    case 'unary': return e.op === '-' ? neg(d(e.arg)) : e.op === '+' ? d(e.arg) : num(0);
    case 'cond': return cond(e.test, d(e.then), d(e.else));
    case 'binary': {
      const a = e.left, b = e.right;
      switch (e.op) {
        case '+': return add(d(a), d(b));
        case '-': return sub(d(a), d(b));
        case '*': return add(mul(d(a), b), mul(a, d(b)));
        case '/': {
          const da = d(a), db = d(b);
          if (isNum(db, 0)) return div(da, b);
          return div(sub(da, mul(div(a, b), db)), b);
        }
        case '^': return powDiff(a, b, d(a), d(b));
        default: return num(0); // comparisons and logic are piecewise constant
      }
    }
    case 'call': {
      const u = e.args[0];
      const du = u ? d(u) : num(0);
      const chain = (f: Expr) => mul(f, du);
      switch (e.fn) {
        case 'exp': return chain(e);
        case 'expm1': return chain(call('exp', u));
        case 'log': return div(du, u);
        case 'log1p': return div(du, add(num(1), u));
        case 'log10': return div(du, mul(u, num(Math.LN10)));
        case 'log2': return div(du, mul(u, num(Math.LN2)));
        case 'sqrt': return div(du, mul(num(2), e));
        case 'cbrt': return div(du, mul(num(3), mul(e, e)));
        case 'sin': return chain(call('cos', u));
        case 'cos': return chain(neg(call('sin', u)));
        case 'tan': return div(du, pow(call('cos', u), num(2)));
        case 'asin': case 'arcsin': return div(du, call('sqrt', sub(num(1), pow(u, num(2)))));
        case 'acos': case 'arccos': return neg(div(du, call('sqrt', sub(num(1), pow(u, num(2))))));
        case 'atan': case 'arctan': return div(du, add(num(1), pow(u, num(2))));
        case 'sinh': return chain(call('cosh', u));
        case 'cosh': return chain(call('sinh', u));
        case 'tanh': return chain(sub(num(1), pow(e, num(2))));
        case 'sigmoid': return chain(mul(e, sub(num(1), e)));
        case 'abs': return chain(call('sign', u));
        case 'erfc': return chain(mul(num(-2 / Math.sqrt(Math.PI)), call('exp', neg(pow(u, num(2))))));
        case 'floor': case 'ceil': case 'sign': case 'heaviside': return num(0);
        case 'pow': return powDiff(e.args[0], e.args[1], du, d(e.args[1]));
        case 'atan2': {
          const [y, x] = e.args;
          return div(sub(mul(x, d(y)), mul(y, d(x))), add(pow(x, num(2)), pow(y, num(2))));
        }
        case 'min': return cond(cmp('<=', e.args[0], e.args[1]), du, d(e.args[1]));
        case 'max': return cond(cmp('>=', e.args[0], e.args[1]), du, d(e.args[1]));
        case 'clip': {
          const [x, lo, hi] = e.args;
          return cond(cmp('<', x, lo), d(lo), cond(cmp('>', x, hi), d(hi), du));
        }
        case 'mod': return sub(du, mul(call('floor', div(e.args[0], e.args[1])), d(e.args[1])));
        default: {
          if (!FUNCTIONS[e.fn]) throw new Error(`diffExpr: unknown function '${e.fn}'`);
          // factorial, gamma: differentiable only where their argument is a constant
          if (e.args.every((a) => isNum(d(a), 0))) return num(0);
          throw new Error(`diffExpr: no derivative for ${e.fn}() of a variable (line ${e.pos.line}, column ${e.pos.col})`);
        }
      }
    }
  }
}

function powDiff(a: Expr, b: Expr, da: Expr, db: Expr): Expr {
  if (isNum(db, 0)) {
    if (b.kind === 'num') return mul(mul(num(b.value), pow(a, num(b.value - 1))), da);
    return mul(mul(b, pow(a, sub(b, num(1)))), da);
  }
  // a^b · (b' ln a + b a' / a)
  return mul(pow(a, b), add(mul(db, call('log', a)), div(mul(b, da), a)));
}

/** Structural equality (positions ignored). */
export function sameExpr(p: Expr, q: Expr): boolean {
  if (p.kind !== q.kind) return false;
  switch (p.kind) {
    case 'num': return q.kind === 'num' && p.value === q.value;
    case 'sym': return q.kind === 'sym' && p.name === q.name;
    case 'unary': return q.kind === 'unary' && p.op === q.op && sameExpr(p.arg, q.arg);
    case 'binary': return q.kind === 'binary' && p.op === q.op && sameExpr(p.left, q.left) && sameExpr(p.right, q.right);
    case 'cond': return q.kind === 'cond' && sameExpr(p.test, q.test) && sameExpr(p.then, q.then) && sameExpr(p.else, q.else);
    case 'call': return q.kind === 'call' && p.fn === q.fn && p.args.length === q.args.length && p.args.every((a, i) => sameExpr(a, q.args[i]));
  }
}

/** k when `den` is 1 − exp(−k·y) for the given y (−k·y written −k*y, −(k*y), y*−k, −(y*k)). */
export function rateFactor(y: Expr, den: Expr): Expr | undefined {
  if (den.kind !== 'binary' || den.op !== '-' || !isNum(den.left, 1)) return undefined;
  const ex = den.right;
  if (ex.kind !== 'call' || ex.fn !== 'exp') return undefined;
  const z = ex.args[0];
  const factor = (p: Expr) => (p.kind !== 'binary' || p.op !== '*' ? undefined : sameExpr(p.right, y) ? p.left : sameExpr(p.left, y) ? p.right : undefined);
  if (z.kind === 'unary' && z.op === '-') return factor(z.arg);
  const k = factor(z);
  if (k?.kind === 'unary' && k.op === '-') return k.arg;
  if (k?.kind === 'num') return num(-k.value);
  return undefined;
}

/**
 * `y / (1 − exp(−k·y))` (the Wong–Wang transfer function) → `f(k·y) / k` with
 * f(t) = t / (1 − e^(−t)) written without its 0/0 at t = 0 and without overflow for t ≪ 0:
 * f(t) = min(t, 0) + |t| / −expm1(−|t|), and 1 + t/2 for |t| < 1e-6 (float64: the next term,
 * t²/12, is below rounding there), so value and derivative stay finite where y is exactly 0.
 */
export function rateForm(e: Expr): Expr {
  return mapExpr(e, (x, rec) => {
    const k = x.kind === 'binary' && x.op === '/' ? rateFactor(x.left, x.right) : undefined;
    if (!k || x.kind !== 'binary') return undefined;
    const t = mul(rec(k), rec(x.left));
    const s = call('abs', t);
    const far = add(call('min', t, num(0)), div(s, neg(call('expm1', neg(s)))));
    return div(cond(cmp('<', s, num(1e-6)), add(num(1), mul(num(0.5), t)), far), rec(k));
  });
}
