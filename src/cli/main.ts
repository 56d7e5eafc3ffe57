/**
 * The `vbt` command line. commander parses (well kept, typed, generates help); cli-progress draws
 * the progress bar on stderr so stdout stays machine-readable.
 */
import { Command, Option } from 'commander';
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { getModel, listModels } from '../models/catalogue.js';
import { listCouplings, getCoupling } from '../coupling/catalogue.js';
import { simulate } from '../simulation/simulate.js';
import type { MonitorSpec } from '../monitors/index.js';
import type { IntegratorName, SimulationConfig } from '../simulation/config.js';
import { checkReference, formatCheck } from '../reference/check.js';
import { inferResultFormat, readAnyConnectivity, writeSimulationResult } from '../io/files.js';
import { summarize } from './summary.js';
import { collectKv, parseNumbers } from './parse.js';
import { commandModules } from './commands/index.js';



/** "Raw", "TemporalAverage:1", "SubSample:0.5" (period in ms). */
export function parseMonitor(s: string): MonitorSpec {
  const [name, period] = s.split(':');
  const known = ['Raw', 'SubSample', 'TemporalAverage', 'GlobalAverage', 'SpatialAverage', 'AfferentCoupling', 'Bold', 'BalloonWindkessel'];
  const canon = known.find((k) => k.toLowerCase() === name.toLowerCase());
  if (!canon) throw new Error(`--monitor: unknown monitor '${name}'; expected one of: ${known.join(', ')} (as NAME or NAME:PERIOD_MS)`);
  if (canon === 'Raw') return { name: 'Raw' };
  const p = period === undefined ? NaN : Number(period);
  if (canon === 'AfferentCoupling' || canon === 'Bold' || canon === 'BalloonWindkessel') return period === undefined ? { name: canon } : { name: canon, period: p };
  if (!(p > 0)) throw new Error(`--monitor ${canon}: needs a period in ms, e.g. ${canon}:1`);
  return { name: canon, period: p } as MonitorSpec;
}

function sharedDir(): string {
  return process.env.VBT_SHARED ?? resolve(process.cwd(), '../shared');
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('vbt').description('Whole-brain network modelling: TVB-exact simulation, fitting, observation models.').version('0.1.0');

  program
    .command('simulate')
    .description('Simulate a network of neural masses with the float64 kernel engine.')
    .option('-m, --model <name>', 'model name from the catalogue, or a .yaml model file', 'JansenRit')
    .option('-p, --param <name=value>', 'model parameter (repeatable); comma-separated values = one per node', collectKv, {})
    .option('-c, --connectivity <file>', 'TVB connectivity ZIP or H5, tvbo Network .yaml/.h5, or .npz with SC (default: the built-in synthetic connectome)')
    .option('--speed <mm/ms>', 'conduction speed (default: the connectivity\'s, TVB default 3)', Number)
    .option('--coupling <name>', 'coupling function (default Linear; models with projections bring their own)')
    .option('-k, --coupling-param <name=value>', 'coupling parameter (repeatable)', collectKv, {})
    .addOption(new Option('-i, --integrator <name>', 'integration scheme').choices(['Euler', 'Heun', 'RK4']).default('Heun'))
    .option('--dt <ms>', 'integration step (ms)', Number, 0.1)
    .option('-d, --duration <ms>', 'simulated time after the transient (ms)', Number, 1000)
    .option('--transient <ms>', 'simulated first and discarded (ms)', Number, 0)
    .option('--monitor <spec>', 'Raw | SubSample:P | TemporalAverage:P | GlobalAverage:P | SpatialAverage:P | AfferentCoupling[:P] | Bold[:TR] | BalloonWindkessel[:TR] (repeatable; TR default 2000 ms)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--noise <nsig>', 'additive noise dispersion (one value or one per state variable, comma-separated)')
    .option('--ntau <ms>', 'coloured noise correlation time (ms)', Number)
    .option('--seed <n>', 'seed for noise and random initial conditions', Number, 42)
    .option('--threads <n>', 'worker threads for batched runs', Number)
    .option('-o, --out <path>', 'write the result here (.h5, .nc, .json; a folder for --format tvb|bids)')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension)').choices(['hdf5', 'netcdf', 'tvb', 'bids', 'json']))
    .option('--plot [png]', 'also write the default figure (PNG; default: beside --out, else out/figure.png)')
    .option('-q, --quiet', 'no progress bar')
    .option('--surface <zip>', 'cortical surface run: TVB surface ZIP (a neural mass at every vertex; needs --region-mapping and -c)')
    .option('--region-mapping <txt>', 'surface run: one region index per vertex (TVB region-mapping text file)')
    .option('--local-connectivity <mat|neighbours|geodesic:CUTOFF[:EQUATION[:k=v,...]]>', 'surface run: TVB local-connectivity .mat, the 1-ring average (neighbours), or a geodesic kernel from the mesh (e.g. geodesic:10:Gaussian:sigma=2)')
    .option('--local-coupling <strength>', 'surface run: local coupling strength (TVB Cortex.coupling_strength; default 1 with --local-connectivity)', Number)
    .action(async (o) => {
      if (o.out) inferResultFormat(o.out, o.format); // fail before a long run, not after
      const surfaceKeys = o.surface ? (await import('../surface/cli.js')).surfaceConfigFromOptions(o) : {};
      const conn = o.connectivity ? await readAnyConnectivity(o.connectivity) : undefined;
      const connectivity = conn && o.speed ? conn.withSpeed(o.speed) : conn;
      const parameters: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(o.param as Record<string, string>)) parameters[k] = parseNumbers(v, `--param ${k}`);
      const couplingParameters: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(o.couplingParam as Record<string, string>)) couplingParameters[k] = parseNumbers(v, `--coupling-param ${k}`);
      const monitors = (o.monitor as string[]).length ? (o.monitor as string[]).map(parseMonitor) : [{ name: 'TemporalAverage', period: 1 } as MonitorSpec];
      let bar: cliProgress.SingleBar | undefined;
      const cfg: SimulationConfig = {
        model: o.model,
        parameters,
        connectivity: connectivity ?? (o.speed ? (await import('../network/synthetic.js')).syntheticConnectome().withSpeed(o.speed) : undefined),
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
        onProgress: (done, total) => {
          if (o.quiet || !process.stderr.isTTY && !process.env.VBT_PROGRESS) return;
          if (!bar) {
            bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'simulating [{bar}] {percentage}% | {value}/{total} steps | eta {eta}s' }, cliProgress.Presets.shades_classic);
            bar.start(total, 0);
          }
          bar.update(done);
        },
      };
      const res = await simulate(cfg);
      bar?.update(res.info.nSteps + res.info.transientSteps);
      bar?.stop();
      console.log(summarize(res));
      if (o.out) {
        if (connectivity && !res.surface) res.withNetwork(connectivity); // a surface result keeps its regions' labels with the mesh
        for (const p of await writeSimulationResult(res, o.out, { format: o.format })) console.log(`result written to ${p}`);
      }
      if (o.plot) {
        const png = typeof o.plot === 'string' ? o.plot : o.out ? o.out.replace(/(\.[^./\\]+)?$/, '.png') : 'out/figure.png';
        const { writeDefaultFigure } = await import('../plot/default-figure.js');
        console.log(`figure written to ${await writeDefaultFigure(res, png)}`);
      }
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
      for (const f of files) {
        const r = await checkReference(f, { historyPrecision: o.history, dataDir: o.data });
        console.log(formatCheck(r));
        if (r.ok) pass++; else fail++;
      }
      console.log(`${pass} passed, ${fail} failed`);
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
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    console.error(`vbt: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
