/**
 * A multi-start fit as data: the fit (a named `FitJob`) and its initial parameter sets, plain
 * JSON, hashed into an id like a sweep. Each start is one unit of distributed work.
 */
import { createHash } from 'node:crypto';
import { checkStart, type FitJob, type RwwBoldJob, type StartValues, type TensorFitJob } from '../multistart.js';
import type { FitRwwBoldOptions } from '../rww-bold-fit.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { configToJson } from './sweep.js';
import { VBT_VERSION } from './version.js';

export const MULTISTART_SCHEMA = 'vbt-multistart/1';

export interface MultiStartSpec {
  schema: typeof MULTISTART_SCHEMA;
  vbt: string;
  name: string;
  fit: FitJob;
  starts: StartValues[];
}

/** A `fitRwwBold` run as a FitJob: its config as JSON, its initial w and G left to the starts. */
export function rwwBoldJob(o: Omit<FitRwwBoldOptions, 'w' | 'G' | 'onStep' | 'empFc'> & { empFc: ArrayLike<number> }): RwwBoldJob {
  const { config, empFc, ...rest } = o;
  return { kind: 'rww-bold', config: configToJson(config), empFc: Array.from(empFc), ...rest };
}

/** A tensor-engine `fit` as a FitJob: its config as JSON, the free parameters' initial values left to the starts. */
export function tensorFitJob(o: Omit<TensorFitJob, 'kind' | 'config'> & { config: SimulationConfig }): TensorFitJob {
  const { config, ...rest } = o;
  return { kind: 'tensor', config: configToJson(config), ...rest };
}

/**
 * Build a multi-start fit; every start is checked against the fit (names, lengths, finite values)
 * before any work.
 */
export function makeMultiStart(o: { name?: string; fit: FitJob; starts: StartValues[] }): MultiStartSpec {
  const spec: MultiStartSpec = { schema: MULTISTART_SCHEMA, vbt: VBT_VERSION, name: o.name ?? 'fit', fit: o.fit, starts: o.starts };
  return checkMultiStart(JSON.parse(JSON.stringify(spec)), 'multi-start fit');
}

/** Check a multi-start fit read from elsewhere (a queue, a file) before any work. */
export function checkMultiStart(s: unknown, where: string): MultiStartSpec {
  const o = s as MultiStartSpec;
  if (!o || typeof o !== 'object' || o.schema !== MULTISTART_SCHEMA) throw new Error(`${where}: schema ${JSON.stringify(o?.schema)}; expected ${MULTISTART_SCHEMA}`);
  if (o.vbt !== VBT_VERSION) throw new Error(`${where}: the fit was written by vbt ${o.vbt}; this is vbt ${VBT_VERSION}`);
  const kind = (o.fit as { kind?: unknown } | undefined)?.kind;
  if (kind !== 'eib-gradient' && kind !== 'rww-bold' && kind !== 'tensor') throw new Error(`${where}: fit.kind ${JSON.stringify(kind)}; expected 'eib-gradient', 'rww-bold' or 'tensor'`);
  if (!Array.isArray(o.starts) || o.starts.length === 0) throw new Error(`${where}: starts is ${JSON.stringify(o.starts)}; expected a non-empty list of initial parameter sets`);
  o.starts.forEach((st, k) => checkStart(o.fit, st, `${where} start ${k}`));
  return o;
}

/** `<fit id>.<start index>.<hash of its values>`: the start's queue job id and result field. */
export function startKey(id: string, s: MultiStartSpec, k: number): string {
  return `${id}.${k}.${createHash('sha256').update(JSON.stringify(s.starts[k])).digest('hex').slice(0, 12)}`;
}

/** The id: the first 16 hex digits of the SHA-256 of its JSON (version included). */
export function multiStartId(s: MultiStartSpec): string {
  return createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 16);
}
