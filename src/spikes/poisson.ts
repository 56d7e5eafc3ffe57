/**
 * From neural masses to spikes: each chosen node's firing rate becomes a population of independent
 * inhomogeneous Poisson neurons.
 *
 * The rate is held constant over each sample interval [t_k, t_k+1) (zero-order hold; the last
 * interval as long as the one before it, or up to `tStop`). Spikes are drawn by time rescaling,
 * which is exact for such a piecewise-constant intensity: with Λ(t) = ∫ r, spikes are Λ⁻¹(E1),
 * Λ⁻¹(E1+E2), ... for unit exponentials E = −log(1 − U). A node's population is drawn as one pooled
 * process of rate n·r whose spikes are given to uniformly drawn neurons (exact by the superposition
 * and marking theorems), so the cost grows with the number of spikes, not neurons × samples.
 * U comes from vbt's numpy-compatible RandomState (MT19937 `random_sample`), node by node, so a
 * seed fixes the result.
 */
import { RandomState } from '../random/index.js';
import { parseExpr, evalExpr, substitute, freeSymbols, type Expr } from '../expr/index.js';
import { getModel } from '../models/catalogue.js';
import type { SimulationResult } from '../results/simulation.js';
import type { Connectivity } from '../network/connectivity.js';
import { NodeTable, type NodeColumnInput } from './nodes.js';
import type { Spikes } from './sonata.js';

export interface PoissonSpikesOptions {
  /** Sample times of the rate series (ms), strictly increasing. */
  times: ArrayLike<number>;
  /** Rates, time-major: rates[k * nNodes + v]; multiplied by `rateScale` they are spikes per ms. */
  rates: ArrayLike<number>;
  nNodes: number;
  /** Node columns to draw from (default all). */
  nodes?: readonly number[];
  /** Neurons per chosen node (one number for all, or one per chosen node). */
  populationSize: number | readonly number[];
  /** Factor to spikes/ms (1 when rates are per ms, 0.001 when in Hz). Default 1. */
  rateScale?: number;
  /** End of the last interval (ms); default last time + last spacing. */
  tStop?: number;
  seed: number;
}

export interface PoissonSpikes extends Spikes {
  /** For each neuron id: the node (column) it belongs to. */
  neuronNode: Uint32Array;
  /** For each neuron id: its index within its node's population. */
  neuronIndex: Uint32Array;
  /** First neuron id of each chosen node (length nodes+1). */
  offsets: Uint32Array;
}

function checkIntervals(times: ArrayLike<number>, tStop?: number): Float64Array {
  const T = times.length;
  if (T === 0) throw new Error('poisson spikes: the rate series has no samples');
  const edges = new Float64Array(T + 1);
  for (let k = 0; k < T; k++) {
    edges[k] = times[k];
    if (!Number.isFinite(times[k])) throw new Error(`poisson spikes: sample time ${times[k]} at index ${k} is not finite`);
    if (k > 0 && !(times[k] > times[k - 1])) throw new Error(`poisson spikes: sample times must increase (index ${k}: ${times[k]} after ${times[k - 1]})`);
  }
  const last = tStop ?? (T > 1 ? 2 * times[T - 1] - times[T - 2] : NaN);
  if (!(last > times[T - 1])) throw new Error(`poisson spikes: tStop ${tStop ?? '(unset)'} must be after the last sample time ${times[T - 1]} (set tStop for a single sample)`);
  edges[T] = last;
  return edges;
}

/**
 * Inhomogeneous Poisson spike trains for populations of neurons driven by node rates.
 *
 * @example
 * ```ts
 * import { poissonSpikes } from 'vbt';
 * // 2 nodes, rates 10 and 20 Hz over 1 s sampled every ms, 50 neurons each
 * const T = 1000, times = Float64Array.from({ length: T }, (_, k) => k);
 * const rates = Float64Array.from({ length: 2 * T }, (_, i) => (i % 2 ? 20 : 10));
 * const s = poissonSpikes({ times, rates, nNodes: 2, populationSize: 50, rateScale: 1e-3, seed: 1 });
 * s.timestamps.length; // ≈ 50·10 + 50·20 = 1500
 * ```
 */
export function poissonSpikes(o: PoissonSpikesOptions): PoissonSpikes {
  const T = o.times.length;
  const N = o.nNodes;
  if (!(Number.isInteger(N) && N > 0)) throw new Error(`poisson spikes: nNodes must be a positive integer, got ${N}`);
  if (o.rates.length !== T * N) throw new Error(`poisson spikes: rates has ${o.rates.length} values, expected times (${T}) × nNodes (${N}) = ${T * N}`);
  const edges = checkIntervals(o.times, o.tStop);
  const nodes = o.nodes ?? Array.from({ length: N }, (_, v) => v);
  for (const v of nodes) if (!(Number.isInteger(v) && v >= 0 && v < N)) throw new Error(`poisson spikes: node ${v} is not in 0..${N - 1}`);
  const sizes = typeof o.populationSize === 'number' ? nodes.map(() => o.populationSize as number) : [...o.populationSize];
  if (sizes.length !== nodes.length) throw new Error(`poisson spikes: ${sizes.length} population sizes for ${nodes.length} nodes`);
  for (const s of sizes) if (!(Number.isInteger(s) && s >= 0)) throw new Error(`poisson spikes: population size ${s} is not a non-negative integer`);
  const scale = o.rateScale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`poisson spikes: rateScale must be a positive number, got ${scale}`);

  const offsets = new Uint32Array(nodes.length + 1);
  for (let j = 0; j < nodes.length; j++) offsets[j + 1] = offsets[j] + sizes[j];
  const nNeurons = offsets[nodes.length];
  const neuronNode = new Uint32Array(nNeurons);
  const neuronIndex = new Uint32Array(nNeurons);
  for (let j = 0; j < nodes.length; j++) for (let k = 0; k < sizes[j]; k++) {
    neuronNode[offsets[j] + k] = nodes[j];
    neuronIndex[offsets[j] + k] = k;
  }

  const rng = new RandomState(o.seed);
  let t: number[] = [];
  let id: number[] = [];
  let bin: number[] = [];
  const cum = new Float64Array(T + 1);
  const r = new Float64Array(T);
  for (let j = 0; j < nodes.length; j++) {
    const v = nodes[j];
    for (let k = 0; k < T; k++) {
      const x = o.rates[k * N + v] * scale;
      if (!(x >= 0 && Number.isFinite(x))) throw new Error(`poisson spikes: rate ${o.rates[k * N + v]} at time ${o.times[k]} ms, node ${v} is negative or not finite`);
      r[k] = x;
      cum[k + 1] = cum[k] + x * (edges[k + 1] - edges[k]);
    }
    // The n neurons of a node together form one Poisson process of rate n·r(t); marking each of
    // its spikes with a uniformly drawn neuron gives n independent processes of rate r(t)
    // (superposition and marking theorems). Cost: O(T + spikes) per node instead of O(n·T).
    const n = sizes[j];
    if (n === 0) continue;
    const total = cum[T] * n;
    let target = -Math.log(1 - rng.randomSample());
    let k = 0;
    while (target < total) {
      const u = target / n;
      while (cum[k + 1] <= u) k++; // r[k] > 0 here because cum increases across interval k
      const ts = edges[k] + (u - cum[k]) / r[k];
      t.push(Math.min(ts, edges[k + 1]));
      id.push(offsets[j] + Math.min(n - 1, Math.floor(rng.randomSample() * n)));
      bin.push(k);
      target += -Math.log(1 - rng.randomSample());
    }
  }
  // Time order: counting sort by interval (stable), then each interval's few spikes by time, then id.
  const S = t.length;
  const start = new Uint32Array(T + 1);
  for (let i = 0; i < S; i++) start[bin[i] + 1]++;
  for (let k = 0; k < T; k++) start[k + 1] += start[k];
  const fill = start.slice(0, T);
  const order = new Uint32Array(S);
  for (let i = 0; i < S; i++) order[fill[bin[i]]++] = i;
  const timestamps = new Float64Array(S);
  const nodeIds = new Uint32Array(S);
  for (let k = 0; k < T; k++) {
    const seg = Array.from(order.subarray(start[k], start[k + 1]));
    seg.sort((a, b) => t[a] - t[b] || id[a] - id[b]);
    for (let q = 0; q < seg.length; q++) {
      timestamps[start[k] + q] = t[seg[q]];
      nodeIds[start[k] + q] = id[seg[q]];
    }
  }
  t = id = bin = [];
  return { timestamps, nodeIds, neuronNode, neuronIndex, offsets };
}

export interface SpikesFromSimulationOptions {
  /** Monitor name or index (default the first), or several with the same sample times. */
  monitor?: string | number | (string | number)[];
  /** Batch element (default 0). */
  batch?: number;
  /** Mode (default 0). */
  mode?: number;
  /**
   * The firing rate: a recorded variable, a model auxiliary (e.g. JansenRit's `sigm_y1_y2`), or an
   * expression over recorded variables and model parameters, e.g. `2*nu_max/(1+exp(r*(v0-(y1-y2))))`.
   */
  rate: string;
  /** Units of the rate: 'per_ms' (default; JansenRit's sigmoid is in ms⁻¹) or 'Hz'. */
  rateUnit?: 'per_ms' | 'Hz';
  /** Extra or overriding symbol values for the expression. */
  parameters?: Record<string, number | readonly number[]>;
  /** Nodes to turn into populations (default all). */
  nodes?: readonly number[];
  populationSize: number | readonly number[];
  seed: number;
  /** Region labels and centres for the neuron table (default: the result's network, else only its labels). */
  connectivity?: Connectivity;
  /** Spread neurons uniformly within ± jitter mm of their region's centre (default 0), seeded with `seed`. */
  jitter?: number;
}

export interface SimulatedSpikes extends PoissonSpikes {
  /** Per-neuron table: region, label, neuron, and x/y/z and hemisphere when a connectivity is given. */
  nodeTable: NodeTable;
  /** The rate series used (time-major, nNodes columns), in spikes/ms. */
  rates: Float64Array;
  times: Float64Array;
}

/**
 * Evaluate a rate expression over a simulation result: rates[k * N + v] in the expression's units.
 * Variables are looked up in the given monitor(s), which must share their sample times (e.g.
 * TemporalAverage and AfferentCoupling of one period, so a rate may read the coupling input c_0
 * as ReducedWongWang's H does); model auxiliaries are inlined; `local_coupling` is 0 (region networks).
 */
export function rateSeries(result: SimulationResult, o: Pick<SpikesFromSimulationOptions, 'monitor' | 'batch' | 'mode' | 'rate' | 'parameters'>): { times: Float64Array; rates: Float64Array; nNodes: number } {
  const which = o.monitor === undefined ? [0] : Array.isArray(o.monitor) ? o.monitor : [o.monitor as string | number];
  if (which.length === 0) throw new Error('rate: no monitor given');
  const mons = which.map((w) => result.monitor(w));
  const [, T, , N, M] = mons[0].shape;
  for (const m of mons.slice(1)) {
    const same = m.time.length === T && m.time.every((t, k) => Math.abs(t - mons[0].time[k]) <= 1e-9 * Math.max(1, Math.abs(t)));
    if (!same || m.shape[3] !== N || m.shape[4] !== M) {
      throw new Error(`rate: monitors '${mons[0].name}' and '${m.name}' do not share sample times and nodes (${T} vs ${m.time.length} samples); use monitors of the same period`);
    }
  }
  const b = o.batch ?? 0;
  const mode = o.mode ?? 0;
  if (!(mode >= 0 && mode < M)) throw new Error(`mode ${mode} out of range 0..${M - 1}`);
  // variable name → [data of its monitor, its row, that monitor's row count]; the first monitor wins
  const lookup = new Map<string, [Float64Array, number, number]>();
  mons.forEach((m, q) => {
    const data = result.batch(b, which[q]);
    m.variables.forEach((name, row) => {
      if (!lookup.has(name)) lookup.set(name, [data, row, m.shape[2]]);
    });
  });
  const recorded = (s: string) => lookup.has(s);
  let expr: Expr;
  try {
    expr = parseExpr(o.rate, { field: 'rate' });
  } catch (e) {
    throw new Error(`rate '${o.rate}': ${(e as Error).message}`);
  }
  // Inline model auxiliaries (repeatedly: auxiliaries may use earlier ones).
  let aux: Record<string, string | number> = {};
  try {
    aux = getModel(result.info.model).auxiliaries ?? {};
  } catch {
    aux = {};
  }
  for (let pass = 0; pass < 20; pass++) {
    const names = [...freeSymbols(expr)].filter((s) => s in aux && !recorded(s));
    if (!names.length) break;
    expr = substitute(expr, (s) => (names.includes(s) ? parseExpr(String(aux[s])) : undefined));
  }
  const params: Record<string, number | readonly number[]> = { local_coupling: 0, ...result.info.parameters, ...(o.parameters ?? {}) };
  const unknown = [...freeSymbols(expr)].filter((s) => !recorded(s) && !(s in params));
  if (unknown.length) {
    const recs = mons.map((m) => `'${m.name}' records ${m.variables.join(', ')}`).join('; ');
    throw new Error(`rate '${o.rate}': unknown symbol(s) ${unknown.join(', ')}; the monitor ${recs}; parameters: ${Object.keys(params).join(', ')}`);
  }
  const rates = new Float64Array(T * N);
  let k = 0;
  let v = 0;
  const env = (s: string): number => {
    const hit = lookup.get(s);
    if (hit) return hit[0][((k * hit[2] + hit[1]) * N + v) * M + mode];
    const p = params[s];
    return typeof p === 'number' ? p : (p as readonly number[])[p.length === 1 ? 0 : v];
  };
  for (k = 0; k < T; k++) for (v = 0; v < N; v++) rates[k * N + v] = evalExpr(expr, env);
  return { times: Float64Array.from(mons[0].time), rates, nNodes: N };
}

/**
 * Spikes drawn from a simulated firing rate: one population of `populationSize` Poisson neurons
 * per chosen node.
 *
 * @example
 * ```ts
 * import { simulateSync, spikesFromSimulation, writeSpikeFile } from 'vbt';
 * const res = simulateSync({ model: 'JansenRit', coupling: 'SigmoidalJansenRit', duration: 1000,
 *   integrator: { name: 'Heun', dt: 0.1 }, monitors: [{ name: 'TemporalAverage', period: 1 }] });
 * const s = spikesFromSimulation(res, { rate: 'sigm_y1_y2', populationSize: 100, seed: 42 });
 * await writeSpikeFile('out/jr-spikes.h5', { JansenRit: s });
 * ```
 */
export function spikesFromSimulation(result: SimulationResult, o: SpikesFromSimulationOptions): SimulatedSpikes {
  const { times, rates, nNodes } = rateSeries(result, o);
  const scale = (o.rateUnit ?? 'per_ms') === 'Hz' ? 1e-3 : 1;
  if (o.rateUnit !== undefined && o.rateUnit !== 'Hz' && o.rateUnit !== 'per_ms') throw new Error(`rateUnit '${o.rateUnit}' is not one of per_ms, Hz`);
  const s = poissonSpikes({ times, rates, nNodes, nodes: o.nodes, populationSize: o.populationSize, rateScale: scale, seed: o.seed });
  const conn = o.connectivity ?? result.network;
  const labels = conn?.labels ?? result.info.nodeLabels;
  const cols: Record<string, NodeColumnInput> = {
    region: Int32Array.from(s.neuronNode),
    label: Array.from(s.neuronNode, (v) => labels[v] ?? `node_${v}`),
    neuron: Int32Array.from(s.neuronIndex),
  };
  if (conn) {
    if (conn.n !== nNodes) throw new Error(`connectivity has ${conn.n} nodes but the simulation result has ${nNodes}`);
    const c = conn.centres;
    const jitter = o.jitter ?? 0;
    const rng = new RandomState(o.seed + 1);
    const xyz = [new Float64Array(s.neuronNode.length), new Float64Array(s.neuronNode.length), new Float64Array(s.neuronNode.length)];
    for (let i = 0; i < s.neuronNode.length; i++) for (let d = 0; d < 3; d++) xyz[d][i] = c[3 * s.neuronNode[i] + d] + (jitter ? rng.uniform(-jitter, jitter) : 0);
    [cols.x, cols.y, cols.z] = xyz;
    cols.hemisphere = Array.from(s.neuronNode, (v) => (conn.hemispheres[v] ? 'right' : 'left'));
  }
  const scaled = scale === 1 ? rates : rates.map((x) => x * scale);
  return { ...s, nodeTable: new NodeTable(cols, s.neuronNode.length), rates: scaled, times };
}
