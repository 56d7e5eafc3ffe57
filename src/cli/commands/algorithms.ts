/**
 * `vbt explore` (batched parameter sweep on the kernel engine → ExplorationResult, JSON or netCDF,
 * with `--record` a time series per point), `vbt fic` (feedback inhibition control) and `vbt eib`
 * (E/I-balance tuning) on the two-channel Wong–Wang E/I network, with the dk_average data or a TVB
 * connectivity ZIP; `--record-monitor` keeps their pre/post-tuning runs in an ExperimentResult file.
 */
import { emit } from '../output.js';
import { Command, Option } from 'commander';
import {
  grid, logGrid, values, product, sobolSamples, randomSamples, loadDkAverage, maxNormalized,
  dkAveragePath, EibNetwork, fic, eib, type Space, type FicRule, type TuningRecord,
} from '../../../algorithms/index.js';
import { ExperimentResult, type AlgorithmResult } from '../../results/experiment.js';
import { MONITOR_HELP } from '../monitor.js';
import { Connectivity } from '../../network/connectivity.js';
import { readTvbConnectivityZip } from '../../network/tvb-zip.js';
import { parseMonitor } from '../main.js';
import type { SquareMatrix } from '../../analysis/fc.js';
import type { SimulationConfig } from '../../simulation/config.js';
import { collectKv, parseInteger, parseNonNegative, parseNumber, parsePositive } from '../parse.js';

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** NAME=LO:HI:N */
function parseRange(s: string, flag: string): [string, number, number, number] {
  const m = /^([^=]+)=([^:]+):([^:]+):(\d+)$/.exec(s);
  if (!m) throw new Error(`${flag}: '${s}' is not NAME=LO:HI:N (e.g. coupling.a=0:0.5:8)`);
  return [m[1], parseNumber(m[2], `${flag} ${m[1]} lo`), parseNumber(m[3], `${flag} ${m[1]} hi`), Number(m[4])];
}

/** The network: a TVB ZIP, or dk_average (SC/max, no delays) with its empirical FC. */
function loadNetwork(o: { connectivity?: string; dkAverage?: string | boolean }): { conn: Connectivity; fc?: SquareMatrix } {
  if (o.connectivity) return { conn: readTvbConnectivityZip(o.connectivity) };
  const dk = loadDkAverage(typeof o.dkAverage === 'string' ? o.dkAverage : dkAveragePath());
  const sc = maxNormalized(dk.connectivity);
  return { conn: new Connectivity({ n: sc.n, weights: sc.weights, tractLengths: new Float64Array(sc.n * sc.n), labels: sc.labels, name: 'dk_average (SC/max, no delays)' }), fc: dk.fc };
}

function eibNetwork(o: Record<string, string | boolean | undefined>): { net: EibNetwork; fc?: SquareMatrix; labels: readonly string[] } {
  const { conn, fc } = loadNetwork(o as never);
  const sigma = parseNumber(String(o.sigma ?? '0.01'), '--sigma');
  const net = new EibNetwork({ n: conn.n, weights: conn.weights, dt: parseNumber(String(o.dt ?? '4'), '--dt'), nsig: 0.5 * sigma * sigma, seed: parseNumber(String(o.seed ?? '42'), '--seed') });
  return { net, fc, labels: conn.labels };
}

/**
 * The pre/post-tuning recording of `vbt fic`/`vbt eib` (the API's `record`), checked with the output
 * before any work: the recorded runs live in an ExperimentResult netCDF file, since the JSON of an
 * AlgorithmResult has no place for them.
 */
function tuningRecord(o: Record<string, unknown>): Omit<TuningRecord, 'labels'> | undefined {
  const monitors = o.recordMonitor as string[];
  const extra = (['recordDuration', 'recordTransient', 'recordSeed'] as const).filter((k) => o[k] !== undefined);
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (!monitors.length) {
    if (extra.length) throw new Error(`${extra.map(flag).join(', ')}: needs --record-monitor (what the pre/post-tuning runs observe)`);
    return undefined;
  }
  if (!o.out) throw new Error('--record-monitor: the recorded runs need a file; give --out FILE.nc (an ExperimentResult holding the AlgorithmResult and both runs)');
  if (String(o.out).toLowerCase().endsWith('.json')) throw new Error(`--record-monitor: --out ${o.out} is JSON, which has no place for the pre/post-tuning simulations; give a netCDF file (.nc)`);
  return {
    monitors: monitors.map(parseMonitor),
    duration: parsePositive(String(o.recordDuration ?? o.eval), o.recordDuration !== undefined ? '--record-duration' : '--eval (the default --record-duration)'),
    transient: o.recordTransient !== undefined ? parseNonNegative(String(o.recordTransient), '--record-transient') : 0,
    ...(o.recordSeed !== undefined ? { seed: parseInteger(String(o.recordSeed), '--record-seed', 0) } : {}),
  };
}

/** `.json`: the AlgorithmResult alone; otherwise an ExperimentResult netCDF file with it under `name` (and any recorded runs). */
async function writeTuning(r: AlgorithmResult, out: string, name: string): Promise<void> {
  if (out.toLowerCase().endsWith('.json')) r.save(out);
  else await new ExperimentResult({ id: name, algorithms: { [name]: r } }).save(out);
  console.log(`result written to ${out}${r.postTuningSimulation ? ` (ExperimentResult: algorithms.${name} with its pre/post-tuning simulations)` : ''}`);
}

/**
 * `--record` against the run's monitors: a name (case as the registry's) or an index, returned as the
 * monitor's name so the result and the sweep id do not depend on how it was spelled; bare `--record`
 * is the first monitor.
 */
function recordedMonitor(v: string | true, monitors: { name: string }[]): string {
  const listed = monitors.map((m, k) => `${k}: ${m.name}`).join(', ');
  if (v === true) return monitors[0].name;
  const k = /^\d+$/.test(v) ? Number(v) : monitors.findIndex((m) => m.name.toLowerCase() === v.toLowerCase());
  if (!(k >= 0 && k < monitors.length)) throw new Error(`--record: '${v}' is not one of this run's monitors (${listed}); give its name or index, and add it with --monitor`);
  const name = monitors[k].name;
  if (monitors.filter((m) => m.name === name).length > 1) throw new Error(`--record: the run has several ${name} monitors (${listed}); a recorded monitor is named, so give each monitor once`);
  return name;
}

export function register(program: Command): void {
  program
    .command('explore')
    .description('Batched parameter exploration on the kernel engine; writes an ExplorationResult (.json, or netCDF .nc) with asGrid/slice/optimal views and, with --record, a time series per point.')
    .option('-m, --model <name>', 'model (catalogue name or YAML path)', 'ReducedWongWang')
    .option('-c, --connectivity <zip>', 'TVB connectivity ZIP (default: dk_average, SC/max, no delays)')
    .option('--dk-average [dir]', 'use dk_average (default $VBT_SHARED/data/dk_average or ../shared/data/dk_average)')
    .option('--coupling <name>', 'coupling function', 'Linear')
    .option('-p, --param <name=value>', 'fixed model parameter (repeatable)', collectKv, {})
    .option('--grid <name=lo:hi:n>', 'linear grid axis (repeatable; product of all axes)', collect, [])
    .option('--log-grid <name=lo:hi:n>', 'log-spaced axis (repeatable)', collect, [])
    .option('--values <name=v1,v2,...>', 'explicit values axis (repeatable)', collect, [])
    .option('--sobol <n>', "instead of grids: n Sobol' points in the boxes given by --grid (lo:hi)")
    .option('--random <n>', 'instead of grids: n uniform random points in the --grid boxes')
    .option('--dt <ms>', 'integration step', '4')
    .option('--noise <nsig>', 'additive noise dispersion', '4e-6')
    .option('--seed <n>', 'noise seed', '42')
    .option('--transient <ms>', 'discarded first', '20000')
    .option('-d, --duration <ms>', 'recorded time', '90000')
    .addOption(new Option('--monitor <spec>', 'monitor, e.g. Bold:1000 or TemporalAverage:10 (repeatable; the observable reads the first)').argParser(collect).default([], 'Bold:1000'))
    .option('--record [monitor]', 'keep every point\'s time series of this monitor (name or 0-based index among the --monitor; default the first) in the result')
    .addOption(new Option('--observable <kind>', 'fc: fc_corr and RMSE vs the empirical FC (dk_average); mean: mean of the first monitor\'s whole output').choices(['fc', 'mean']).default('fc'))
    .option('--skip <n>', 'samples dropped before the FC', '20')
    .option('--batch-size <n>', 'points per batched run', '32')
    .option('--threads <n>', 'worker threads')
    .option('-o, --out <file>', 'result file: .json or netCDF (.nc/.h5)', 'out/exploration.json')
    .option('-q, --quiet', 'no progress bar')
    .option('--queue <url>', 'run on a BullMQ queue at redis://host:port/db (start workers with `vbt worker --queue URL`)')
    .option('--queue-name <name>', 'queue name (several queues can share one Redis)', 'explore')
    .option('--chunk-size <n>', 'queue mode: points per job (default: measured from --target-seconds)')
    .option('--target-seconds <s>', 'queue mode: CPU seconds per job on one core, for the measured chunk size', '10')
    .option('--resume <sweep-id>', 'queue mode: finish the sweep with this id (its coordinator died); needs only --queue and --out')
    .action(async (o) => {
      if (o.resume) {
        if (!o.queue) throw new Error('--resume needs --queue redis://host:port/db');
        const { QueueExecutor } = await import('../../../algorithms/distributed/index.js');
        const res = await new QueueExecutor({ url: o.queue, name: o.queueName, progress: o.quiet ? false : undefined }).resume(o.resume);
        await res.save(o.out);
        console.log(`sweep ${o.resume}: ${res.space.size} points; result written to ${o.out}`);
        return;
      }
      const { conn, fc } = loadNetwork(o);
      const boxes = (o.grid as string[]).map((s) => parseRange(s, '--grid'));
      let space: Space;
      if (o.sobol || o.random) {
        if (!boxes.length) throw new Error('--sobol/--random: give the box of each parameter with --grid NAME=LO:HI:N (N is ignored)');
        const b = Object.fromEntries(boxes.map(([nm, lo, hi]) => [nm, [lo, hi] as [number, number]]));
        space = o.sobol ? sobolSamples(b, Number(o.sobol)) : randomSamples(b, Number(o.random), Number(o.seed));
      } else {
        const axes = [
          ...boxes.map(([nm, lo, hi, n]) => grid(nm, lo, hi, n)),
          ...(o.logGrid as string[]).map((s) => { const [nm, lo, hi, n] = parseRange(s, '--log-grid'); return logGrid(nm, lo, hi, n); }),
          ...(o.values as string[]).map((s) => {
            const eq = s.indexOf('=');
            if (eq < 1) throw new Error(`--values: '${s}' is not NAME=v1,v2,...`);
            return values(s.slice(0, eq), s.slice(eq + 1).split(',').map((x) => parseNumber(x, `--values ${s.slice(0, eq)}`)));
          }),
        ];
        if (!axes.length) throw new Error('explore: give at least one --grid, --log-grid or --values axis');
        space = product(...axes);
      }
      const parameters: Record<string, number> = {};
      for (const [k, v] of Object.entries(o.param as Record<string, string>)) parameters[k] = parseNumber(v, `--param ${k}`);
      const base: SimulationConfig = {
        model: o.model, parameters, connectivity: conn, coupling: o.coupling,
        integrator: { name: 'Heun', dt: parseNumber(o.dt, '--dt'), noise: { nsig: parseNumber(o.noise, '--noise'), seed: Number(o.seed) } },
        transient: parseNumber(o.transient, '--transient'), duration: parseNumber(o.duration, '--duration'), monitors: ((o.monitor as string[]).length ? o.monitor as string[] : ['Bold:1000']).map(parseMonitor),
      };
      const record = o.record === undefined ? undefined : recordedMonitor(o.record, base.monitors!);
      if (o.observable === 'fc' && !fc) throw new Error('--observable fc needs an empirical FC: use --dk-average (or --observable mean)');
      const { makeSweep, calibrateChunkSize, LocalExecutor, QueueExecutor, openRedis } = await import('../../../algorithms/distributed/index.js');
      if (o.queue) (await openRedis(o.queue)).disconnect(); // an unreachable Redis fails now, not after calibration
      const observables = o.observable === 'fc' ? { kind: 'fc' as const, target: Array.from(fc!.data), n: fc!.n, monitor: 0, skip: Number(o.skip) } : { kind: 'mean' as const };
      let chunkSize = Number(o.queue ? o.chunkSize ?? 0 : o.batchSize);
      if (o.queue && !o.chunkSize) {
        const cal = await calibrateChunkSize(makeSweep({ name: 'cli', base, space, observables, chunkSize: 1, record }), parseNumber(o.targetSeconds, '--target-seconds'));
        chunkSize = cal.chunkSize;
        if (!o.quiet) console.error(`measured ${cal.secondsPerPoint.toFixed(3)} CPU-s per point → ${chunkSize} points per job (~${o.targetSeconds} s)`);
      }
      const sweep = makeSweep({ name: 'cli', base, space, observables, chunkSize, record });
      const progress = o.quiet ? false : undefined;
      const executor = o.queue
        ? new QueueExecutor({ url: o.queue, name: o.queueName, progress, onSubmitted: (id) => console.error(`sweep ${id} in queue '${o.queueName}' at ${o.queue} (resume with --resume ${id})`) })
        : new LocalExecutor({ threads: o.threads ? Number(o.threads) : undefined, progress });
      const res = await executor.run(sweep);
      const key = o.observable === 'fc' ? 'fc_corr' : 'mean';
      const best = res.optimal(key, o.observable === 'fc' ? 'max' : 'min');
      await res.save(o.out);
      const ts = res.timeseries;
      const recorded = ts && { monitor: record, outputs: ts.outputNames, samples: ts.time.length, nodes: ts.nodes, dt: ts.dt };
      emit({ points: res.space.size, shape: res.shape, seconds: res.metadata.seconds, best: { observable: key, value: best.value, parameters: best.parameters }, ...(recorded ? { recorded } : {}), out: o.out },
        `${res.space.size} points (shape ${res.shape.join('×')}) in ${(res.metadata.seconds as number).toFixed(1)} s; best ${key} ${best.value.toFixed(4)} at ${JSON.stringify(best.parameters)}\n${recorded ? `recorded ${record} per point: ${recorded.samples} samples × ${recorded.outputs.join(', ')} × ${recorded.nodes} nodes\n` : ''}result written to ${o.out}`);
    });

  const eibOptions = (c: Command) =>
    c
      .option('-c, --connectivity <zip>', 'TVB connectivity ZIP (default: dk_average)')
      .option('--dk-average [dir]', 'dk_average folder')
      .option('--dt <ms>', 'integration step', '4')
      .option('--sigma <s>', 'noise σ on S_e (nsig = σ²/2)', '0.01')
      .option('--seed <n>', 'noise seed', '42')
      .option('-o, --out <file>', 'AlgorithmResult JSON (.json), or an ExperimentResult netCDF file (.nc) holding it and any recorded runs')
      .option('-q, --quiet', 'no progress bar')
      .addOption(new Option('--record-monitor <spec>', `record full pre- and post-tuning simulations observed by this monitor (same start and noise; untuned vs tuned values); needs --out FILE.nc. ${MONITOR_HELP}`).argParser(collect).default([], 'none'))
      .option('--record-duration <ms>', 'recorded length of those runs (default: the --eval length)')
      .option('--record-transient <ms>', 'simulated first and discarded in those runs (default 0)')
      .option('--record-seed <n>', 'noise seed of both recorded runs (default: --seed)');

  eibOptions(
    program
      .command('fic')
      .description('Feedback inhibition control on the two-population Wong–Wang E/I network: gating target ⟨S_e⟩ (Schirner/tvboptim) or Deco 2014 current/rate.')
      .addOption(new Option('--rule <kind>', 'update rule').choices(['gating', 'deco2014']).default('gating'))
      .option('--target <value>', 'gating: ⟨S_e⟩ target (0.25); deco2014: current in nA (−0.026)')
      .option('--rate <hz>', 'deco2014: target rate instead of current (e.g. 3)')
      .option('--eta <x>', 'learning rate (0.5)', '0.5')
      .option('-n, --iterations <n>', 'iterations of 720 ms', '200')
      .option('--transient <ms>', 'simulated before the first update', '60000')
      .option('--eval <ms>', 'length of the pre/post evaluation runs', '60000'),
  ).action(async (o) => {
    const rec = tuningRecord(o);
    const { net, labels } = eibNetwork(o);
    const eta = parseNumber(o.eta, '--eta');
    const rule: FicRule = o.rule === 'gating'
      ? { kind: 'gating', target: o.target !== undefined ? parseNumber(o.target, '--target') : 0.25, eta }
      : { kind: 'deco2014', eta, ...(o.rate !== undefined ? { rate: parseNumber(o.rate, '--rate') } : { current: o.target !== undefined ? parseNumber(o.target, '--target') : -0.026 }) };
    const r = fic({ network: net, rule, iterations: Number(o.iterations), transientSteps: Math.round(parseNumber(o.transient, '--transient') / net.dt), evaluation: { steps: Math.round(parseNumber(o.eval, '--eval') / net.dt) }, ...(rec ? { record: { ...rec, labels } } : {}), progress: o.quiet ? false : undefined });
    const pre = r.preTuning!.metrics, post = r.postTuning!.metrics;
    console.log(`FIC ${o.rule}: ${r.nIterations} iterations in ${r.seconds.toFixed(1)} s`);
    console.log(`  before: mean S_e ${pre.meanS_e.toFixed(4)}, rate ${pre.meanRate.toFixed(3)} Hz, current ${pre.meanCurrent.toFixed(4)} nA`);
    console.log(`  after:  mean S_e ${post.meanS_e.toFixed(4)}, rate ${post.meanRate.toFixed(3)} Hz, current ${post.meanCurrent.toFixed(4)} nA`);
    if (o.out) await writeTuning(r, o.out, 'fic');
  });

  eibOptions(
    program
      .command('eib')
      .description('E/I-balance tuning (Schirner et al. 2023) of wLRE/wFFI against the dk_average empirical FC, FIC inside.')
      .option('-n, --iterations <n>', 'EIB iterations (one 720 ms TR each)', '2000')
      .option('--eta <x>', 'EIB learning rate (linear warm-up)', '0.005')
      .option('--window <n>', 'sliding window in BOLD samples', '150')
      .option('--warmup <n>', 'iterations of the linear learning-rate warm-up (default: all of them)')
      .addOption(new Option('--keep <which>', 'values kept: last iteration (tvboptim), best window fc_corr, or average of the last --average-over').choices(['last', 'best', 'average']).default('last'))
      .option('--average-over <n>', 'iterations averaged by --keep average (default: the window)')
      .option('--eval-seeds <list>', 'noise seeds of the fresh evaluation runs (comma-separated; not the tuning --seed)', '1234')
      .option('--transient <ms>', 'simulated before the FIC phase', '300000')
      .option('--eval <ms>', 'recorded length of each evaluation run (FC without its first 20 TRs)', '300000'),
  ).action(async (o) => {
    const rec = tuningRecord(o);
    const { net, fc, labels } = eibNetwork(o);
    if (!fc) throw new Error('vbt eib: needs the empirical FC; use --dk-average (a TVB ZIP carries no FC)');
    const seeds = String(o.evalSeeds).split(',').map((v) => parseNumber(v, '--eval-seeds'));
    if (seeds.includes(parseNumber(String(o.seed), '--seed'))) throw new Error(`vbt eib: --eval-seeds ${o.evalSeeds} contains the tuning --seed ${o.seed}; evaluate on noise never used in tuning`);
    const r = eib({
      network: net, targetFc: fc, iterations: Number(o.iterations), eta: parseNumber(o.eta, '--eta'), window: Number(o.window), keep: o.keep,
      ...(o.warmup !== undefined ? { warmup: parseNumber(o.warmup, '--warmup') } : {}), ...(o.averageOver !== undefined ? { averageOver: parseNumber(o.averageOver, '--average-over') } : {}),
      transient: parseNumber(o.transient, '--transient'), evaluation: { seeds, steps: Math.round(parseNumber(o.eval, '--eval') / net.dt) }, ...(rec ? { record: { ...rec, labels } } : {}), progress: o.quiet ? false : undefined,
    });
    const pre = r.preTuning!.metrics, post = r.postTuning!.metrics;
    console.log(`EIB: ${r.nIterations} iterations in ${r.seconds.toFixed(1)} s (keep ${o.keep})`);
    console.log(`  before: fc_corr ${pre.fc_corr.toFixed(4)}  RMSE ${pre.rmse.toFixed(4)}`);
    console.log(`  after:  fc_corr ${post.fc_corr.toFixed(4)}  RMSE ${post.rmse.toFixed(4)}${seeds.length > 1 ? `  (mean of seeds ${seeds.join(', ')}: ${seeds.map((s) => post[`fc_corr@${s}`].toFixed(4)).join(' / ')})` : ''}`);
    if (o.out) await writeTuning(r, o.out, 'eib');
  });
}
