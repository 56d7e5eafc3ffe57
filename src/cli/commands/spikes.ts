/**
 * `vbt spikes FILE`: summarise, filter and plot a SONATA spike report.
 *
 *   vbt spikes out/spikes.h5                                   # populations, counts, rates
 *   vbt spikes out/spikes.h5 --t-start 100 --t-stop 600 --group 0-49 --plot raster --out raster.png
 *   vbt spikes spikes.h5 --nodes nodes.h5 --group layer=5 --plot rate --bin-size 5 --out psth.svg
 *   vbt spikes spikes.h5 --nodes nodes.h5 --plot animation --dt 10 --out firing.gif
 *   vbt spikes sim/simulation_config.json --plot raster --y-axis layer --out raster.svg
 *   vbt poisson-spikes out/jr.nc --rate sigm_y1_y2 --size 100 --seed 1 --out out/jr-spikes.h5 --nodes-out out/jr-nodes.h5
 */
import { Command, Option } from 'commander';
import { SpikeReport, populationRates, saveFiringAnimation, spikesFromSimulation, writeSpikeFile, writeSonataNodes, type NodeGroup, type NodeQuery } from '../../spikes/index.js';
import { readSimulationResult, readAnyConnectivity } from '../../io/files.js';
import { savePlot } from '../../plot/render.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { parseNumber } from '../parse.js';

const num = (what: string) => (v: string): number => parseNumber(v, what);

function scalar(v: string): number | string | boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  const x = Number(v);
  return v.trim() !== '' && Number.isFinite(x) ? x : v;
}

/**
 * A --group value: ids and id ranges ("3", "0-9,12"), a JSON query ('{"layer": [5, 6]}'), a
 * node-set name, or PROPERTY=VALUE[,VALUE...] (membership; two numbers on a float property are a range).
 * Several --group options must all hold.
 */
export function parseGroup(values: string[]): NodeGroup | undefined {
  if (values.length === 0) return undefined;
  const queries: NodeQuery[] = [];
  let ids: number[] | undefined;
  for (const raw of values) {
    const v = raw.trim();
    if (v.startsWith('{')) {
      try {
        queries.push(JSON.parse(v) as NodeQuery);
      } catch (e) {
        throw new Error(`--group: '${v}' is not valid JSON: ${(e as Error).message}`);
      }
    } else if (/^\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*$/.test(v)) {
      const list: number[] = [];
      for (const part of v.split(',')) {
        const [a, b] = part.split('-').map((x) => Number(x.trim()));
        if (b === undefined) list.push(a);
        else {
          if (b < a) throw new Error(`--group: range '${part.trim()}' runs backwards`);
          for (let i = a; i <= b; i++) list.push(i);
        }
      }
      ids = ids ? ids.filter((i) => list.includes(i)) : list;
    } else {
      const eq = v.indexOf('=');
      if (eq < 0 && /^[\w.:-]+$/.test(v)) {
        queries.push({ $node_set: v });
        continue;
      }
      if (eq < 1) throw new Error(`--group: '${v}' is not ids ("0-9,12"), a node-set name, PROPERTY=VALUE[,VALUE] or a JSON query`);
      const vals = v.slice(eq + 1).split(',').map(scalar);
      queries.push({ [v.slice(0, eq)]: vals.length === 1 ? vals[0] : vals });
    }
  }
  if (ids && queries.length === 0) return ids;
  if (!ids && queries.length === 1 && Object.keys(queries[0]).length === 1 && typeof queries[0].$node_set === 'string') return queries[0].$node_set as string;
  const q: NodeQuery = queries.length === 1 ? { ...queries[0] } : { $and: queries };
  if (ids) q.node_id = ids;
  return q;
}

/** Registers `vbt spikes` and `vbt poisson-spikes`. */
export function register(program: Command): void {
  registerSpikes(program);
  registerPoisson(program);
}

function registerSpikes(program: Command): void {
  program
    .command('spikes')
    .description('Summarise, filter and plot a SONATA spike report (HDF5).')
    .argument('<file>', 'SONATA spike file (/spikes/<population>/{timestamps,node_ids}), or a SONATA simulation config (.json)')
    .option('--population <name>', 'only this population (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--t-start <ms>', 'keep spikes at or after this time', num('--t-start'))
    .option('--t-stop <ms>', 'keep spikes at or before this time', num('--t-stop'))
    .option('--group <spec>', 'node ids ("0-9,12"), a node-set name, PROPERTY=VALUE[,VALUE] or a JSON query (repeatable: all must hold)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--nodes <file>', 'SONATA nodes file with node properties for property groups, raster y axes and animation coordinates')
    .option('--node-types <csv>', 'SONATA node-types CSV to join with --nodes')
    .option('--node-sets <json>', 'SONATA node-sets file, for --group NAME')
    .option('--population-size <n>', 'neurons of a population for its rate, N or NAME=N (repeatable); not needed with --nodes', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--plot <kind>', 'figure to draw').choices(['raster', 'rate', 'isi', 'rates', 'animation']))
    .option('-o, --out <path>', 'output: .svg, .png or .html for figures, .gif or .html for the animation; without --plot, .json (summary) or .h5 (the selected spikes as SONATA)')
    .option('--bin-size <x>', 'histogram bin (ms for rate and isi, Hz with --frequency)', num('--bin-size'))
    .option('--frequency', 'ISI histogram of inverse intervals (Hz)')
    .option('--y-axis <property>', 'raster y axis (default node id); animation y coordinate (default y)')
    .option('--x-axis <property>', 'animation x coordinate (default x)')
    .option('--dt <ms>', 'animation frame length (default 20 ms)', num('--dt'))
    .option('--assume-units <units>', "time units for files whose timestamps lack a 'units' attribute")
    .action(async (file: string, o) => {
      if (file.toLowerCase().endsWith('.json') && (o.nodes || o.nodeTypes)) throw new Error('--nodes/--node-types: a simulation config names its circuit\'s node files itself');
      const populations = (o.population as string[]).length ? (o.population as string[]) : undefined;
      const populationSizes = parsePopulationSizes(o.populationSize as string[]);
      const report = file.toLowerCase().endsWith('.json')
        ? await SpikeReport.fromSimulationConfig(file, { populations, assumeUnits: o.assumeUnits, populationSizes, ...(o.nodeSets ? { nodeSets: o.nodeSets } : {}) })
        : await SpikeReport.open(file, { populations, nodes: o.nodes, nodeTypesCsv: o.nodeTypes, nodeSets: o.nodeSets, assumeUnits: o.assumeUnits, populationSizes });
      const group = parseGroup(o.group as string[]);
      const f = report.filter({ group, tStart: o.tStart, tStop: o.tStop });
      if (!o.plot) {
        // a population of unknown size has a spike count but no rate: dividing by the neurons that happened to spike
        // would overstate it
        const counts = f.nodeCounts();
        const duration = (o.tStop ?? report.timeStop) - (o.tStart ?? report.timeStart);
        const rates = populationRates(f.report, duration, Object.fromEntries(Object.entries(counts).map(([n, c]) => [n, c ?? 0])))
          .map((r) => (counts[r.population] === undefined ? { ...r, nodes: null, rate: null } : r));
        const summary = {
          file,
          timeStart: o.tStart ?? report.timeStart,
          timeStop: o.tStop ?? report.timeStop,
          spikes: f.length,
          populations: rates.map((r) => {
            const p = report.population(r.population);
            return { ...r, sorting: p.sortingStorage === 'absent' ? 'absent' : p.sorting, units: p.fileUnits };
          }),
        };
        if (o.out) {
          const ext = String(o.out).toLowerCase();
          if (ext.endsWith('.json')) writeFileAtomic(o.out, JSON.stringify(summary, null, 2) + '\n');
          else if (ext.endsWith('.h5') || ext.endsWith('.hdf5')) await f.write(o.out);
          else throw new Error(`--out ${o.out}: without --plot, write the summary as .json or the selected spikes as .h5`);
        }
        console.log(`${file}: ${summary.spikes} spikes in [${summary.timeStart}, ${summary.timeStop}] ms`);
        if (summary.spikes === 0) console.error(`vbt: warning: no spikes in [${summary.timeStart}, ${summary.timeStop}] ms; the report's spikes span [${report.timeStart}, ${report.timeStop}] ms`);
        for (const p of summary.populations) {
          const rate = p.rate === null ? 'rate unknown (population size unknown: give --nodes or --population-size)' : `${String(p.nodes).padStart(7)} nodes  ${p.rate.toFixed(3)} Hz`;
          console.log(`  ${p.population.padEnd(20)} ${String(p.spikes).padStart(9)} spikes  ${rate}  (sorting ${p.sorting}, units ${p.units})`);
        }
        return;
      }
      if (!o.out) throw new Error('--plot needs --out FILE (.svg, .png, .html; .gif or .html for animation)');
      if (o.plot === 'animation') {
        saveFiringAnimation(f, o.out, { dt: o.dt, xAxis: o.xAxis, yAxis: o.yAxis });
      } else {
        const spec =
          o.plot === 'raster' ? f.raster({ yAxis: o.yAxis })
          : o.plot === 'rate' ? f.firingRateHistogram({ binSize: o.binSize, range: o.tStart !== undefined && o.tStop !== undefined ? [o.tStart, o.tStop] : undefined })
          : o.plot === 'isi' ? f.isi({ binSize: o.binSize, frequency: !!o.frequency })
          : f.populationRatesPlot();
        await savePlot(spec, o.out);
      }
      console.log(`${o.plot}: ${f.length} spikes → ${o.out}`);
    });
}

/** --population-size values: one bare N (a single-population report) or NAME=N each. */
export function parsePopulationSizes(values: string[]): Record<string, number> | number | undefined {
  if (values.length === 0) return undefined;
  const size = (v: string, what: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n <= 0) throw new Error(`--population-size ${what}: expected a positive whole number of neurons, got '${v}'`);
    return n;
  };
  if (values.length === 1 && !values[0].includes('=')) return size(values[0], values[0]);
  const out: Record<string, number> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 1) throw new Error(`--population-size ${v}: with several populations write NAME=N`);
    out[v.slice(0, eq)] = size(v.slice(eq + 1), v);
  }
  return out;
}

function idList(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) throw new Error(`--nodes: '${v}' is not a list of node indices like 0-9,12`);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

/** `vbt poisson-spikes RESULT`: spikes drawn from a simulated firing rate, written as SONATA. */
export function registerPoisson(program: Command): void {
  program
    .command('poisson-spikes')
    .description('Draw inhomogeneous Poisson spikes from a simulated firing rate and write a SONATA spike report.')
    .argument('<result>', 'simulation result written by vbt simulate --out (.nc, .h5 or .json)')
    .requiredOption('--rate <expr>', 'firing rate: a recorded variable, a model auxiliary (JansenRit: sigm_y1_y2) or an expression')
    .requiredOption('--size <n>', 'neurons per node (one number, or comma-separated per chosen node)')
    .requiredOption('-o, --out <file>', 'SONATA spike file to write (.h5)')
    .option('--seed <n>', 'random seed', num('--seed'), 42)
    .option('--monitor <name>', 'monitor(s) to read (repeatable; same period); default the first', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .addOption(new Option('--rate-unit <unit>', 'unit of the rate').choices(['per_ms', 'Hz']).default('per_ms'))
    .option('--nodes <list>', 'node indices to turn into populations, e.g. 0-9,12 (default all)')
    .option('--population <name>', 'population name in the file (default: the model name)')
    .option('--batch <b>', 'batch element of the result', num('--batch'), 0)
    .option('--connectivity <file>', 'connectivity for labels and coordinates (default: the one stored with the result)')
    .option('--jitter <mm>', 'spread neurons within ± jitter mm of their region centre', num('--jitter'), 0)
    .option('--nodes-out <file>', 'also write the neurons as a SONATA nodes file (region, label, neuron, x, y, z, hemisphere)')
    .action(async (resultPath: string, o) => {
      const res = await readSimulationResult(resultPath);
      const connectivity = o.connectivity ? await readAnyConnectivity(o.connectivity) : undefined;
      const sizes = String(o.size).split(',').map((x) => Number(x.trim()));
      if (sizes.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--size: '${o.size}' is not a non-negative integer or a comma-separated list of them`);
      const monitors = o.monitor as string[];
      const s = spikesFromSimulation(res, {
        rate: o.rate, rateUnit: o.rateUnit, seed: o.seed, batch: o.batch, jitter: o.jitter, connectivity,
        populationSize: sizes.length === 1 ? sizes[0] : sizes,
        ...(monitors.length ? { monitor: monitors.length === 1 ? monitors[0] : monitors } : {}),
        ...(o.nodes ? { nodes: idList(o.nodes) } : {}),
      });
      const pop = o.population ?? res.info.model;
      await writeSpikeFile(o.out, { [pop]: s });
      if (o.nodesOut) await writeSonataNodes(o.nodesOut, { [pop]: s.nodeTable });
      const secs = (s.times[s.times.length - 1] - s.times[0] + (s.times[1] - s.times[0] || 0)) / 1000;
      console.log(`${pop}: ${s.timestamps.length} spikes from ${s.nodeTable.size} neurons (${(s.timestamps.length / s.nodeTable.size / secs).toFixed(2)} Hz mean) → ${o.out}${o.nodesOut ? ` (+ nodes ${o.nodesOut})` : ''}`);
    });
}
