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
import { type Expr, freeSymbols, toJs } from '../../expr/index.js';
import { diffExpr, logisticForm, rateForm } from '../../tensor/symbolic.js';

export interface Assign {
  /** A JS identifier, unique within the program. */
  name: string;
  expr: Expr;
}

/** How the program reads symbols that it does not assign (inputs, parameters). */
export type Reader = (name: string) => string;

/** JS `const name = expr;` lines computing every assignment. */
export function forwardJs(prog: Assign[], read: Reader): string[] {
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
export function reverseJs(prog: Assign[], spec: ReverseSpec): string[] {
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
