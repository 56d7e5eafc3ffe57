/**
 * Free parameters: which model / coupling / network values an algorithm may change, at which
 * granularity (one global value, one per region, one per edge), under which bound transform, and
 * with which entries frozen by a mask.
 *
 * Optimisers work on an unconstrained vector u; the physical value is v = T(u). Transforms keep
 * v inside its bounds without projection steps, and `dValue` gives dv/du for the chain rule.
 */

import { Connectivity } from '../src/network/connectivity.js';
import type { SimulationConfig } from '../src/simulation/config.js';

export type Scope = 'global' | 'regional' | 'edge';
export type Target = 'model' | 'coupling' | 'network';

/** Bound transforms. sigmoid: v = low + (high − low)·σ(u); log: v = exp(u) > 0; clip: v = min(max(u, low), high). */
export type Transform =
  | { kind: 'identity' }
  | { kind: 'sigmoid'; low: number; high: number }
  | { kind: 'log' }
  | { kind: 'clip'; low: number; high: number };

export const identity: Transform = Object.freeze({ kind: 'identity' });
export const logPositive: Transform = Object.freeze({ kind: 'log' });
/** v ∈ (low, high) through a logistic sigmoid. */
export function sigmoidBounded(low: number, high: number): Transform {
  checkBounds(low, high, 'sigmoidBounded');
  return { kind: 'sigmoid', low, high };
}
/** v = u clipped to [low, high] (either may be ±Infinity); gradient 0 outside. */
export function clipped(low: number, high: number): Transform {
  if (!(low <= high)) throw new Error(`clipped: low=${low} must be ≤ high=${high}`);
  return { kind: 'clip', low, high };
}

function checkBounds(low: number, high: number, what: string): void {
  if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
    throw new Error(`${what}: bounds [${low}, ${high}] invalid; expected finite low < high`);
  }
}

/** v = T(u). */
export function toValue(t: Transform, u: number): number {
  switch (t.kind) {
    case 'identity': return u;
    case 'log': return Math.exp(u);
    case 'sigmoid': return t.low + (t.high - t.low) / (1 + Math.exp(-u));
    case 'clip': return Math.min(Math.max(u, t.low), t.high);
  }
}

/** u = T⁻¹(v); throws when v is outside the transform's domain (open for sigmoid/log). */
export function toUnconstrained(t: Transform, v: number, what = 'value'): number {
  switch (t.kind) {
    case 'identity': return v;
    case 'log':
      if (!(v > 0)) throw new Error(`${what} = ${v}: the log-positive transform needs a value > 0`);
      return Math.log(v);
    case 'sigmoid': {
      if (!(v > t.low && v < t.high)) throw new Error(`${what} = ${v}: outside the open interval (${t.low}, ${t.high}) of its sigmoid bound`);
      const p = (v - t.low) / (t.high - t.low);
      return Math.log(p / (1 - p));
    }
    case 'clip':
      if (!(v >= t.low && v <= t.high)) throw new Error(`${what} = ${v}: outside its clip bounds [${t.low}, ${t.high}]`);
      return v;
  }
}

/** dv/du at u. */
export function dValue(t: Transform, u: number): number {
  switch (t.kind) {
    case 'identity': return 1;
    case 'log': return Math.exp(u);
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-u));
      return (t.high - t.low) * s * (1 - s);
    }
    case 'clip': return u >= t.low && u <= t.high ? 1 : 0;
  }
}

export interface FreeParameterInit {
  /** Model parameter name, coupling parameter name, or `weights` for the network. */
  name: string;
  target?: Target;
  scope: Scope;
  /** Initial value: one number (broadcast) or one per entry (1, N or N·N values by scope). */
  init: number | ArrayLike<number>;
  /** Number of regions (needed for regional/edge scope). */
  n?: number;
  transform?: Transform;
  /** 1/true = free, 0/false = frozen at its initial value; same length as the entries. */
  mask?: ArrayLike<number | boolean>;
}

/**
 * One free parameter. `size` is the number of entries (1, N or N²); `free` the indices an optimiser
 * changes. Values outside the mask stay at `init` for ever.
 *
 * @example
 * ```ts
 * import { FreeParameter, sigmoidBounded } from 'vbt/algorithms';
 * const G = new FreeParameter({ name: 'G', target: 'coupling', scope: 'global', init: 0.5, transform: sigmoidBounded(0, 2) });
 * const u = G.pack();          // [0]: the logit of 0.25
 * G.unpack(u)[0];              // 0.5
 * ```
 */
export class FreeParameter {
  readonly name: string;
  readonly target: Target;
  readonly scope: Scope;
  readonly n: number;
  readonly size: number;
  readonly transform: Transform;
  readonly init: Float64Array;
  readonly free: Int32Array;

  constructor(o: FreeParameterInit) {
    if (!o.name) throw new Error('FreeParameter: name is empty');
    this.name = o.name;
    this.target = o.target ?? (o.name === 'weights' ? 'network' : 'model');
    this.scope = o.scope;
    if (o.scope !== 'global' && o.scope !== 'regional' && o.scope !== 'edge') {
      throw new Error(`FreeParameter ${o.name}: scope '${String(o.scope)}'; expected global, regional or edge`);
    }
    if (this.target === 'network' && o.scope !== 'edge' && o.name === 'weights') {
      throw new Error(`FreeParameter weights: network weights are per edge; use scope 'edge'`);
    }
    const n = o.n ?? (typeof o.init === 'number' ? (o.scope === 'global' ? 1 : NaN) : o.scope === 'edge' ? Math.round(Math.sqrt(o.init.length)) : o.init.length);
    if (o.scope === 'global') this.n = o.n ?? 1;
    else {
      if (!(Number.isInteger(n) && n >= 1)) throw new Error(`FreeParameter ${o.name}: scope ${o.scope} needs n (the number of regions) or an init array`);
      this.n = n;
    }
    this.size = o.scope === 'global' ? 1 : o.scope === 'regional' ? this.n : this.n * this.n;
    this.transform = o.transform ?? identity;
    const init = new Float64Array(this.size);
    if (typeof o.init === 'number') init.fill(o.init);
    else {
      if (o.init.length !== this.size) throw new Error(`FreeParameter ${o.name}: init has ${o.init.length} values; expected ${this.size} for scope ${o.scope}`);
      init.set(Array.from(o.init));
    }
    for (let k = 0; k < init.length; k++) {
      if (!Number.isFinite(init[k])) throw new Error(`FreeParameter ${o.name}: init[${k}] = ${init[k]} is not finite`);
    }
    this.init = init;
    const free: number[] = [];
    if (o.mask !== undefined) {
      if (o.mask.length !== this.size) throw new Error(`FreeParameter ${o.name}: mask has ${o.mask.length} entries; expected ${this.size}`);
      for (let k = 0; k < this.size; k++) if (o.mask[k]) free.push(k);
    } else for (let k = 0; k < this.size; k++) free.push(k);
    this.free = Int32Array.from(free);
    // validates that every free initial value lies in the transform's domain
    for (const k of this.free) toUnconstrained(this.transform, init[k], `${this.name}[${k}] initial value`);
  }

  /** Number of unconstrained coordinates (free entries). */
  get dim(): number {
    return this.free.length;
  }

  /** Unconstrained coordinates of `values` (default: the initial values), free entries only. */
  pack(values: ArrayLike<number> = this.init): Float64Array {
    if (values.length !== this.size) throw new Error(`FreeParameter ${this.name}: ${values.length} values; expected ${this.size}`);
    const u = new Float64Array(this.free.length);
    for (let k = 0; k < this.free.length; k++) u[k] = toUnconstrained(this.transform, values[this.free[k]], `${this.name}[${this.free[k]}]`);
    return u;
  }

  /** Full value array (size entries) from unconstrained coordinates; frozen entries keep `init`. */
  unpack(u: ArrayLike<number>, offset = 0): Float64Array {
    const v = Float64Array.from(this.init);
    for (let k = 0; k < this.free.length; k++) v[this.free[k]] = toValue(this.transform, u[offset + k]);
    return v;
  }

  /** Chain rule: gradient w.r.t. u from a gradient w.r.t. the full value array. */
  pullback(u: ArrayLike<number>, dv: ArrayLike<number>, offset = 0): Float64Array {
    const g = new Float64Array(this.free.length);
    for (let k = 0; k < this.free.length; k++) g[k] = dv[this.free[k]] * dValue(this.transform, u[offset + k]);
    return g;
  }
}

/** A global (one value) free parameter. */
export function globalParameter(name: string, init: number, opts: { target?: Target; transform?: Transform } = {}): FreeParameter {
  return new FreeParameter({ name, scope: 'global', init, ...opts });
}
/** A per-region free parameter; `init` is one value (broadcast, then `n` is required) or N values. */
export function regionalParameter(name: string, init: number | ArrayLike<number>, opts: { n?: number; target?: Target; transform?: Transform; mask?: ArrayLike<number | boolean> } = {}): FreeParameter {
  return new FreeParameter({ name, scope: 'regional', init, ...opts });
}
/** A per-edge free parameter (N×N, row = target region as in Connectivity.weights). */
export function edgeParameter(name: string, init: number | ArrayLike<number>, opts: { n?: number; target?: Target; transform?: Transform; mask?: ArrayLike<number | boolean> } = {}): FreeParameter {
  return new FreeParameter({ name, scope: 'edge', init, ...opts });
}

/** Values of a parameter set, by name: number for global scope, Float64Array otherwise. */
export type ParameterValues = Record<string, number | Float64Array>;

/**
 * An ordered set of free parameters with one flat unconstrained vector for optimisers.
 *
 * @example
 * ```ts
 * import { ParameterSet, globalParameter, logPositive, regionalParameter } from 'vbt/algorithms';
 * const ps = new ParameterSet([globalParameter('G', 1, { target: 'coupling', transform: logPositive }),
 *                              regionalParameter('w', [0.2, 0.3, 0.4])]);
 * ps.dim;                       // 4
 * ps.values(ps.pack()).w;       // Float64Array [0.2, 0.3, 0.4]
 * ```
 */
export class ParameterSet {
  readonly params: FreeParameter[];
  constructor(params: FreeParameter[]) {
    const seen = new Set<string>();
    for (const p of params) {
      const key = `${p.target}.${p.name}`;
      if (seen.has(key)) throw new Error(`ParameterSet: ${key} appears twice`);
      seen.add(key);
    }
    this.params = params;
  }
  get dim(): number {
    return this.params.reduce((s, p) => s + p.dim, 0);
  }
  pack(values?: ParameterValues): Float64Array {
    const out = new Float64Array(this.dim);
    let o = 0;
    for (const p of this.params) {
      const v = values?.[p.name];
      const full = v === undefined ? p.init : typeof v === 'number' ? new Float64Array(p.size).fill(v) : v;
      out.set(p.pack(full), o);
      o += p.dim;
    }
    return out;
  }
  values(u: ArrayLike<number>): ParameterValues {
    if (u.length !== this.dim) throw new Error(`ParameterSet: vector has ${u.length} entries; expected ${this.dim}`);
    const out: ParameterValues = {};
    let o = 0;
    for (const p of this.params) {
      const v = p.unpack(u, o);
      out[p.name] = p.scope === 'global' ? v[0] : v;
      o += p.dim;
    }
    return out;
  }
  /** Gradient w.r.t. u from gradients w.r.t. the values (same keys as `values`). */
  pullback(u: ArrayLike<number>, dv: Record<string, number | ArrayLike<number>>): Float64Array {
    const g = new Float64Array(this.dim);
    let o = 0;
    for (const p of this.params) {
      const d = dv[p.name];
      if (d === undefined) throw new Error(`ParameterSet.pullback: no gradient for ${p.name}`);
      g.set(p.pullback(u, typeof d === 'number' ? [d] : d, o), o);
      o += p.dim;
    }
    return g;
  }
}

/**
 * A simulation config with the parameter values written in: model parameters into `parameters`,
 * coupling parameters into `couplingParameters`, network `weights` into a new Connectivity.
 *
 * @example
 * ```ts
 * import { ParameterSet, applyParameters, globalParameter } from 'vbt/algorithms';
 * const ps = new ParameterSet([globalParameter('a', 0.1, { target: 'coupling' })]);
 * applyParameters({ model: 'Generic2dOscillator', integrator: { dt: 0.1 }, duration: 10 }, ps, { a: 0.2 })
 *   .couplingParameters; // { a: 0.2 }
 * ```
 */
export function applyParameters(cfg: SimulationConfig, set: ParameterSet, values: ParameterValues): SimulationConfig {
  const out: SimulationConfig = { ...cfg, parameters: { ...(cfg.parameters ?? {}) }, couplingParameters: { ...(cfg.couplingParameters ?? {}) } };
  for (const p of set.params) {
    const v = values[p.name];
    if (v === undefined) throw new Error(`applyParameters: no value for ${p.name}`);
    const val = typeof v === 'number' ? v : Array.from(v);
    if (p.target === 'model') out.parameters![p.name] = val;
    else if (p.target === 'coupling') out.couplingParameters![p.name] = val;
    else {
      if (p.name !== 'weights') throw new Error(`applyParameters: network parameter '${p.name}' unknown; only 'weights' is supported`);
      if (!cfg.connectivity) throw new Error('applyParameters: network weights need cfg.connectivity');
      const c = cfg.connectivity;
      out.connectivity = new Connectivity({ n: c.n, weights: typeof v === 'number' ? new Float64Array(c.n * c.n).fill(v) : v, tractLengths: c.tractLengths, centres: c.centres, labels: c.labels, speed: c.speed, name: c.name, source: c.source });
    }
  }
  return out;
}
