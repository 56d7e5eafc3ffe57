/** Static checks of a model spec: every expression parses and reads only names that exist. */
import { type Expr, freeSymbols, parseExpr, CONSTANTS } from '../expr/index.js';
import { type ModelSpec, SpecError } from './spec.js';

export const BUILTIN_MODEL_SYMBOLS = ['local_coupling'];

/** The coupling inputs a model's equations read: one per projection, else one per `cvar`. */
export function couplingInputNames(spec: ModelSpec): string[] {
  return (spec.projections ?? spec.cvar).map((_, k) => `c_${k}`);
}

export interface ParsedModel {
  derived: [string, Expr][];
  auxiliaries: [string, Expr][];
  equations: [string, Expr][];
  vois: Expr[];
  /** Projection expressions (source of the source node's cvars, pre of x_j, post of gx and parameters), in input order. */
  projections: { source: Expr; pre: Expr; post: Expr; weights?: string }[];
}

/** Parse every expression of a spec, checking names in scope order. */
export function parseModel(spec: ModelSpec, file = `model ${spec.name}`): ParsedModel {
  const scope = new Set<string>([...Object.keys(spec.parameters), ...Object.keys(spec.constants ?? {}), ...Object.keys(CONSTANTS)]);
  const check = (e: Expr, field: string, allowed: Set<string>) => {
    for (const s of freeSymbols(e)) {
      if (!allowed.has(s)) {
        throw new SpecError(`${file}: ${field}: unknown name '${s}'; names in scope here: ${[...allowed].filter((n) => !(n in CONSTANTS)).join(', ')}`);
      }
    }
  };
  const parse = (text: string | number, field: string) => parseExpr(String(text), { file, field });
  const derived: [string, Expr][] = [];
  for (const [n, t] of Object.entries(spec.derived ?? {})) {
    const e = parse(t, `derived.${n}`);
    check(e, `derived.${n}`, scope);
    derived.push([n, e]);
    scope.add(n);
  }
  for (const n of Object.keys(spec.state_variables)) scope.add(n);
  for (const n of couplingInputNames(spec)) scope.add(n);
  for (const n of BUILTIN_MODEL_SYMBOLS) scope.add(n);
  const auxiliaries: [string, Expr][] = [];
  for (const [n, t] of Object.entries(spec.auxiliaries ?? {})) {
    const e = parse(t, `auxiliaries.${n}`);
    check(e, `auxiliaries.${n}`, scope);
    auxiliaries.push([n, e]);
    scope.add(n);
  }
  const equations: [string, Expr][] = [];
  for (const [n, sv] of Object.entries(spec.state_variables)) {
    const e = parse(sv.equation, `state_variables.${n}.equation`);
    check(e, `state_variables.${n}.equation`, scope);
    equations.push([n, e]);
  }
  const vois = spec.variables_of_interest.map((v, k) => {
    const e = parse(v, `variables_of_interest[${k}]`);
    check(e, `variables_of_interest[${k}]`, scope);
    return e;
  });
  const cvars = new Set<string>([...spec.cvar, ...Object.keys(CONSTANTS), ...Object.keys(spec.constants ?? {})]);
  const params = new Set<string>([...Object.keys(spec.parameters), ...derived.map(([n]) => n), ...Object.keys(spec.constants ?? {}), ...Object.keys(CONSTANTS)]);
  const projections = (spec.projections ?? []).map((pr, k) => {
    const source = parse(pr.source, `projections[${k}].source`);
    for (const s of freeSymbols(source)) {
      if (!cvars.has(s)) throw new SpecError(`${file}: projections[${k}].source: '${s}' is not a coupling variable (cvar) of the source node; the delay history holds only ${spec.cvar.join(', ')}`);
    }
    const pre = parse(pr.pre ?? 'x_j', `projections[${k}].pre`);
    check(pre, `projections[${k}].pre`, new Set(['x_j', ...Object.keys(CONSTANTS), ...Object.keys(spec.constants ?? {})]));
    const post = parse(pr.post ?? 'gx', `projections[${k}].post`);
    check(post, `projections[${k}].post`, new Set(['gx', ...params]));
    return { source, pre, post, weights: pr.weights };
  });
  return { derived, auxiliaries, equations, vois, projections };
}

export function checkModelExpressions(spec: ModelSpec, file?: string): void {
  parseModel(spec, file);
}
