/**
 * Layers: every import between top-level folders of src/ (and algorithms/) points down the pipeline
 * spec → plan → engines → monitors/observation → results → io / plot / report → cli, and no folders import each
 * other in a circle. LAYERS below is the one definition of the order (README "Where things live" shows it).
 *
 * Imports are read with TypeScript's own pre-processor (`ts.preProcessFile`: static, dynamic and type-only imports
 * and re-exports), already a dependency; dependency-cruiser or madge would add a large tool for a check that needs
 * only each file's relative import list.
 */
import { describe, it, expect } from 'vitest';
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, relative, dirname, sep } from 'node:path';

/**
 * Bottom to top. A unit is a folder under src/ (or a single module path where a folder mixes layers), plus
 * `algorithms` and `index` (src/index.ts). A unit may import any unit of its own layer or a lower one.
 */
export const LAYERS: { name: string; units: string[] }[] = [
  // file-format codecs every layer may read or write with (io's domain readers and writers sit in 'output')
  { name: 'formats', units: ['io/atomic', 'io/h5', 'io/netcdf', 'io/npy'] },
  { name: 'numerics', units: ['analysis', 'backend', 'optim'] },
  // what to simulate: SimulationConfig and the specs it is made of
  { name: 'spec', units: ['expr', 'random', 'space', 'models', 'equations', 'coupling', 'stimulus', 'network', 'engine/params',
    'simulation/config', 'surface/sparse', 'surface/local-connectivity', 'surface/stimulus', 'surface/mat'] },
  { name: 'plan', units: ['plan', 'simulation/plan'] },
  { name: 'engines', units: ['engine', 'tensor', 'surface/program'] },
  { name: 'observation', units: ['monitors', 'observation', 'surface/gain'] },
  // provenance describes how a result was made (the resolved config, versions); results carry it
  { name: 'results', units: ['results', 'simulation/result', 'surface/regions', 'provenance'] },
  // drivers that put plan, engine and monitors together and hand back results; the gradient check runs both engines
  { name: 'run', units: ['simulation', 'tensor/gradcheck', 'tensor/index', 'surface/run'] },
  { name: 'output', units: ['io', 'plot', 'report', 'provenance/rerun'] },
  { name: 'applications', units: ['surface', 'spikes', 'reference', 'algorithms', 'experiment'] },
  { name: 'cli', units: ['cli', 'index'] },
];

/**
 * Imports that still run upward or around a circle today, as `from-file -> to-file`. Each is debt with a known
 * fix; the test fails on any import not listed here and on a listed one that no longer exists, so the list only
 * shrinks.
 */
const KNOWN_UPWARD = new Set<string>([
  // The fused kernels compile the monitors, so plan and engines import their specs and emitters from the
  // observation layer, and TensorMonitor's type sits in tensor/ while its forms sit in observation/. Issue 18 item 2
  // (one folder per observation model, one registry) moves the spec types down and hands emitters to the plan.
  'src/simulation/config.ts -> src/monitors/index.ts',
  'src/plan/build.ts -> src/monitors/index.ts',
  'src/plan/types.ts -> src/monitors/index.ts',
  'src/surface/program.ts -> src/monitors/index.ts',
  'src/tensor/monitors.ts -> src/monitors/index.ts',
  'src/tensor/monitors.ts -> src/observation/tensor.ts',
  'src/engine/adjoint/monitors.ts -> src/monitors/index.ts',
  'src/engine/adjoint/monitors.ts -> src/monitors/bold.ts',
  'src/engine/adjoint/monitors.ts -> src/observation/balloon.ts',
  // Results export themselves to BIDS, whose writer names the TimeSeries type: the writer should take a plain
  // structural type (or move beside the results) to close the circle.
  'src/results/experiment.ts -> src/io/bids.ts',
  'src/results/timeseries.ts -> src/io/bids.ts',
  // ExperimentResult.fromTvb reads TVB H5 files lazily; the reader belongs in io/ as a function returning the result.
  'src/results/experiment.ts -> src/io/tvb-h5.ts',
  // The results' .plot()/.animate() convenience methods load plot/ lazily, all through src/plot/of-results.ts; the
  // fix is plot-side functions (plotResult(r)) with the methods registered by plot/ instead of imported by results.
  'src/results/experiment.ts -> src/plot/of-results.ts',
  'src/results/exploration.ts -> src/plot/of-results.ts',
  'src/results/timeseries.ts -> src/plot/of-results.ts',
  'src/simulation/result.ts -> src/plot/of-results.ts',
  // SimulationResult is a result type living in simulation/; issue 18 item 1 gives results one home in src/results.
  'src/results/experiment.ts -> src/simulation/result.ts',
  'src/results/sections.ts -> src/simulation/result.ts',
  'src/results/tuning.ts -> src/simulation/result.ts',
]);

const ROOT = resolve(__dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

const unitNames = LAYERS.flatMap((l) => l.units);
const layerOf = new Map(LAYERS.flatMap((l, i) => l.units.map((u) => [u, i] as const)));

/** The unit a repository path belongs to: the longest unit that prefixes its path under src/. */
function unitOf(path: string): string {
  const r = relative(ROOT, path).split(sep).join('/').replace(/\.(js|ts)$/, '');
  if (r.startsWith('algorithms/')) return 'algorithms';
  if (r === 'src/index') return 'index';
  const inner = r.slice('src/'.length);
  const hit = unitNames.filter((u) => inner === u || inner.startsWith(`${u}/`)).sort((a, b) => b.length - a.length)[0];
  if (!hit) throw new Error(`${r}: in no unit of LAYERS (test/layers.test.ts); add its folder to a layer`);
  return hit;
}

interface Edge { from: string; to: string; fromUnit: string; toUnit: string }

function edges(): Edge[] {
  const files = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'algorithms'))];
  return files.flatMap((f) => ts.preProcessFile(readFileSync(f, 'utf8'), true, true).importedFiles
    .filter((i) => i.fileName.startsWith('.'))
    .map((i) => {
      const target = resolve(dirname(f), i.fileName);
      const rel = (p: string) => relative(ROOT, p).split(sep).join('/').replace(/\.js$/, '.ts');
      return { from: rel(f), to: rel(target), fromUnit: unitOf(f), toUnit: unitOf(target) };
    })
    .filter((e) => e.fromUnit !== e.toUnit));
}

/** Units on a circle of unit-level imports (strongly connected components of more than one unit). */
function circles(es: Edge[]): string[][] {
  const adj = new Map<string, Set<string>>();
  for (const e of es) (adj.get(e.fromUnit) ?? adj.set(e.fromUnit, new Set()).get(e.fromUnit)!).add(e.toUnit);
  const reach = (a: string): Set<string> => {
    const seen = new Set<string>(); const stack = [a];
    while (stack.length) for (const b of adj.get(stack.pop()!) ?? []) if (!seen.has(b)) { seen.add(b); stack.push(b); }
    return seen;
  };
  const r = new Map(unitNames.map((u) => [u, reach(u)]));
  const out: string[][] = []; const done = new Set<string>();
  for (const u of unitNames) {
    if (done.has(u)) continue;
    const scc = unitNames.filter((v) => v === u || (r.get(u)!.has(v) && r.get(v)!.has(u)));
    scc.forEach((v) => done.add(v));
    if (scc.length > 1) out.push(scc);
  }
  return out;
}

describe('layers', () => {
  const all = edges();
  const key = (e: Edge) => `${e.from} -> ${e.to}`;
  const upward = all.filter((e) => layerOf.get(e.toUnit)! > layerOf.get(e.fromUnit)!);

  it('every file of src/ and algorithms/ belongs to a unit of LAYERS', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('no import points up the pipeline (beyond the listed debts)', () => {
    const fresh = upward.filter((e) => !KNOWN_UPWARD.has(key(e)))
      .map((e) => `${key(e)}  (${e.fromUnit} [${LAYERS[layerOf.get(e.fromUnit)!].name}] imports ${e.toUnit} [${LAYERS[layerOf.get(e.toUnit)!].name}])`);
    expect(fresh, 'upward imports').toEqual([]);
  });

  it('no folders import each other in a circle (beyond the listed debts)', () => {
    const listed = all.filter((e) => !KNOWN_UPWARD.has(key(e)));
    expect(circles(listed), 'circles of folders').toEqual([]);
  });

  it('every listed debt still exists (remove fixed ones from KNOWN_UPWARD)', () => {
    const now = new Set(all.map(key));
    expect([...KNOWN_UPWARD].filter((k) => !now.has(k))).toEqual([]);
  });
});
