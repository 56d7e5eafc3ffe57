/**
 * A coupling function classified once, from the free symbols of its expressions: which source and
 * target values the per-link term reads, and whether it can be applied when a value enters the
 * delay history (then a link is one multiply-add).
 */
import { type Expr, freeSymbols, parseExpr, CONSTANTS } from '../expr/index.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import type { ParamKind } from '../engine/params.js';

export interface CouplingSymbols {
  pre: Expr;
  post: Expr;
  /** Free symbols of the per-link term. */
  preSymbols: Set<string>;
  /** Coupling rows read from the source (x_j = the row itself, −1; x_j_k = row k). */
  sourceRows: Set<number>;
  /** The per-link term reads the target's own value (x_i, x_i_k): Difference, Kuramoto. */
  readsTarget: boolean;
  /** Coupling parameters the per-link term reads. */
  preParameters: string[];
}

const SOURCE = /^x_j(?:_(\d+))?$/;
const TARGET = /^x_i(?:_(\d+))?$/;

/** Parse a coupling's expressions and check every name, before any work. */
export function couplingSymbols(c: CouplingSpec, ncv: number): CouplingSymbols {
  const pre = parseExpr(c.pre, { field: `coupling ${c.name}.pre` });
  const post = parseExpr(c.post, { field: `coupling ${c.name}.post` });
  const params = new Set(Object.keys(c.parameters));
  const preSymbols = freeSymbols(pre);
  const sourceRows = new Set<number>();
  let readsTarget = false;
  const preParameters: string[] = [];
  for (const s of preSymbols) {
    const src = SOURCE.exec(s), tgt = TARGET.exec(s);
    const row = src?.[1] ?? tgt?.[1];
    if (row !== undefined && Number(row) >= ncv) throw new Error(`coupling ${c.name}.pre: '${s}' names coupling row ${row}, but the model has ${ncv} coupling variable(s)`);
    if (src) sourceRows.add(src[1] === undefined ? -1 : Number(src[1]));
    else if (tgt) readsTarget = true;
    else if (params.has(s)) preParameters.push(s);
    else if (!(s in CONSTANTS)) throw new Error(`coupling ${c.name}.pre: unknown name '${s}'; expected x_j, x_i, x_j_K, x_i_K or one of its parameters: ${[...params].join(', ')}`);
  }
  for (const s of freeSymbols(post)) {
    if (s !== 'gx' && !params.has(s) && !(s in CONSTANTS)) throw new Error(`coupling ${c.name}.post: unknown name '${s}'; expected gx or one of its parameters: ${[...params].join(', ')}`);
  }
  return { pre, post, preSymbols, sourceRows, readsTarget, preParameters };
}

export type CouplingKind =
  /** pre(x_j) applied once as values enter the history; a link is w·pbuf */
  | 'pretransform'
  /** the per-link term is evaluated per link (reads x_i or per-node parameters) */
  | 'per-link'
  /** TVB's PreSigmoidal gathering */
  | 'presigmoidal';

export interface CouplingClass extends CouplingSymbols {
  name: string;
  kind: CouplingKind;
  /** One value computed and delivered in every row (SigmoidalJansenRit). */
  shared: boolean;
  /** Rows the gather computes: 1 when shared, else one per coupling variable. */
  rows: number;
}

/** Classify a coupling for a run, given how its parameters vary (per node or not). */
export function classifyCoupling(c: CouplingSpec, ncv: number, paramKinds: Record<string, ParamKind>): CouplingClass {
  const s = couplingSymbols(c, ncv);
  const shared = c.rows === 'shared';
  const perNodePre = s.preParameters.some((n) => paramKinds[n] === 'node' || paramKinds[n] === 'batchnode');
  const kind: CouplingKind = c.links === 'tvb-presigmoidal' ? 'presigmoidal' : s.readsTarget || perNodePre ? 'per-link' : 'pretransform';
  return { ...s, name: c.name, kind, shared, rows: shared ? 1 : ncv };
}
