/**
 * `vbt plot FILE --type … --out PATH.{svg,png,html,gif}` and `vbt report RESULT --out report.html`.
 */
import { Command, Option } from 'commander';
import { extname } from 'node:path';
import type { SimulationResult } from '../../results/simulation.js';
import { readAnyConnectivity } from '../../io/files.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { loadResultFile } from '../../plot/load.js';
import { savePlot, type PlotSpec } from '../../plot/render.js';
import { plotExploration } from '../../plot/exploration.js';
import { plotLoss, plotParameterTrajectories } from '../../plot/optimization.js';
import { plotConvergence } from '../../plot/algorithm.js';
import { fromExplorationResult, fromOptimizationResult, fromAlgorithmResult } from '../../plot/results.js';
import { buildReport, type ReportFigure } from '../../report/report.js';
import { readFileSync, existsSync } from 'node:fs';
import {
  ExplorationResult as SweepResult, AlgorithmResult as TuningResult, OptimizationResult as FitResult,
  EXPLORATION_SCHEMA, ALGORITHM_SCHEMA, OPTIMIZATION_SCHEMA,
} from '../../../algorithms/index.js';
import { fromExplorationGrid } from '../../plot/results.js';
import { plotBeforeAfter } from '../../plot/algorithm.js';
import { plotRegionalParameters } from '../../plot/optimization.js';
import { SIMULATION_PLOT_TYPES, EXPERIMENT_PLOT_TYPES, simulationFigure, resultNetwork } from '../../plot/figures.js';

/** Types for the JSON results of `vbt explore`, `vbt fic`/`vbt eib` and fits (algorithms/). */
export const ALGORITHM_PLOT_TYPES = { exploration: ['default', 'exploration'], algorithm: ['default', 'convergence', 'before-after'], optimization: ['default', 'loss', 'parameters', 'regional'] } as const;

/** The schema tag of an algorithms JSON result, or undefined for other files. */
function algorithmSchema(path: string): string | undefined {
  if (extname(path).toLowerCase() !== '.json') return undefined;
  const head = readFileSync(path, 'utf8').slice(0, 200);
  const m = /^\{\s*"schema"\s*:\s*"([^"]+)"/.exec(head);
  return m && [EXPLORATION_SCHEMA, ALGORITHM_SCHEMA, OPTIMIZATION_SCHEMA].includes(m[1]) ? m[1] : undefined;
}

function collectKv(value: string, prev: Record<string, number>): Record<string, number> {
  const eq = value.indexOf('=');
  const v = Number(value.slice(eq + 1));
  if (eq < 1 || !Number.isFinite(v)) throw new Error(`--fix: expected NAME=NUMBER, got '${value}'`);
  return { ...prev, [value.slice(0, eq)]: v };
}

async function regionLabels(n: number, connectivity?: string): Promise<{ labels: string[]; hemispheres?: boolean[] }> {
  if (!connectivity) return { labels: [...Array(n).keys()].map(String) };
  const c = await readAnyConnectivity(connectivity);
  if (c.n !== n) throw new Error(`--connectivity ${connectivity}: ${c.n} regions, but the result has ${n} values per region`);
  return { labels: c.labels, hemispheres: c.hemispheres.length ? c.hemispheres : undefined };
}

async function algorithmFigure(path: string, schema: string, type: string, o: Record<string, unknown>): Promise<PlotSpec> {
  const bad = (kind: keyof typeof ALGORITHM_PLOT_TYPES) => new Error(`--type '${type}' does not apply to ${kind} result ${path}; expected one of ${ALGORITHM_PLOT_TYPES[kind].join(', ')}`);
  if (schema === EXPLORATION_SCHEMA) {
    if (type !== 'default' && type !== 'exploration') throw bad('exploration');
    let r = SweepResult.load(path);
    if (o.fix && Object.keys(o.fix as object).length) r = r.slice(o.fix as Record<string, number>);
    if (r.shape.length > 2) throw new Error(`${path}: ${r.shape.length} dimensions (${r.space.names.join(', ')}); a figure shows 1 or 2, so fix the others with --fix NAME=VALUE`);
    const obs = (o.observable as string | undefined) ?? r.observables[0];
    const optimum = (o.optimum as 'min' | 'max' | undefined) ?? (/corr/i.test(obs) ? 'max' : 'min');
    return plotExploration(fromExplorationGrid(r.asGrid(obs), obs, { optimum, title: `Exploration '${r.name}': ${obs} (${optimum === 'max' ? 'maximum' : 'minimum'} marked)` }));
  }
  if (schema === ALGORITHM_SCHEMA) {
    const r = TuningResult.load(path);
    if (type === 'default' || type === 'convergence') return plotConvergence({ history: r.history, title: `Convergence of '${r.name}' (${r.nIterations} iterations)` });
    if (type === 'before-after') {
      if (!r.preTuning || !r.postTuning) throw new Error(`${path}: no pre/post-tuning snapshots to compare`);
      const keys = Object.keys(r.postTuning.means).filter((k) => k in r.preTuning!.means);
      const q = (o.variable as string | undefined) ?? keys[0];
      if (!keys.includes(q)) throw new Error(`--variable ${q}: not in the tuning snapshots; expected one of ${keys.join(', ')}`);
      const { labels } = await regionLabels(r.postTuning.means[q].length, o.connectivity as string | undefined);
      return plotBeforeAfter({ labels, before: r.preTuning.means[q], after: r.postTuning.means[q], quantity: q, title: `'${r.name}': ${q} per region before and after tuning` });
    }
    throw bad('algorithm');
  }
  const r = FitResult.load(path);
  if (type === 'default' || type === 'loss') return plotLoss({ loss: r.lossTrajectory, title: `Fit '${r.name}'` });
  if (type === 'parameters') {
    const parameters: Record<string, number[]> = {};
    for (const k of Object.keys(r.state)) if (typeof r.state[k] === 'number') parameters[k] = r.stateTrajectory.map((s) => s[k] as number);
    return plotParameterTrajectories({ loss: r.lossTrajectory, parameters, title: `Fit '${r.name}'` });
  }
  if (type === 'regional') {
    const arrays = Object.entries(r.state).filter(([, v]) => Array.isArray(v)) as [string, number[]][];
    const name = (o.variable as string | undefined) ?? arrays[0]?.[0];
    const v = arrays.find(([k]) => k === name);
    if (!v) throw new Error(`${path}: no regional (per-node) parameter${name ? ` '${name}'` : ''}; per-node parameters: ${arrays.map(([k]) => k).join(', ') || 'none'}`);
    const { labels, hemispheres } = await regionLabels(v[1].length, o.connectivity as string | undefined);
    return plotRegionalParameters({ labels, values: v[1], name: v[0], hemispheres, title: `Fit '${r.name}': regional ${v[0]}` });
  }
  throw bad('optimization');
}

export function register(program: Command): void {
  program
    .command('plot')
    .description('Draw a figure of a result file (.json from `vbt simulate --out`, `vbt explore`, `vbt fic`/`eib` or a fit; .nc/.h5 results) as SVG, PNG or interactive HTML (animations: GIF or HTML).')
    .argument('<file>', 'result file')
    .option('-t, --type <type>', `simulation: ${SIMULATION_PLOT_TYPES.join(' | ')}; experiment file: ${EXPERIMENT_PLOT_TYPES.join(' | ')}; vbt explore JSON: exploration; vbt fic/eib JSON: convergence | before-after; fit JSON: loss | parameters | regional`, 'default')
    .requiredOption('-o, --out <path>', 'output .svg, .png or .html (animation: .gif or .html)')
    .option('--monitor <name>', 'monitor to plot (default: the first)')
    .option('--batch <k>', 'batch element (default 0)')
    .option('--variable <name>', 'variable to plot')
    .option('--nodes <list>', 'comma-separated node indices or labels')
    .option('--x <name>', 'x variable (phase, phase-plane)')
    .option('--y <name>', 'y variable (phase, phase-plane)')
    .option('--zscore', 'z-score channels (channels)')
    .option('--log', 'log colour scale (weights, tracts)')
    .option('--window <samples>', 'FCD window in samples (fcd)')
    .option('--frames <n>', 'animation frames (default 60; surface viewer: at most this many, default 300)')
    .option('--time <ms>', 'surface: sample time of the static figure (default: the last)')
    .option('--name <name>', 'which exploration/optimisation/algorithm of an experiment file')
    .option('--observable <name>', 'observable of an exploration (default: the first)')
    .addOption(new Option('--optimum <which>', 'which end of an exploration is best (default: max for *corr*, else min)').choices(['min', 'max']))
    .option('--fix <name=value>', 'fix a parameter of an exploration with more than 2 dimensions (repeatable)', collectKv, {})
    .option('-c, --connectivity <file>', 'the network the result was simulated on (network figures, animation)')
    .action(async (file: string, o) => {
      const schema = existsSync(file) ? algorithmSchema(file) : undefined;
      let spec: PlotSpec | undefined;
      if (schema) spec = await algorithmFigure(file, schema, o.type, o);
      else {
        const loaded = await loadResultFile(file);
        spec = loaded.kind === 'simulation' ? await simulationFigure(loaded.simulation, o.type, o, o.out) : await loaded.experiment.plot({ type: o.type, name: o.name as string | undefined, monitor: o.monitor as string | undefined, variable: o.variable as string | undefined });
      }
      if (spec) await savePlot(spec, o.out);
      console.log(`figure written to ${o.out}`);
    });

  program
    .command('report')
    .description('Write one self-contained HTML page about a simulation result: model equations, parameters, network, integrator, figures and key numbers.')
    .argument('<result>', 'simulation result (.json from `vbt simulate --out`, .nc, .h5), or an experiment file with an integration')
    .requiredOption('-o, --out <path>', 'output .html')
    .option('-c, --connectivity <file>', 'the network the result was simulated on (adds the network figures)')
    .option('--monitor <name>', 'monitor to show (default: the first)')
    .option('--title <text>', 'page title')
    .action(async (file: string, o) => {
      if (extname(o.out).toLowerCase() !== '.html') throw new Error(`--out ${o.out}: a report is HTML; expected a .html path`);
      const loaded = await loadResultFile(file);
      let res: SimulationResult;
      const extraFigures: ReportFigure[] = [];
      if (loaded.kind === 'experiment') {
        const exp = loaded.experiment;
        if (!exp.integration) throw new Error(`${file}: an experiment result without an integration (simulation) to describe; plot its parts with \`vbt plot\``);
        res = exp.integration;
        // the experiment's other results follow the standard figures
        for (const e of Object.values(exp.explorations)) if (e.axes.length <= 2) extraFigures.push({ title: `Exploration '${e.name}'`, spec: plotExploration(fromExplorationResult(e)), marks: [e.axes.length === 1 ? 'line' : 'rect'] });
        for (const r of Object.values(exp.optimizations)) if (r.lossTrajectory.length) extraFigures.push({ title: `Optimisation '${r.name}'`, spec: plotLoss(fromOptimizationResult(r)), marks: ['line'] });
        for (const a of Object.values(exp.algorithms)) if (a.nIterations) extraFigures.push({ title: `Algorithm '${a.name}'`, spec: plotConvergence(fromAlgorithmResult(a)), marks: ['line'] });
      } else res = loaded.simulation;
      const connectivity = await resultNetwork(res, o.connectivity);
      writeFileAtomic(o.out, buildReport(res, { connectivity, source: file, monitor: o.monitor, title: o.title, extraFigures }));
      console.log(`report written to ${o.out}`);
    });
}
