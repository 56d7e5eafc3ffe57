/** Expression → float64 JavaScript source, used by the kernel engine and the interpreter. */
import type { Expr } from './ast.js';
import { FUNCTIONS } from './functions.js';

/** How a symbol becomes JS source (a local name, an array read...). */
export type SymbolResolver = (name: string, e: Expr & { kind: 'sym' }) => string;

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/**
 * Small integer powers as products. Math.pow is an out-of-line call (tens of ns); x·x is exact like
 * numpy's x**2 fast path, x·x·x and (x·x)·(x·x) are within an ulp or two of libm's pow, far inside
 * what TVB's float32 history already perturbs.
 */
function powJs(base: string, expo: Expr, expoJs: string): string {
  if (expo.kind === 'num' && (expo.value === 2 || expo.value === 3 || expo.value === 4)) {
    // a base that calls a function is bound once (an arrow V8 inlines) rather than evaluated repeatedly
    const call = /[A-Za-z_$][\w$.]*\s*\(/.test(base);
    const t = call ? 't' : base;
    const prod = expo.value === 2 ? `${t} * ${t}` : expo.value === 3 ? `${t} * ${t} * ${t}` : `(${t} * ${t}) * (${t} * ${t})`;
    return call ? `((t) => ${prod})(${base})` : `(${prod})`;
  }
  return `Math.pow(${base}, ${expoJs})`;
}

/** JS source for a boolean-valued test (comparisons stay booleans, numbers test non-zero). */
function test(e: Expr, sym: SymbolResolver): string {
  if (e.kind === 'binary' && ['<', '<=', '>', '>=', '==', '!='].includes(e.op)) {
    const op = e.op === '==' ? '===' : e.op === '!=' ? '!==' : e.op;
    return `(${toJs(e.left, sym)} ${op} ${toJs(e.right, sym)})`;
  }
  if (e.kind === 'binary' && (e.op === '&&' || e.op === '||')) return `(${test(e.left, sym)} ${e.op} ${test(e.right, sym)})`;
  if (e.kind === 'unary' && e.op === '!') return `(!${test(e.arg, sym)})`;
  return `(${toJs(e, sym)} !== 0)`;
}

export function toJs(e: Expr, sym: SymbolResolver): string {
  switch (e.kind) {
    case 'num': return num(e.value);
    case 'sym': return sym(e.name, e);
    case 'unary':
      if (e.op === '!') return `(${test(e.arg, sym)} ? 0 : 1)`;
      return e.op === '-' ? `(-${toJs(e.arg, sym)})` : toJs(e.arg, sym);
    case 'binary': {
      if (['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(e.op)) return `(${test(e, sym)} ? 1 : 0)`;
      const l = toJs(e.left, sym), r = toJs(e.right, sym);
      if (e.op === '^') return powJs(l, e.right, r);
      return `(${l} ${e.op} ${r})`;
    }
    case 'cond': return `(${test(e.test, sym)} ? ${toJs(e.then, sym)} : ${toJs(e.else, sym)})`;
    case 'call':
      if (e.fn === 'pow' && e.args.length === 2) return powJs(toJs(e.args[0], sym), e.args[1], toJs(e.args[1], sym));
      return FUNCTIONS[e.fn].js(e.args.map((a) => toJs(a, sym)));
  }
}

/** Evaluate an expression directly (slow path: configuration-time values, tests). */
export function evalExpr(e: Expr, env: (name: string) => number): number {
  switch (e.kind) {
    case 'num': return e.value;
    case 'sym': return env(e.name);
    case 'unary': {
      const v = evalExpr(e.arg, env);
      return e.op === '-' ? -v : e.op === '!' ? (v === 0 ? 1 : 0) : v;
    }
    case 'binary': {
      const l = evalExpr(e.left, env);
      if (e.op === '&&') return l !== 0 && evalExpr(e.right, env) !== 0 ? 1 : 0;
      if (e.op === '||') return l !== 0 || evalExpr(e.right, env) !== 0 ? 1 : 0;
      const r = evalExpr(e.right, env);
      switch (e.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/': return l / r;
        case '^': return r === 2 ? l * l : Math.pow(l, r);
        case '<': return l < r ? 1 : 0;
        case '<=': return l <= r ? 1 : 0;
        case '>': return l > r ? 1 : 0;
        case '>=': return l >= r ? 1 : 0;
        case '==': return l === r ? 1 : 0;
        case '!=': return l !== r ? 1 : 0;
      }
      throw new Error(`unreachable operator ${e.op}`);
    }
    case 'cond': return evalExpr(e.test, env) !== 0 ? evalExpr(e.then, env) : evalExpr(e.else, env);
    case 'call': return FUNCTIONS[e.fn].eval(...e.args.map((a) => evalExpr(a, env)));
  }
}
