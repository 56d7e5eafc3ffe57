/**
 * What the queue runs, whatever it is: a sweep (units = chunks of points) or a multi-start fit
 * (units = starts). The coordinator, the worker and the gather job see only units with keys, an
 * `evaluate` that returns a unit's output as exact JSON, and a `gather` that turns the stored
 * outputs into the result — the same functions the local executor uses, so every executor gets
 * the same numbers.
 */
import { evaluateChunk, explorationFromChunks, type ChunkOutput } from '../explore.js';
import { ExplorationResult } from '../exploration-result.js';
import { MultiStartResult, runStart, type StartOutcome } from '../multistart.js';
import { Space } from '../../src/space/space.js';
import type { SimulationConfig } from '../../src/simulation/config.js';
import { chunkKey, decodeChunk, encodeChunk, sweepChunks } from './chunks.js';
import { exactParse, exactStringify } from './exact.js';
import { checkMultiStart, MULTISTART_SCHEMA, multiStartId, startKey, type MultiStartSpec } from './fits.js';
import { buildObservables, checkSweep, configFromJson, sweepId, SWEEP_SCHEMA, type SweepSpec } from './sweep.js';

export interface WorkUnit {
  index: number;
  key: string;
  /** Points of a chunk, or 1 for a start: what progress counts. */
  size: number;
}

export interface UnitOutput {
  encoded: string;
  /** Points that diverged (sweep) or starts that failed (fit): recorded, not retried. */
  failed: number;
}

export interface Workload {
  readonly kind: 'sweep' | 'fit';
  readonly id: string;
  readonly name: string;
  readonly total: number;
  readonly units: WorkUnit[];
  evaluate(index: number, threads?: number): Promise<UnitOutput>;
  /**
   * The result as exact JSON from the stored unit outputs (by key); a unit with no output is
   * recorded as failed with the reason given in `failed` (by key).
   */
  gather(stored: Record<string, string>, failed: Map<string, string>, seconds: number, metadata: Record<string, unknown>): string;
}

/** A spec read back from a queue or a file, checked; sweeps and fits are told apart by their schema. */
export function workloadOf(spec: unknown, where: string): Workload {
  const schema = (spec as { schema?: unknown } | null)?.schema;
  if (schema === SWEEP_SCHEMA) return sweepWorkload(checkSweep(spec, where));
  if (schema === MULTISTART_SCHEMA) return fitWorkload(checkMultiStart(spec, where));
  throw new Error(`${where}: schema ${JSON.stringify(schema)}; expected ${SWEEP_SCHEMA} or ${MULTISTART_SCHEMA}`);
}

export function sweepWorkload(spec: SweepSpec): Workload {
  const id = sweepId(spec);
  const base = configFromJson(spec.base);
  const space = Space.fromJSON(spec.space);
  const observables = buildObservables(spec.observables);
  const chunks = sweepChunks(spec);
  const obsNames = Object.keys(observables);
  return {
    kind: 'sweep', id, name: spec.name, total: space.size,
    units: chunks.map((c) => ({ index: c.index, key: chunkKey(id, space, c), size: c.points.length })),
    async evaluate(index, threads) {
      const out = await evaluateChunk(base, space, observables, chunks[index], threads, spec.record);
      return { encoded: encodeChunk(out), failed: out.divergences.length };
    },
    gather(stored, failed, seconds, metadata) {
      const outputs = chunks.map((c): ChunkOutput => {
        const key = chunkKey(id, space, c);
        if (stored[key] !== undefined) return decodeChunk(stored[key], `sweep ${id} chunk ${key}`);
        const reason = `chunk ${c.index} failed: ${failed.get(key) ?? 'its result is missing'}`;
        return { values: Object.fromEntries(obsNames.map((n) => [n, new Float64Array(c.points.length).fill(NaN)])), divergences: c.points.map((index) => ({ index, reason })) };
      });
      const res = explorationFromChunks({ name: spec.name, base, space, observables: obsNames, chunks, outputs, batchSize: spec.chunkSize, seconds, metadata: { sweepId: id, ...metadata } });
      return encodeExploration(res);
    },
  };
}

export function fitWorkload(spec: MultiStartSpec): Workload {
  const id = multiStartId(spec);
  const config: SimulationConfig | undefined = spec.fit.kind !== 'eib-gradient' ? configFromJson(spec.fit.config) : undefined;
  return {
    kind: 'fit', id, name: spec.name, total: spec.starts.length,
    units: spec.starts.map((_, k) => ({ index: k, key: startKey(id, spec, k), size: 1 })),
    async evaluate(index) {
      const out = await runStart(spec.fit, spec.starts[index], index, config);
      return { encoded: exactStringify(out), failed: out.error ? 1 : 0 };
    },
    gather(stored, failed, _seconds, metadata) {
      const outcomes = spec.starts.map((_, k): StartOutcome => {
        const key = startKey(id, spec, k);
        if (stored[key] !== undefined) return exactParse<StartOutcome>(stored[key]);
        return { index: k, score: NaN, state: {}, lossTrajectory: [], observations: {}, seconds: 0, error: `start ${k} failed: ${failed.get(key) ?? 'its result is missing'}` };
      });
      return encodeMultiStart(new MultiStartResult(spec.name, spec.fit.kind, outcomes, { fitId: id, ...metadata }));
    },
  };
}

/** An ExplorationResult as exact JSON (values, time series and all). */
export function encodeExploration(r: ExplorationResult): string {
  return exactStringify({ name: r.name, space: r.space.toJSON(), results: r.results, metadata: r.metadata, timeseries: r.timeseries });
}

export function decodeExploration(s: string, where: string): ExplorationResult {
  const j = exactParse<{ name: string; space: never; results: Record<string, Float64Array>; metadata: Record<string, unknown>; timeseries?: ExplorationResult['timeseries'] }>(s);
  if (!j || typeof j.results !== 'object') throw new Error(`${where}: not a stored exploration result`);
  return new ExplorationResult(j.name, Space.fromJSON(j.space), j.results, j.metadata, j.timeseries ?? undefined);
}

export function encodeMultiStart(r: MultiStartResult): string {
  return exactStringify({ name: r.name, kind: r.kind, starts: r.starts, metadata: r.metadata });
}

export function decodeMultiStart(s: string, where: string): MultiStartResult {
  const j = exactParse<{ name: string; kind: MultiStartResult['kind']; starts: StartOutcome[]; metadata: Record<string, unknown> }>(s);
  if (!j || !Array.isArray(j.starts)) throw new Error(`${where}: not a stored multi-start result`);
  return new MultiStartResult(j.name, j.kind, j.starts, j.metadata);
}
