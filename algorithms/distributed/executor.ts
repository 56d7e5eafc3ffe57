/**
 * Where a sweep or a multi-start fit runs. Every executor evaluates the same units with the same
 * code (`evaluateChunk` for a sweep's chunks, `runStart` for a fit's starts) and gathers them with
 * the same function (`explorationFromChunks`, `MultiStartResult`), so the values are bit-identical
 * whichever runs it; only timing metadata differ.
 */
import { evaluateChunk, explorationFromChunks } from '../explore.js';
import type { ExplorationResult } from '../exploration-result.js';
import { MultiStartResult, runStart } from '../multistart.js';
import { makeProgress, type ProgressOption } from '../progress.js';
import { Space } from '../../src/space/space.js';
import { sweepChunks } from './chunks.js';
import { checkMultiStart, multiStartId, type MultiStartSpec } from './fits.js';
import { buildObservables, configFromJson, sweepId, type SweepSpec } from './sweep.js';

export interface Executor {
  /** 'local': this process's worker threads; 'queue': BullMQ workers on a Redis queue. */
  readonly kind: 'local' | 'queue';
  run(sweep: SweepSpec): Promise<ExplorationResult>;
  /** Every start of a multi-start fit; the best start is the result's `best`. */
  fit(spec: MultiStartSpec): Promise<MultiStartResult>;
}

export interface LocalExecutorOptions {
  /** Kernel worker threads (default: all cores). */
  threads?: number;
  progress?: ProgressOption;
}

/** Today's threads: chunk after chunk in this process, each batch spread over worker threads. */
export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  constructor(private readonly opts: LocalExecutorOptions = {}) {}

  async run(sweep: SweepSpec): Promise<ExplorationResult> {
    const base = configFromJson(sweep.base);
    const space = Space.fromJSON(sweep.space);
    const observables = buildObservables(sweep.observables);
    const chunks = sweepChunks(sweep);
    const progress = makeProgress(this.opts.progress, space.size, 'exploring');
    const t0 = performance.now();
    const outputs = [];
    let done = 0;
    for (const c of chunks) {
      outputs.push(await evaluateChunk(base, space, observables, c, this.opts.threads, sweep.record));
      progress.update((done += c.points.length));
    }
    progress.stop();
    return explorationFromChunks({
      name: sweep.name, base, space, observables: Object.keys(observables), chunks, outputs, batchSize: sweep.chunkSize,
      seconds: (performance.now() - t0) / 1000, metadata: { sweepId: sweepId(sweep), executor: 'local' },
    });
  }

  async fit(spec: MultiStartSpec): Promise<MultiStartResult> {
    checkMultiStart(spec, 'multi-start fit');
    const config = spec.fit.kind !== 'eib-gradient' ? configFromJson(spec.fit.config) : undefined;
    const progress = makeProgress(this.opts.progress, spec.starts.length, `${spec.name}: starts`);
    const outcomes = [];
    for (let k = 0; k < spec.starts.length; k++) {
      outcomes.push(await runStart(spec.fit, spec.starts[k], k, config));
      progress.update(k + 1);
    }
    progress.stop();
    return new MultiStartResult(spec.name, spec.fit.kind, outcomes, { fitId: multiStartId(spec), executor: 'local' });
  }
}
