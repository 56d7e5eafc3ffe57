/** Static checks of a model spec: every expression parses and reads only names that exist. */
import { type Expr, freeSymbols, parseExpr, CONSTANTS } from '../expr/index.js';
import { type ModelSpec, SpecError } from './spec.js';

export const BUILTIN_MODEL_SYMBOLS = ['local_coupling'];

export function couplingInputNames(spec: ModelSpec): string[] {
  return spec.cvar.map((_, k) => `c_${k}`);
}

export interface ParsedModel {
  derived: [string, Expr][];
  auxiliaries: [string, Expr][];
  equations: [string, Expr][];
  vois: Expr[];
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
  return { derived, auxiliaries, equations, vois };
}

export function checkModelExpressions(spec: ModelSpec, file?: string): void {
  parseModel(spec, file);
}
