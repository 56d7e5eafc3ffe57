/**
 * The `vbt` command line. commander parses (well kept, typed, generates help); cli-progress draws
 * the progress bar on stderr so stdout stays machine-readable.
 */
import { Command, CommanderError, Option } from 'commander';
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { getModel, listModels } from '../models/catalogue.js';
import { listCouplings, getCoupling } from '../coupling/catalogue.js';
import { simulate } from '../simulation/simulate.js';
import type { MonitorSpec } from '../observation/registry.js';
import { MONITOR_HELP, parseMonitor } from './monitor.js';
import type { IntegratorName, SimulationConfig } from '../simulation/config.js';
import { checkReference, formatCheck } from '../reference/check.js';
import { inferResultFormat, readAnyConnectivity, writeSimulationResult } from '../io/files.js';
import { summarize } from './summary.js';
import { collectKv, opt, parseNumbers } from './parse.js';
import { emit, exitCodeFor, jsonOutput, setJsonOutput } from './output.js';
import { checkOutputPath, setWriteDefaults, trackInputs } from '../io/atomic.js';
import { setCommandLine, vbtVersion } from '../provenance/index.js';
import type { Connectivity } from '../network/connectivity.js';
import type { SimulationResult } from '../results/simulation.js';
import { summaryJson } from './summary.js';
import { commandModules } from './commands/index.js';



export { parseMonitor } from './monitor.js';

/** Run a config (in memory, or streamed to --out), print the summary and warnings, write outputs. */
async function runAndWrite(cfg: SimulationConfig, o: { out?: string; format?: string; stream?: boolean; chunkMb?: number; plot?: string | boolean; quiet?: boolean }, connectivity: Connectivity | undefined, inputs: string[], report = true): Promise<SimulationResult | undefined> {
  let bar: cliProgress.SingleBar | undefined;
  cfg.onProgress = (done, total) => {
    if (o.quiet || jsonOutput() || !process.stderr.isTTY && !process.env.VBT_PROGRESS) return;
    if (!bar) {
      bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'simulating [{bar}] {percentage}% | {value}/{total} steps | eta {eta}s' }, cliProgress.Presets.shades_classic);
      bar.start(total, 0);
    }
    bar.update(done);
  };
  if (o.stream) {
    const { simulateToFile, describeStream } = await import('../simulation/stream.js');
    const r = await simulateToFile(cfg, o.out!, { chunkBytes: (o.chunkMb ?? 64) * 2 ** 20, inputs });
    bar?.stop();
    for (const w of r.info.warnings ?? []) console.error(`vbt: warning: ${w}`);
    emit({ out: r.path, streamed: true, chunkSteps: r.chunkSteps, chunkBytes: r.chunkBytes, info: r.info }, `Simulated ${r.info.model} on ${r.info.nodeLabels.length} nodes for ${r.info.nSteps} steps; ${describeStream(r)}.\nresult written to ${r.path}`);
    return undefined;
  }
  const res = await simulate(cfg);
  bar?.update(res.info.nSteps + res.info.transientSteps);
  bar?.stop();
  for (const w of res.info.warnings ?? []) console.error(`vbt: warning: ${w}`);
  const written: string[] = [];
  if (o.out) {
    if (connectivity && !res.surface) res.withNetwork(connectivity); // a surface result keeps its regions' labels with the mesh
    written.push(...(await writeSimulationResult(res, o.out, { format: o.format, inputs })));
  }
  let figure: string | undefined;
  if (o.plot) {
    const png = typeof o.plot === 'string' ? o.plot : o.out ? o.out.replace(/(\.[^./\\]+)?$/, '.png') : 'out/figure.png';
    const { writeDefaultFigure } = await import('../plot/default-figure.js');
    figure = await writeDefaultFigure(res, png);
  }
  if (!report) return res;
  emit(summaryJson(res, written, figure), () => [summarize(res), ...written.map((p) => `result written to ${p}`), ...(figure ? [`figure written to ${figure}`] : [])].join('\n'));
  return res;
}

/** An output path is checked at the door: a known format, and a file we may write (see checkOutputPath). */
function checkOutput(out: string, format: string | undefined, inputs: (string | undefined)[]): void {
  const f = inferResultFormat(out, format);
  if (f !== 'tvb' && f !== 'bids') checkOutputPath(out, { inputs: inputs.filter((x): x is string => Boolean(x && existsSync(x))) });
}

function sharedDir(): string {
  return process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('vbt').description('Whole-brain network modelling: TVB-exact simulation, fitting, observation models.').version(vbtVersion());
  // one exit-code rule: commander's usage errors throw here and main() maps them to 2
  program.exitOverride();
  program.option('--force', 'replace existing output files (never inputs, links or devices)');
  program.option('--json', 'print numbers as one JSON document on stdout (simulate, rerun, fc, spectrum, info, reference-check, gradcheck, explore)');
  program.hook('preAction', () => {
    const g = program.opts();
    setWriteDefaults({ overwrite: Boolean(g.force) });
    setJsonOutput(Boolean(g.json));
  });

  program
    .command('simulate')
    .description('Simulate a network of neural masses with the float64 kernel engine.')
    .option('-m, --model <name>', 'model name from the catalogue, or a .yaml model file', 'JansenRit')
    .option('-p, --param <name=value>', 'model parameter (repeatable); comma-separated values = one per node', collectKv, {})
    .option('-c, --connectivity <file>', 'TVB connectivity ZIP or H5, tvbo Network .yaml/.h5, or .npz with SC (default: the built-in synthetic connectome)')
    .option('--speed <mm/ms>', 'conduction speed (default: the connectivity\'s, TVB default 3)', opt.positive('--speed'))
    .option('--coupling <name>', 'coupling function (default Linear; models with projections bring their own)')
    .option('-k, --coupling-param <name=value>', 'coupling parameter (repeatable)', collectKv, {})
    .addOption(new Option('-i, --integrator <name>', 'integration scheme').choices(['Euler', 'Heun', 'RK4']).default('Heun'))
    .option('--dt <ms>', 'integration step (ms)', opt.positive('--dt'), 0.1)
    .option('-d, --duration <ms>', 'simulated time after the transient (ms)', opt.positive('--duration'), 1000)
    .option('--transient <ms>', 'simulated first and discarded (ms)', opt.nonNegative('--transient'), 0)
    .option('--monitor <spec>', MONITOR_HELP, (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--noise <nsig>', 'additive noise dispersion (one value or one per state variable, comma-separated)')
    .option('--ntau <ms>', 'coloured noise correlation time (ms, ≥ 0; 0 = white)', opt.nonNegative('--ntau'))
    .option('--seed <n>', 'seed for noise and random initial conditions', opt.integer('--seed', 0), 42)
    .option('--threads <n>', 'worker threads for batched runs', opt.integer('--threads', 1))
    .option('-o, --out <path>', 'write the result here (.h5, .nc, .json; a folder for --format tvb|bids)')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension)').choices(['hdf5', 'netcdf', 'tvb', 'bids', 'json']))
    .option('--stream', 'write monitor samples to the --out .nc/.h5 file in chunks as the run goes (bounded memory)')
    .option('--chunk-mb <MiB>', 'with --stream: MiB of samples held per chunk', opt.positive('--chunk-mb'), 64)
    .option('--plot [png]', 'also write the default figure (PNG; default: beside --out, else out/figure.png)')
    .option('-q, --quiet', 'no progress bar')
    .option('--surface <zip>', 'cortical surface run: TVB surface ZIP (a neural mass at every vertex; needs --region-mapping and -c)')
    .option('--region-mapping <txt>', 'surface run: one region index per vertex (TVB region-mapping text file)')
    .option('--local-connectivity <mat|neighbours|geodesic:CUTOFF[:EQUATION[:k=v,...]]>', 'surface run: TVB local-connectivity .mat, the 1-ring average (neighbours), or a geodesic kernel from the mesh (e.g. geodesic:10:Gaussian:sigma=2)')
    .option('--local-coupling <strength>', 'surface run: local coupling strength (TVB Cortex.coupling_strength; default 1 with --local-connectivity)', opt.number('--local-coupling'))
    .action(async (o) => {
      if (o.out) checkOutput(o.out, o.format, [o.connectivity, o.model, o.surface, o.regionMapping, o.localConnectivity]); // fail before a long run, not after
      if (o.ntau !== undefined && o.noise === undefined) throw new Error('--ntau: needs --noise (coloured noise needs a dispersion)');
      if (o.stream && !o.out) throw new Error('--stream: needs --out FILE.nc or FILE.h5');
      if (o.stream && o.surface) throw new Error('--stream: not available for surface runs yet (their vertex monitors are written when the run ends); drop --stream or use a larger monitor period');
      const surfaceKeys = o.surface ? (await import('../surface/cli.js')).surfaceConfigFromOptions(o) : {};
      const conn = o.connectivity ? await readAnyConnectivity(o.connectivity) : undefined;
      const connectivity = conn && o.speed !== undefined ? conn.withSpeed(o.speed) : conn;
      const parameters: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(o.param as Record<string, string>)) parameters[k] = parseNumbers(v, `--param ${k}`);
      const couplingParameters: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(o.couplingParam as Record<string, string>)) couplingParameters[k] = parseNumbers(v, `--coupling-param ${k}`);
      const monitors = (o.monitor as string[]).length ? (o.monitor as string[]).map(parseMonitor) : [{ name: 'TemporalAverage', period: 1 } as MonitorSpec];
      const cfg: SimulationConfig = {
        model: o.model,
        parameters,
        connectivity: connectivity ?? (o.speed !== undefined ? (await import('../network/synthetic.js')).syntheticConnectome().withSpeed(o.speed) : undefined),
        coupling: o.coupling,
        couplingParameters: Object.keys(couplingParameters).length ? couplingParameters : undefined,
        integrator: {
          name: o.integrator as IntegratorName,
          dt: o.dt,
          noise: o.noise !== undefined ? { nsig: parseNumbers(o.noise, '--noise'), ntau: o.ntau, seed: o.seed } : undefined,
        },
        duration: o.duration,
        transient: o.transient,
        monitors,
        initialConditions: { seed: o.seed },
        threads: o.threads,
        ...surfaceKeys,
        reserveForWriting: Boolean(o.out),
      };
      await runAndWrite(cfg, o, connectivity, [o.connectivity, o.model, o.surface, o.regionMapping, o.localConnectivity].filter((x) => x && existsSync(x)));
    });

  program
    .command('rerun')
    .description('Run a result file again: a simulation result from the provenance stored in it (model, parameters, noise, seeds, connectivity by hash), checking that the new result is bit-identical; an ExperimentResult (vbt run) from its stored experiment YAML.')
    .argument('<file>', 'a vbt result (.nc, .h5, .json), or a TimeSeriesRegion_<gid>.h5 of `simulate --format tvb`')
    .requiredOption('-o, --out <path>', 'where to write the new result')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension)').choices(['hdf5', 'netcdf', 'tvb', 'bids', 'json']))
    .option('-q, --quiet', 'no progress bar')
    .action(async (file: string, o) => {
      checkOutput(o.out, o.format, [file]);
      // an ExperimentResult reruns its stored experiment YAML; any other result its stored provenance
      if (await (await import('./commands/experiment.js')).rerunExperiment(file, o)) return;
      const { rerunConfig, compareResults } = await import('../provenance/rerun.js');
      const { original, config } = await rerunConfig(file);
      const res = await runAndWrite({ ...config, reserveForWriting: true }, o, original.network ? config.connectivity : undefined, [file], false);
      if (!res) return;
      if (!jsonOutput()) console.log(`${summarize(res)}\nresult written to ${o.out}`);
      const cmp = compareResults(original, res);
      emit({ file, out: o.out, identical: cmp.identical, differences: cmp.differences }, cmp.identical ? `rerun of ${file}: bit-identical (${cmp.compared.join(', ')})` : `rerun of ${file}: DIFFERS: ${cmp.differences.join('; ')}`);
      if (!cmp.identical) process.exitCode = 1;
    });

  program
    .command('reference-check')
    .description('Re-run TVB reference HDF5 files with the kernel engine and compare (default: every file in $VBT_SHARED/reference or ../shared/reference).')
    .argument('[files...]', 'reference .h5 files')
    .addOption(new Option('--history <precision>', 'delay-history precision').choices(['float32', 'float64']).default('float64'))
    .option('--data <dir>', 'surface cases: folder with the mesh/mapping/local-connectivity files they name (default $VBT_SHARED/data/tvb)')
    .action(async (files: string[], o) => {
      if (!files.length) {
        const dir = join(sharedDir(), 'reference');
        if (!existsSync(dir)) throw new Error(`no files given and no reference folder at ${dir} (set VBT_SHARED)`);
        files = readdirSync(dir).filter((f) => f.endsWith('.h5')).sort().map((f) => join(dir, f));
      }
      let pass = 0, fail = 0;
      const all = [];
      for (const f of files) {
        const r = await checkReference(f, { historyPrecision: o.history, dataDir: o.data });
        if (!jsonOutput()) console.log(formatCheck(r));
        all.push(r);
        if (r.ok) pass++; else fail++;
      }
      emit({ passed: pass, failed: fail, checks: all }, `${pass} passed, ${fail} failed`);
      if (fail) process.exitCode = 1;
    });

  program
    .command('models')
    .description('List the model catalogue, or describe one model.')
    .argument('[name]')
    .action((name?: string) => {
      if (!name) {
        for (const m of listModels()) {
          const s = getModel(m);
          console.log(`${m.padEnd(30)} ${Object.keys(s.state_variables).length} state variables, ${Object.keys(s.parameters).length} parameters${s.modes && s.modes > 1 ? `, ${s.modes} modes` : ''}`);
        }
        return;
      }
      const s = getModel(name);
      console.log(`${s.name}${s.label ? ` (${s.label})` : ''}\n${s.description ?? ''}`);
      console.log('\nparameters:');
      for (const [k, p] of Object.entries(s.parameters)) console.log(`  ${k.padEnd(14)} ${String(p.default).padEnd(12)} ${p.range ? `[${p.range.join(', ')}]` : ''} ${p.unit ?? ''}  ${p.description ?? ''}`);
      console.log('\nstate variables:');
      for (const [k, v] of Object.entries(s.state_variables)) console.log(`  d${k}/dt = ${v.equation}`);
      console.log(`\ncoupling variables: ${s.cvar.join(', ')}; variables of interest: ${s.variables_of_interest.join(', ')}`);
      (s.projections ?? []).forEach((p, k) => console.log(`projection c_${k}: source ${p.source}${p.weights ? `, weights W∘${p.weights}` : ''}, pre ${p.pre ?? 'x_j'}, post ${p.post ?? 'gx'}${p.description ? `  ${p.description}` : ''}`));
      for (const [k, e] of Object.entries(s.edge_parameters ?? {})) console.log(`  edge parameter ${k.padEnd(8)} ${e.default}  ${e.description ?? ''}`);
    });

  program
    .command('couplings')
    .description('List the coupling functions.')
    .action(() => {
      for (const c of listCouplings()) {
        const s = getCoupling(c);
        console.log(`${c.padEnd(20)} pre: ${s.pre}   post: ${s.post}`);
      }
    });
  for (const register of commandModules) register(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  trackInputs(true);
  setCommandLine(argv);
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander printed its message already; help and --version are not errors
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    console.error(`vbt: ${(e as Error).message}`);
    process.exitCode = exitCodeFor(e);
  }
}
