/**
 * A slow, obviously-correct evaluation of a model's derivative straight from the AST. It is the
 * oracle the generated engines are tested against, and the way to check a new catalogue entry.
 */
import { type Expr, evalExpr, CONSTANTS } from '../expr/index.js';
import type { ModelSpec } from './spec.js';
import { parseModel, couplingInputNames } from './check.js';

export interface DfunInput {
  /** Number of nodes. */
  nodes: number;
  /** Parameter overrides: a number (global) or one value per node. */
  parameters?: Record<string, number | ArrayLike<number>>;
  /** State, laid out [stateVariable][node][mode] (C order), length nsv*N*M. */
  state: ArrayLike<number>;
  /** Coupling rows, [cvarRow][node][mode], length ncvar*N*M. */
  coupling: ArrayLike<number>;
}

/** Per-node value of a parameter given as scalar, single-element or per-node array. */
function pick(v: number | ArrayLike<number>, node: number, name: string, nodes: number): number {
  if (typeof v === 'number') return v;
  if (v.length === 1) return v[0];
  if (v.length === nodes) return v[node];
  throw new Error(`parameter ${name}: expected 1 or ${nodes} (one per node) values, got ${v.length}`);
}

/** Evaluate the derivative; returns [stateVariable][node][mode]. */
export function interpretDfun(spec: ModelSpec, inp: DfunInput): Float64Array {
  const pm = parseModel(spec);
  const M = spec.modes ?? 1;
  const N = inp.nodes;
  const svs = Object.keys(spec.state_variables);
  const out = new Float64Array(svs.length * N * M);
  const consts = spec.constants ?? {};
  for (let n = 0; n < N; n++) {
    // values of every name for each mode of this node
    const perMode: Map<string, number>[] = [];
    for (let m = 0; m < M; m++) {
      const env = new Map<string, number>();
      for (const [p, ps] of Object.entries(spec.parameters)) {
        const v = inp.parameters?.[p] ?? ps.default;
        env.set(p, pick(v, n, p, N));
      }
      env.set('local_coupling', 0);
      svs.forEach((sv, k) => env.set(sv, inp.state[(k * N + n) * M + m]));
      couplingInputNames(spec).forEach((c, k) => env.set(c, inp.coupling[(k * N + n) * M + m]));
      perMode.push(env);
    }
    const lookup = (m: number) => (name: string): number => {
      const env = perMode[m];
      if (env.has(name)) return env.get(name)!;
      if (name in consts) {
        const c = consts[name];
        if (typeof c === 'number') return c;
        if (Array.isArray(c) && typeof c[0] === 'number') return (c as number[])[m];
      }
      if (name in CONSTANTS) return CONSTANTS[name];
      throw new Error(`unknown name ${name}`);
    };
    const evalAt = (e: Expr, m: number): number =>
      evalExpr(expandModeCalls(e, m), lookup(m));
    // mode reductions read other modes: expand them against already-computed per-mode values
    const expandModeCalls = (e: Expr, m: number): Expr => {
      if (e.kind === 'call' && (e.fn === 'mdot' || e.fn === 'msum')) {
        let acc = 0;
        if (e.fn === 'mdot') {
          const A = consts[(e.args[0] as { name: string }).name] as number[][];
          for (let k = 0; k < M; k++) acc += A[k][m] * evalAt(e.args[1], k);
        } else if (e.args.length === 1) {
          for (let k = 0; k < M; k++) acc += evalAt(e.args[0], k);
        } else {
          for (let k = 0; k < M; k++) acc += evalAt(e.args[0], k) * evalAt(e.args[1], k);
        }
        return { kind: 'num', value: acc, pos: e.pos };
      }
      switch (e.kind) {
        case 'unary': return { ...e, arg: expandModeCalls(e.arg, m) };
        case 'binary': return { ...e, left: expandModeCalls(e.left, m), right: expandModeCalls(e.right, m) };
        case 'cond': return { ...e, test: expandModeCalls(e.test, m), then: expandModeCalls(e.then, m), else: expandModeCalls(e.else, m) };
        case 'call': return { ...e, args: e.args.map((a) => expandModeCalls(a, m)) };
        default: return e;
      }
    };
    for (const [name, e] of pm.derived) for (let m = 0; m < M; m++) perMode[m].set(name, evalAt(e, m));
    for (const [name, e] of pm.auxiliaries) {
      const vals = Array.from({ length: M }, (_, m) => evalAt(e, m));
      vals.forEach((v, m) => perMode[m].set(name, v));
    }
    pm.equations.forEach(([, e], k) => {
      for (let m = 0; m < M; m++) out[(k * N + n) * M + m] = evalAt(e, m);
    });
  }
  return out;
}
