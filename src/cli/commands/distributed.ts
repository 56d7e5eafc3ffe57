/**
 * Queue mode of explorations: `vbt worker --queue redis://host:port/db` runs chunk and gather jobs
 * (any number of workers, on any machine that reaches the Redis server); `vbt queue status` shows
 * each sweep's progress. Sweeps are submitted with `vbt explore … --queue URL`.
 */
import type { Command } from 'commander';
import { parseNumber } from '../parse.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run exploration chunks and multi-start fit starts from a BullMQ queue until stopped (SIGINT/SIGTERM finish the active job first).')
    .requiredOption('--queue <url>', 'Redis URL, redis://host:port/db')
    .option('--queue-name <name>', 'queue name', 'explore')
    .option('--threads <n>', 'kernel worker threads per chunk (default: all cores)')
    .option('--stall-timeout <s>', 'seconds after which a silent job is handed to another worker (keep above the longest chunk)', '60')
    .option('--exit-when-idle <s>', 'exit once the queue has had no unfinished job for this long (batch systems)')
    .option('-q, --quiet', 'no line per job')
    .action(async (o) => {
      const { startWorker } = await import('../../../algorithms/distributed/index.js');
      // experiment files' explorations (execution: {queue}) carry their observations as data
      (await import('../../experiment/queue-observables.js')).registerExperimentObservables();
      const w = await startWorker({
        url: o.queue, name: o.queueName, threads: o.threads ? parseNumber(o.threads, '--threads') : undefined,
        stallTimeout: parseNumber(o.stallTimeout, '--stall-timeout'),
        exitWhenIdle: o.exitWhenIdle !== undefined ? parseNumber(o.exitWhenIdle, '--exit-when-idle') : undefined,
        log: o.quiet ? undefined : (line) => console.error(line),
      });
      console.error(`worker on queue '${o.queueName}' at ${o.queue} (pid ${process.pid})`);
      const stop = () => void w.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await w.done;
    });

  program
    .command('queue')
    .description('Inspect a queue of exploration jobs.')
    .command('status')
    .description('Jobs per state and, per sweep: points done, chunks, throughput, ETA, failures.')
    .requiredOption('--queue <url>', 'Redis URL, redis://host:port/db')
    .option('--queue-name <name>', 'queue name', 'explore')
    .option('--json', 'print JSON')
    .action(async (o) => {
      const { queueStatus, formatStatus } = await import('../../../algorithms/distributed/index.js');
      const s = await queueStatus({ url: o.queue, name: o.queueName });
      console.log(o.json ? JSON.stringify(s) : formatStatus(s, o.queue, o.queueName));
    });
}
