/**
 * Mode expansion for code generation: every symbol of an expression evaluated at mode m is renamed
 * `name@m`, and mode reductions (mdot, msum) are unrolled into explicit sums over the node's modes.
 * Single-mode models pass through with `@0` names. Unrolling keeps the generated loops free of
 * inner mode loops (M is 1 or 3 in TVB's catalogue).
 */
import type { Expr } from '../../expr/index.js';

type Consts = Record<string, number | number[] | number[][]>;

export function expandModes(e: Expr, m: number, M: number, consts: Consts): Expr {
  const rec = (x: Expr, mm: number): Expr => {
    switch (x.kind) {
      case 'num': return x;
      case 'sym': return { ...x, name: `${x.name}@${mm}` };
      case 'unary': return { ...x, arg: rec(x.arg, mm) };
      case 'binary': return { ...x, left: rec(x.left, mm), right: rec(x.right, mm) };
      case 'cond': return { ...x, test: rec(x.test, mm), then: rec(x.then, mm), else: rec(x.else, mm) };
      case 'call': {
        if (x.fn === 'mdot') {
          const a = x.args[0];
          if (a.kind !== 'sym' || !Array.isArray(consts[a.name]) || !Array.isArray((consts[a.name] as unknown[])[0])) {
            throw new Error(`mdot(A, x): A must name a modes x modes constant matrix (line ${x.pos.line}, column ${x.pos.col})`);
          }
          const A = consts[a.name] as number[][];
          return sum(Array.from({ length: M }, (_, k) => mul(num(A[k][mm], x), rec(x.args[1], k))), x);
        }
        if (x.fn === 'msum') {
          const terms = Array.from({ length: M }, (_, k) =>
            x.args.length === 1 ? rec(x.args[0], k) : mul(rec(x.args[0], k), rec(x.args[1], k)),
          );
          return sum(terms, x);
        }
        return { ...x, args: x.args.map((a) => rec(a, mm)) };
      }
    }
  };
  return rec(e, m);
}

const num = (v: number, at: Expr): Expr => ({ kind: 'num', value: v, pos: at.pos });
const mul = (a: Expr, b: Expr): Expr => ({ kind: 'binary', op: '*', left: a, right: b, pos: a.pos });
function sum(terms: Expr[], at: Expr): Expr {
  return terms.reduce((acc, t) => ({ kind: 'binary', op: '+', left: acc, right: t, pos: at.pos }) as Expr);
}
