/**
 * `vbt run experiment.yaml` (every part of a SimulationExperiment, one ExperimentResult file),
 * `vbt rerun result.nc` (the experiment stored in a result, run again), `vbt experiment init`
 * (a commented example) and `vbt experiment check` (validation only, every problem with its line).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExperimentSource, ExperimentError, formatPath, loadExperiment, runExperiment, EXAMPLE_EXPERIMENT, type LoadOptions } from '../../experiment/index.js';
import { ExperimentResult } from '../../results/experiment.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { parseNumber } from '../parse.js';

async function runSource(src: ExperimentSource, o: { out?: string; quiet?: boolean; dropUnsupported?: boolean; duration?: string; transient?: string }): Promise<void> {
  const opts: LoadOptions = { dropUnsupported: !!o.dropUnsupported, override: {} };
  if (o.duration !== undefined) opts.override!.duration = parseNumber(o.duration, '--duration');
  if (o.transient !== undefined) opts.override!.transient = parseNumber(o.transient, '--transient');
  const plan = loadExperiment(src, opts);
  for (const w of plan.warnings) console.error(`${src.file}:${w.line}  ${formatPath(w.path)}: ${w.message}`);
  const out = o.out ?? `${plan.id}.nc`;
  if (!/\.(nc|h5)$/.test(out)) throw new Error(`--out ${out}: an ExperimentResult is a netCDF-4 file; use .nc (or .h5)`);
  const run = await runExperiment(plan, { progress: o.quiet ? undefined : (m) => console.error(m) });
  await run.result.save(out);
  console.log(run.result.tree());
  if (run.complete) console.log(`experiment result written to ${out}`);
  else {
    console.log(`PARTIAL experiment result written to ${out}: ${run.failure!.part} failed (${run.failure!.error.message}); finished: ${run.result.status.completedParts.join(', ') || 'nothing'}`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('Run a SimulationExperiment YAML (integration, observations, explorations, algorithms) into one ExperimentResult netCDF file.')
    .argument('<experiment>', 'experiment YAML')
    .option('-o, --out <file>', 'result file (.nc); default <id>.nc')
    .option('--drop-unsupported', 'drop tvbo features vbt cannot run (listed with their lines) instead of rejecting the file')
    .option('--duration <ms>', 'override integration.duration (e.g. a quick check)')
    .option('--transient <ms>', 'override integration.transient_time')
    .option('-q, --quiet', 'no progress lines')
    .action(async (file: string, o) => runSource(ExperimentSource.fromFile(file), o));

  const exp = program.command('experiment').description('SimulationExperiment files: init, check.');
  exp
    .command('init')
    .description('Print a commented example experiment (or write it to a path); it runs as printed on the built-in connectome.')
    .argument('[path]', 'write here instead of stdout')
    .action((path?: string) => {
      if (!path) { process.stdout.write(EXAMPLE_EXPERIMENT); return; }
      if (existsSync(path)) throw new Error(`${path} exists; not overwriting it`);
      writeFileAtomic(path, EXAMPLE_EXPERIMENT);
      console.log(`example experiment written to ${path}; run it with: vbt run ${path} --out result.nc`);
    });
  exp
    .command('check')
    .description('Validate an experiment without running it: every problem with its YAML path and line.')
    .argument('<experiment>')
    .option('--drop-unsupported', 'list unsupported tvbo features as warnings')
    .action((file: string, o) => {
      const src = ExperimentSource.fromFile(file);
      try {
        const plan = loadExperiment(src, { dropUnsupported: !!o.dropUnsupported });
        for (const w of plan.warnings) console.log(`${file}:${w.line}  ${formatPath(w.path)}: ${w.message}`);
        console.log(`${file}: OK (${plan.model.name}, ${plan.observations.length} observations, ${plan.explorations.length} explorations, ${plan.algorithms.length} algorithms)`);
      } catch (e) {
        if (e instanceof ExperimentError) { console.log(e.message); process.exitCode = 2; return; }
        throw e;
      }
    });
}

/**
 * `vbt rerun` of an ExperimentResult: the stored YAML runs again (same seeds). Returns false when the
 * file holds no experiment, so the caller reruns it as a simulation result from its provenance.
 */
export async function rerunExperiment(file: string, o: { out?: string; quiet?: boolean }): Promise<boolean> {
  if (!file.endsWith('.nc')) return false;
  let r: ExperimentResult;
  try {
    r = await ExperimentResult.fromFile(file);
  } catch {
    return false;
  }
  if (!r.sourceExperiment) return false;
  const dir = r.experimentDir && existsSync(r.experimentDir) ? r.experimentDir : process.cwd();
  await runSource(ExperimentSource.fromText(r.sourceExperiment, join(dir, `${r.id}.yaml`)), o);
  return true;
}
