/**
 * Reverse mode of a straight-line program: a list of assignments `name = expr` (expression ASTs)
 * becomes forward JS (one `const` per assignment) and reverse JS that accumulates cotangents
 * ("bars") from the program's outputs back to its inputs, one local partial derivative per
 * (assignment, free symbol), each derived symbolically by `diffExpr`.
 *
 * Everything the adjoint differentiates (integrator stages of the model, coupling terms, the
 * observation, the Balloon–Windkessel step) is written as such a program, so there is one
 * differentiation rule for all of them.
 */
import { type Expr, freeSymbols, toJs } from './index.js';
import { diffExpr, logisticArg, logisticForm, rateFactor, rateForm } from './symbolic.js';

export interface Assign {
  /** A JS identifier, unique within the program. */
  name: string;
  expr: Expr;
}

/** How the program reads symbols that it does not assign (inputs, parameters). */
export type Reader = (name: string) => string;

const P0 = { line: 0, col: 0 };

/**
 * One assignment per operation: every inner node of an expression gets its own temporary, so each
 * local derivative is of one operation and the reverse code grows linearly with the expression
 * (symbolic derivatives of whole expressions swell). Kept whole: conditionals (the branch not
 * taken may be Inf or NaN; a whole conditional's derivative stays behind its test) and the logistic
 * and rate forms (their derivatives are taken on the overflow-safe rewrites). The operations and
 * their order are unchanged, so the values are bitwise those of the unflattened expression; an
 * operation repeated on the same operands is computed once.
 */
export function flatten(prog: Assign[]): Assign[] {
  const out: Assign[] = [];
  // one temporary per distinct operation on the same operands (a model's auxiliaries and integrator
  // stages repeat many): the same operation on the same values gives the same bits, so reusing it
  // changes no value, and the program (hence both sweeps) shrinks
  const seen = new Map<string, string>();
  const key = (e: Expr) => JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v));
  for (const a of prog) {
    let k = 0;
    const temp = (e: Expr): Expr => {
      if (e.kind === 'num' || e.kind === 'sym') return e;
      const id = key(e);
      let name = seen.get(id);
      if (!name) {
        name = `${a.name}__${k++}`;
        out.push({ name, expr: e });
        seen.set(id, name);
      }
      return { kind: 'sym', name, pos: P0 };
    };
    const node = (e: Expr): Expr => {
      switch (e.kind) {
        case 'num': case 'sym': case 'cond': return e;
        case 'unary': return { ...e, arg: temp(node(e.arg)) };
        case 'call': return { ...e, args: e.args.map((x) => temp(node(x))) };
        case 'binary': {
          if (['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(e.op)) return e;
          if (e.op === '/') {
            const z = logisticArg(e.right);
            if (z) {
              const zt = temp(node(z));
              const ex: Expr = { kind: 'call', fn: 'exp', args: [zt], pos: P0 };
              return { ...e, left: temp(node(e.left)), right: { ...e.right, left: { kind: 'num', value: 1, pos: P0 }, right: ex } as Expr };
            }
            const rk = rateFactor(e.left, e.right);
            if (rk) {
              const yt = temp(node(e.left)), kt = temp(node(rk));
              const ex: Expr = { kind: 'call', fn: 'exp', args: [{ kind: 'unary', op: '-', arg: { kind: 'binary', op: '*', left: kt, right: yt, pos: P0 }, pos: P0 }], pos: P0 };
              return { ...e, left: yt, right: { kind: 'binary', op: '-', left: { kind: 'num', value: 1, pos: P0 }, right: ex, pos: P0 } };
            }
          }
          return { ...e, left: temp(node(e.left)), right: temp(node(e.right)) };
        }
      }
    };
    out.push({ name: a.name, expr: node(a.expr) });
  }
  return out;
}

/** JS `const name = expr;` lines computing every assignment. */
export function forwardJs(prog0: Assign[], read: Reader): string[] {
  const prog = flatten(prog0);
  const assigned = new Set<string>();
  const sym = (n: string) => (assigned.has(n) ? n : read(n));
  return prog.map((a) => {
    const line = `const ${a.name} = ${toJs(a.expr, sym)};`;
    assigned.add(a.name);
    return line;
  });
}

const derivCache = new WeakMap<Expr, Map<string, Expr>>();
/** d expr / d v, on the overflow-safe rewrites of logistic and rate forms (same function, finite derivative). */
function partial(e: Expr, v: string): Expr {
  let m = derivCache.get(e);
  if (!m) { m = new Map(); derivCache.set(e, m); }
  let d = m.get(v);
  if (!d) { d = diffExpr(rateForm(logisticForm(e)), v); m.set(v, d); }
  return d;
}

export interface ReverseSpec {
  /** Assigned names whose cotangent is given: name → JS expression of the incoming bar. */
  seeds: Map<string, string>;
  /** For an input symbol that receives a gradient: the JS lvalue its bar is added into; undefined = constant. */
  inputBar: (name: string) => string | undefined;
  read: Reader;
}

/**
 * Reverse sweep over `prog` (whose forward values must be in scope, e.g. from `forwardJs`). Bars
 * of assigned names are locals `b_<name>`; a bar that can never be non-zero is not emitted.
 */
export function reverseJs(prog0: Assign[], spec: ReverseSpec): string[] {
  const prog = flatten(prog0);
  const assignedAt = new Map(prog.map((a, i) => [a.name, i]));
  const live = new Set<string>(spec.seeds.keys());
  const out: string[] = [];
  const decl: string[] = [];
  for (const [n, js] of spec.seeds) decl.push(`let b_${n} = ${js};`);
  const declared = new Set(spec.seeds.keys());
  const sym = (n: string) => (assignedAt.has(n) ? n : spec.read(n));
  for (let i = prog.length - 1; i >= 0; i--) {
    const a = prog[i];
    if (!live.has(a.name)) continue;
    for (const u of freeSymbols(a.expr)) {
      const j = assignedAt.get(u);
      let target: string | undefined;
      if (j !== undefined && j < i) target = `b_${u}`;
      else if (j === undefined) target = spec.inputBar(u);
      if (!target) continue;
      const d = partial(a.expr, u);
      if (d.kind === 'num' && d.value === 0) continue;
      if (j !== undefined) {
        live.add(u);
        if (!declared.has(u)) { declared.add(u); decl.push(`let b_${u} = 0;`); }
      }
      const dj = d.kind === 'num' && d.value === 1 ? '' : ` * ${toJs(d, sym)}`;
      out.push(`${target} += b_${a.name}${dj};`);
    }
  }
  return [...decl, ...out];
}
