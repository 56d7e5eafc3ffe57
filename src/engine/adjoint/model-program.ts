/**
 * The model's equations as straight-line assignments, shared by the region adjoint (generate.ts) and
 * the surface adjoint (src/surface/adjoint-program.ts): one stage of auxiliaries and derivatives
 * per integrator stage, with model names mapped to program identifiers, and the state clamps. Both
 * adjoints differentiate exactly these assignments, so they must not drift apart.
 */
import { type Expr, mapExpr, substitute, CONSTANTS } from '../../expr/index.js';
import { expandModes } from '../kernel/modes.js';
import type { Assign } from '../../expr/slp.js';
import type { ModelSpec } from '../../models/spec.js';
import type { ParsedModel } from '../../models/check.js';
import type { ResolvedParam } from '../params.js';

const P0 = { line: 0, col: 0 };
export const num = (value: number): Expr => ({ kind: 'num', value, pos: P0 });
export const sym = (name: string): Expr => ({ kind: 'sym', name, pos: P0 });
export const call = (fn: string, ...args: Expr[]): Expr => ({ kind: 'call', fn, args, pos: P0 });
export const bin = (op: '+' | '*', left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right, pos: P0 });

/** square(x) → x·x, so the straight-line program sees a product it differentiates. */
export const unsquare = (e: Expr): Expr => mapExpr(e, (x, rec) => (x.kind === 'call' && x.fn === 'square' ? bin('*', rec(x.args[0]), rec(x.args[0])) : undefined));

export interface ModelProgramSource {
  spec: ModelSpec;
  parsed: ParsedModel;
  modelParams: Record<string, ResolvedParam>;
  boundaries: ([number, number] | null)[];
  M: number;
}

/**
 * `stage(st, inp)` assigns `${st}_a_<aux>_<m>` and `${st}_d<k>_<m>` from the state read through
 * `inp(k, m)`; model parameters read `mp_<name>`, coupling inputs `c<k>_<m>`. `extra` maps names only
 * one adjoint has (the surface's local-coupling terms) before the unknown-name error.
 */
export function modelProgram(p: ModelProgramSource, extra?: (name: string, m: number) => Expr | undefined) {
  const { spec, parsed, M } = p;
  const svIdx = new Map(Object.keys(spec.state_variables).map((n, i) => [n, i]));
  const consts = spec.constants ?? {};
  const auxNames = new Set(parsed.auxiliaries.map(([n]) => n));
  const modelExpr = (e: Expr, m: number, st: string, inp: (k: number, m: number) => string): Expr =>
    substitute(unsquare(expandModes(e, m, M, consts)), (full) => {
      const at = full.lastIndexOf('@');
      const name = full.slice(0, at);
      const mm = Number(full.slice(at + 1));
      const k = svIdx.get(name);
      if (k !== undefined) return sym(inp(k, mm));
      if (auxNames.has(name)) return sym(`${st}_a_${name}_${mm}`);
      if (p.modelParams[name]) return sym(`mp_${name}`);
      const cm = /^c_(\d+)$/.exec(name);
      if (cm) return sym(`c${cm[1]}_${mm}`);
      const x = extra?.(name, mm);
      if (x) return x;
      if (name === 'local_coupling') return num(0);
      if (name in consts) {
        const c = consts[name];
        if (typeof c === 'number') return num(c);
        if (Array.isArray(c) && typeof c[0] === 'number') return num((c as number[])[mm]);
        throw new Error(`model ${spec.name}: constant '${name}' is a matrix; use it through mdot(${name}, x)`);
      }
      if (name in CONSTANTS) return num(CONSTANTS[name]);
      throw new Error(`model ${spec.name}: unknown name '${name}'`);
    });
  const stage = (st: string, inp: (k: number, m: number) => string): Assign[] => {
    const out: Assign[] = [];
    for (const [name, e] of parsed.auxiliaries) for (let m = 0; m < M; m++) out.push({ name: `${st}_a_${name}_${m}`, expr: modelExpr(e, m, st, inp) });
    parsed.equations.forEach(([, e], k) => { for (let m = 0; m < M; m++) out.push({ name: `${st}_d${k}_${m}`, expr: modelExpr(e, m, st, inp) }); });
    return out;
  };
  /** Clamp state variable k to its boundaries, as the kernel does after each stage. */
  const clamp = (k: number, v: Expr): Expr => {
    const bd = p.boundaries[k];
    if (!bd) return v;
    let r = v;
    if (bd[0] > -Infinity) r = call('max', r, num(bd[0]));
    if (bd[1] < Infinity) r = call('min', r, num(bd[1]));
    return r;
  };
  return { modelExpr, stage, clamp, auxNames };
}
