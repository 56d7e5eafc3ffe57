/**
 * `vbt eib-gradient`: gradient E/I tuning (J_i, wLRE, wFFI by AdaMax through the exact float64
 * adjoint) of the two-channel Wong–Wang E/I network against the dk_average empirical FC. With
 * `--starts N` it is a multi-start fit (tvboptim's start, then N − 1 perturbed ones; the best by
 * final loss), run here or, with `--queue`, by `vbt worker`s on a BullMQ queue.
 */
import { Command, Option } from 'commander';
import {
  eibGradientSetup, eibGradientFit, loadDkAverage, maxNormalized, dkAveragePath, perturbedStarts, eibStartValues, type EibGradientJob, type MultiStartResult,
} from '../../../algorithms/index.js';
import { parseInteger, parseNumber } from '../parse.js';

function report(r: MultiStartResult, out?: string): void {
  for (const s of r.starts) {
    const ob = s.observations;
    console.log(`start ${s.index}: ${s.error ? `failed: ${s.error}` : `final loss ${s.score.toFixed(4)}${ob.fc_corr_after !== undefined ? `, fc_corr ${ob.fc_corr_before.toFixed(4)} → ${ob.fc_corr_after.toFixed(4)}` : ''}`}${s.index === r.best ? '  (best)' : ''}`);
  }
  if (r.best >= 0) console.log(`best: start ${r.best} (lowest final loss of the ${r.starts.length})`);
  if (out) { r.save(out); console.log(`result written to ${out}`); }
}

export function register(program: Command): void {
  program
    .command('eib-gradient')
    .description('Gradient E/I tuning (tvboptim\'s alternative to EIB): J_i, wLRE, wFFI by AdaMax on RMSE(Bold FC) + activity term, dk_average, exact float64 adjoint.')
    .option('--dk-average [dir]', 'dk_average folder (default $VBT_SHARED/data/dk_average or ../shared/data/dk_average)')
    .option('-n, --steps <n>', 'AdaMax steps', '66')
    .option('--lr <x>', 'learning rate', '0.033')
    .option('--duration <ms>', 'simulated time per loss run', '300000')
    .option('--transient <ms>', 'transient before the loss run (once)', '300000')
    .option('--sigma <s>', 'noise σ on S_e', '0.01')
    .option('--skip <n>', 'Bold samples skipped before the FC', '30')
    .option('--activity-weight <x>', 'weight of mean_i(⟨S_e⟩ − 0.25)²', '1')
    .addOption(new Option('--noise <mode>', 'noise of the loss run: a new seed each step, or one realisation throughout').choices(['per-step', 'fixed']).default('per-step'))
    .option('--seed <n>', 'noise seed of the loss runs', '0')
    .option('--eval-seeds <list>', 'comma-separated noise seeds of the fresh evaluation runs', '1001,1002,1003')
    .option('-o, --out <file>', 'OptimizationResult JSON (MultiStartResult JSON with --starts or --queue)')
    .option('-q, --quiet', 'no per-step lines')
    .option('--starts <n>', 'multi-start fit: tvboptim\'s start and n − 1 starts with every entry scaled by a factor in [1 − spread, 1 + spread]', '1')
    .option('--spread <x>', 'multi-start: relative perturbation of the later starts', '0.2')
    .option('--starts-seed <n>', 'multi-start: seed of the perturbations', '0')
    .option('--queue <url>', 'run the starts on a BullMQ queue at redis://host:port/db (start workers with `vbt worker --queue URL`)')
    .option('--queue-name <name>', 'queue name', 'explore')
    .option('--resume <fit-id>', 'queue mode: finish the multi-start fit with this id (its coordinator died); needs only --queue and --out')
    .action(async (o) => {
      const starts = parseInteger(o.starts, '--starts', 1);
      if (o.resume) {
        if (!o.queue) throw new Error('--resume needs --queue redis://host:port/db');
        const { QueueExecutor } = await import('../../../algorithms/distributed/index.js');
        report(await new QueueExecutor({ url: o.queue, name: o.queueName, progress: o.quiet ? false : undefined }).resumeFit(o.resume), o.out);
        return;
      }
      if (starts > 1 || o.queue) {
        const { makeMultiStart, LocalExecutor, QueueExecutor, openRedis } = await import('../../../algorithms/distributed/index.js');
        if (o.queue) (await openRedis(o.queue)).disconnect(); // an unreachable Redis fails now, before reading data
        const dk = loadDkAverage(typeof o.dkAverage === 'string' ? o.dkAverage : dkAveragePath());
        const sc = maxNormalized(dk.connectivity);
        const evaluationSeeds = String(o.evalSeeds).split(',').filter((s) => s.trim() !== '').map((s) => parseInteger(s.trim(), '--eval-seeds', 0));
        const fit: EibGradientJob = {
          kind: 'eib-gradient',
          setup: {
            n: sc.n, weights: Array.from(sc.weights), targetFc: Array.from(dk.fc.data), sigma: parseNumber(o.sigma, '--sigma'), duration: parseNumber(o.duration, '--duration'),
            transient: parseNumber(o.transient, '--transient'), skip: parseInteger(o.skip, '--skip', 0), activityWeight: parseNumber(o.activityWeight, '--activity-weight'),
          },
          steps: parseInteger(o.steps, '--steps', 0), lr: parseNumber(o.lr, '--lr'), noise: o.noise, seed: parseInteger(o.seed, '--seed', 0), evaluationSeeds,
        };
        const spec = makeMultiStart({
          name: 'eib-gradient', fit,
          starts: perturbedStarts(eibStartValues(sc.n), starts, { spread: parseNumber(o.spread, '--spread'), seed: parseInteger(o.startsSeed, '--starts-seed', 0) }),
        });
        const progress = o.quiet ? false : undefined;
        const executor = o.queue
          ? new QueueExecutor({ url: o.queue, name: o.queueName, progress, onSubmitted: (id) => console.error(`fit ${id} in queue '${o.queueName}' at ${o.queue} (resume with --resume ${id})`) })
          : new LocalExecutor({ progress });
        report(await executor.fit(spec), o.out);
        return;
      }
      const dir = typeof o.dkAverage === 'string' ? o.dkAverage : dkAveragePath();
      const dk = loadDkAverage(dir);
      const sc = maxNormalized(dk.connectivity);
      const setup = eibGradientSetup({
        n: sc.n, weights: sc.weights, targetFc: dk.fc, sigma: parseNumber(o.sigma, '--sigma'), duration: parseNumber(o.duration, '--duration'),
        transient: parseNumber(o.transient, '--transient'), skip: parseInteger(o.skip, '--skip', 0), activityWeight: parseNumber(o.activityWeight, '--activity-weight'),
      });
      const evaluationSeeds = String(o.evalSeeds).split(',').filter((s) => s.trim() !== '').map((s) => parseInteger(s.trim(), '--eval-seeds', 0));
      const r = eibGradientFit({
        setup, steps: parseInteger(o.steps, '--steps', 0), lr: parseNumber(o.lr, '--lr'), noise: o.noise, seed: parseInteger(o.seed, '--seed', 0), evaluationSeeds,
        progress: false,
        onStep: o.quiet ? undefined : (k, v, s) => console.log(`step ${k}: loss ${v.loss.toFixed(4)} RMSE ${v.rmse.toFixed(4)} activity ${v.activity.toExponential(2)} fc_corr ${v.fcCorr.toFixed(3)} (${s.toFixed(1)} s)`),
      });
      const ob = r.observations;
      console.log(`E/I gradient: ${r.nSteps - 1} steps, ${ob.seconds_per_step.toFixed(2)} s per step, ${r.seconds.toFixed(1)} s in all`);
      if (ob.fc_corr_before !== undefined) {
        console.log(`  before: fc_corr ${ob.fc_corr_before.toFixed(4)}  RMSE ${ob.rmse_before.toFixed(4)}`);
        console.log(`  after:  fc_corr ${ob.fc_corr_after.toFixed(4)}  RMSE ${ob.rmse_after.toFixed(4)}`);
      }
      if (o.out) { r.save(o.out); console.log(`result written to ${o.out}`); }
    });
}
