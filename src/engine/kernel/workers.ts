/** The kernel engine's worker threads: the pool every batched run (region or surface) draws from. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled random module that worker threads import for noise. Workers run plain JS, so from
 * TypeScript sources (tests) they use the build in dist/ (made by `npm install`); when neither is
 * there, batched noisy runs stay in this thread.
 */
export function rngModuleUrl(): string | undefined {
  const here = new URL('../../random/index.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here.href;
  const built = new URL('../../../dist/src/random/index.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built.href : undefined;
}

export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async (msg) => {
  try {
    const ctx = msg.ctx;
    if (msg.rng) ctx.Rng = (await import(msg.rng)).RandomState;
    const prog = new Function('ctx', msg.source)(ctx);
    const total = msg.transientSteps + msg.nSteps;
    const progress = (d) => parentPort.postMessage({ progress: d, total });
    if (msg.transientSteps) prog.run(msg.s0, msg.transientSteps, false, msg.s0, progress);
    prog.run(msg.s0 + msg.transientSteps, msg.nSteps, true, msg.s0, (d) => progress(msg.transientSteps + d));
    const outputs = prog.results();
    parentPort.postMessage({ outputs, state: prog.state }, [...outputs.map((o) => o.data.buffer), prog.state.buffer]);
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.stack || e), divergence: e && e.divergence });
  }
});`;

/**
 * Idle kernel workers, kept between runs: starting a worker costs ~50–100 ms, which dominated
 * short batched runs (explorations of 2 s simulations). Idle workers are unref'd, so they never
 * keep the process alive.
 */
const idleWorkers: Worker[] = [];

export function takeWorker(): Worker {
  const w = idleWorkers.pop() ?? new Worker(WORKER_SOURCE, { eval: true });
  w.ref();
  return w;
}

export function releaseWorker(w: Worker): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.unref();
  if (idleWorkers.length < availableParallelism()) idleWorkers.push(w);
  else void w.terminate();
}
