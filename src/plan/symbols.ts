/**
 * Every name a model's expressions can read, resolved once per run to what it is and how it is laid
 * out in memory. Back ends switch on `kind` instead of re-deriving the scope.
 */
import { CONSTANTS } from '../expr/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { ParsedModel } from '../models/check.js';
import { couplingInputNames, BUILTIN_MODEL_SYMBOLS } from '../models/check.js';
import type { ParamKind, ResolvedParam } from '../engine/params.js';

export type SymbolKind =
  | 'parameter' | 'derived' | 'coupling-parameter' | 'edge-parameter'
  | 'state' | 'auxiliary' | 'constant' | 'coupling-input' | 'builtin' | 'math-constant';

export type SymbolLayout =
  | 'global' | 'per-node' | 'per-batch' | 'per-batch-node' | 'per-edge'
  /** a state variable or auxiliary: one value per node (and mode), changing every stage */
  | 'node-state'
  /** a constant: a number, one number per mode, or a mode × mode matrix */
  | 'number' | 'per-mode' | 'matrix';

export interface ResolvedSymbol {
  name: string;
  kind: SymbolKind;
  layout: SymbolLayout;
  /** State variable row, auxiliary order, or coupling-input row. */
  index?: number;
  /** State variables only: kept in the delay history (a `cvar`). */
  cvar?: boolean;
  /** Constants and math constants: the value (a number, or one per mode). */
  value?: number | number[] | number[][];
}

export const LAYOUT_OF: Record<ParamKind, SymbolLayout> = { scalar: 'global', node: 'per-node', batch: 'per-batch', batchnode: 'per-batch-node' };

/** The model's symbol table for a run. Later entries shadow earlier ones as the scope rules say. */
export function resolveSymbols(
  spec: ModelSpec, parsed: ParsedModel, modelParams: Record<string, ResolvedParam>, couplingParams: Record<string, ResolvedParam>,
): Record<string, ResolvedSymbol> {
  const t: Record<string, ResolvedSymbol> = {};
  for (const [name, v] of Object.entries(CONSTANTS)) t[name] = { name, kind: 'math-constant', layout: 'number', value: v };
  for (const [name, v] of Object.entries(spec.constants ?? {})) {
    t[name] = { name, kind: 'constant', layout: typeof v === 'number' ? 'number' : Array.isArray(v[0]) ? 'matrix' : 'per-mode', value: v as ResolvedSymbol['value'] };
  }
  for (const name of BUILTIN_MODEL_SYMBOLS) t[name] = { name, kind: 'builtin', layout: 'number', value: 0 };
  couplingInputNames(spec).forEach((name, index) => { t[name] = { name, kind: 'coupling-input', layout: 'node-state', index }; });
  for (const [name, p] of Object.entries(couplingParams)) t[`coupling.${name}`] = { name, kind: 'coupling-parameter', layout: LAYOUT_OF[p.kind] };
  for (const name of Object.keys(spec.edge_parameters ?? {})) t[name] = { name, kind: 'edge-parameter', layout: 'per-edge' };
  const derived = new Set(parsed.derived.map(([n]) => n));
  for (const [name, p] of Object.entries(modelParams)) t[name] = { name, kind: derived.has(name) ? 'derived' : 'parameter', layout: LAYOUT_OF[p.kind] };
  parsed.auxiliaries.forEach(([name], index) => { t[name] = { name, kind: 'auxiliary', layout: 'node-state', index }; });
  const cvars = new Set(spec.cvar);
  Object.keys(spec.state_variables).forEach((name, index) => { t[name] = { name, kind: 'state', layout: 'node-state', index, cvar: cvars.has(name) }; });
  return t;
}
