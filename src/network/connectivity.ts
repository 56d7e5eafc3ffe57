/**
 * Region-level structural connectivity, laid out the way TVB lays it out so that numbers read from
 * TVB files (or compared against TVB runs) need no transposition or re-indexing.
 *
 * Orientation: `weights[i*n + j]` is the connection TO node i FROM node j (row = target, column =
 * source), because TVB's coupling sums `weights[k, j] * x_j(t - delay[k, j])` over j for target k.
 * `tractLengths` uses the same layout.
 */

/** TVB's default conduction speed in mm/ms (= m/s); the ZIP and H5 formats never store a speed. */
export const DEFAULT_SPEED = 3.0;

/** Ways to rescale weights, following TVB's `Connectivity.scaled_weights` modes. */
export type WeightNormalization =
  /** divide by max |w_ij| (TVB 'tract'; 'edge' and 'max' are aliases) */
  | 'tract'
  | 'edge'
  | 'max'
  /** divide by max_i |Σ_j w_ij|, i.e. the largest total input to a node (TVB 'region'; alias 'node') */
  | 'region'
  | 'node'
  /** return an unchanged copy */
  | 'none';

/** What a Connectivity is built from. Optional per-node fields may be omitted: see the class fields. */
export interface ConnectivityInit {
  /** n*n row-major, TO row FROM column. */
  weights: ArrayLike<number>;
  /** Number of nodes; inferred from weights.length (which must then be a perfect square) when omitted. */
  n?: number;
  /** n*n, mm. When omitted, Euclidean distances between centres (as TVB's configure() does). */
  tractLengths?: ArrayLike<number>;
  /** n*3, mm. */
  centres?: ArrayLike<number>;
  /** When omitted: region_000, region_001, ... (TVB's fallback). */
  labels?: readonly string[];
  cortical?: readonly boolean[];
  /** true = right. When omitted, derived from label prefixes/suffixes as TVB does (see deriveHemispheres). */
  hemispheres?: readonly boolean[];
  /** mm². */
  areas?: ArrayLike<number>;
  /** n*3 average dipole orientations (TVB's bundled data are not unit vectors). */
  orientations?: ArrayLike<number>;
  /** mm/ms; default 3.0. */
  speed?: number;
  /** Extra per-node columns (each of length n), e.g. atlas ids, kept through copy/subset. */
  nodeMetadata?: Record<string, readonly unknown[]>;
  name?: string;
  source?: string;
}

/** Integer delays as TVB's simulator computes them for one (dt, speed). */
export interface Delays {
  /** n*n, same layout as weights: delay in integration steps of the TO-i FROM-j connection. */
  idelays: Int32Array;
  /** History length the simulator must keep: max(idelays) + 1. */
  horizon: number;
}

/**
 * Compressed-sparse-row view of the non-zero weights, one row per TARGET node: row i lists the
 * sources j with weights[i*n+j] !== 0, in ascending j, so a coupling loop touches only real edges
 * and sums in the same order as a dense loop over j would.
 */
export interface CsrWeights {
  n: number;
  nnz: number;
  /** n+1 offsets into col/w; row i occupies [rowPtr[i], rowPtr[i+1]). */
  rowPtr: Int32Array;
  /** Source node index of each stored entry. */
  col: Int32Array;
  /** Weight of each stored entry. */
  w: Float64Array;
}

/**
 * numpy.rint: round to nearest, ties to even. Math.round rounds ties towards +∞, which would give
 * 3 for 2.5 where TVB gets 2, shifting delays by one step exactly when tract/speed/dt lands on .5.
 */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  // Work on |x| so that x - floor(x) is exact (Sterbenz, or x itself when floor is 0).
  if (x < 0) return -rint(-x);
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * TVB's integer delays: rint(tract / speed / dt). The two divisions are kept separate and in this
 * order because TVB first stores delays = tract/speed (ms) and later divides by dt; a fused
 * tract/(speed*dt) differs in the last bit often enough to move a .5 case to the other side.
 */
export function computeDelays(tractLengths: ArrayLike<number>, dt: number, speed: number): Delays {
  if (!(Number.isFinite(dt) && dt > 0)) throw new Error(`delays: dt must be a positive finite number, got ${dt}`);
  if (!(Number.isFinite(speed) && speed > 0)) throw new Error(`delays: speed must be a positive finite number, got ${speed}`);
  const idelays = new Int32Array(tractLengths.length);
  let max = 0;
  for (let k = 0; k < tractLengths.length; k++) {
    const steps = rint(tractLengths[k] / speed / dt);
    if (!(steps >= 0 && steps <= 0x7fffffff)) {
      throw new Error(`delays: entry ${k} (tract ${tractLengths[k]} mm, speed ${speed}, dt ${dt}) gives ${steps} steps, outside int32`);
    }
    idelays[k] = steps;
    if (steps > max) max = steps;
  }
  return { idelays, horizon: max + 1 };
}

/**
 * Hemispheres from labels, TVB's rule: if every label starts with r/l (any case) the prefix decides,
 * else if every label ends with r/l the suffix decides, else unknown (undefined). Note the rule is
 * literal: labels like "region_000" all start with 'r' and so all count as right, exactly as in TVB.
 */
export function deriveHemispheres(labels: readonly string[]): boolean[] | undefined {
  const by = (pick: (s: string) => string): boolean[] | undefined => {
    const out: boolean[] = [];
    for (const label of labels) {
      const c = pick(label.toLowerCase());
      if (c === 'r') out.push(true);
      else if (c === 'l') out.push(false);
      else return undefined;
    }
    return out;
  };
  if (labels.length === 0) return undefined;
  return by((s) => s.charAt(0)) ?? by((s) => s.charAt(s.length - 1));
}

/**
 * Euclidean distances between centres (n*3), TVB's stand-in when tract lengths are missing.
 * Summation order dx²+dy²+dz² with d = c_j - c_i matches numpy's, so results are bit-identical.
 */
export function euclideanTractLengths(centres: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dx = centres[3 * j] - centres[3 * i];
      const dy = centres[3 * j + 1] - centres[3 * i + 1];
      const dz = centres[3 * j + 2] - centres[3 * i + 2];
      out[i * n + j] = Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return out;
}

/** TVB's fallback labels when none are given. */
export function defaultLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `region_${String(i).padStart(3, '0')}`);
}

function lengthError(field: string, got: number, expected: string): Error {
  return new Error(`Connectivity: ${field} has length ${got}, expected ${expected}`);
}

/** Optional per-node arrays are either absent (length 0, as TVB keeps them) or exactly `want` long. */
function checkOptional(field: string, got: number, want: number, what: string): void {
  if (got !== 0 && got !== want) throw lengthError(field, got, `${want} (${what}) or 0 when absent`);
}

function inferN(init: ConnectivityInit): number {
  if (init.n !== undefined) {
    if (!Number.isInteger(init.n) || init.n < 1) throw new Error(`Connectivity: n must be a positive integer, got ${init.n}`);
    return init.n;
  }
  const len = init.weights.length;
  const n = Math.round(Math.sqrt(len));
  if (n < 1 || n * n !== len) throw new Error(`Connectivity: weights has length ${len}, which is not n*n for any positive integer n`);
  return n;
}

function checkFinite(field: string, a: ArrayLike<number>, nonNegative: boolean): void {
  for (let k = 0; k < a.length; k++) {
    const v = a[k];
    if (!Number.isFinite(v)) throw new Error(`Connectivity: ${field}[${k}] is ${v}; values must be finite`);
    if (nonNegative && v < 0) throw new Error(`Connectivity: ${field}[${k}] is ${v}; values must be >= 0`);
  }
}

/**
 * A validated, self-consistent region network. Arrays are copied in on construction so that
 * a Connectivity never aliases a caller's buffer; treat the fields as read-only afterwards
 * (methods that change something return a new instance).
 */
export class Connectivity {
  readonly n: number;
  /** n*n, TO row i FROM column j. */
  readonly weights: Float64Array;
  /** n*n, mm, same layout as weights. */
  readonly tractLengths: Float64Array;
  /** n*3 (x, y, z per node), mm; length 0 when unknown. */
  readonly centres: Float64Array;
  readonly labels: string[];
  /** length n, or 0 when the source did not say (TVB leaves it empty too; no guess is made). */
  readonly cortical: boolean[];
  /** true = right hemisphere; length n, or 0 when neither given nor derivable from labels. */
  readonly hemispheres: boolean[];
  /** mm²; length n, or 0 when unknown. */
  readonly areas: Float64Array;
  /** n*3; length 0 when unknown. */
  readonly orientations: Float64Array;
  /** Conduction speed, mm/ms. */
  readonly speed: number;
  readonly nodeMetadata?: Record<string, unknown[]>;
  readonly name: string;
  readonly source: string;

  constructor(init: ConnectivityInit) {
    const n = inferN(init);
    const nn = n * n;
    if (init.weights.length !== nn) throw lengthError('weights', init.weights.length, `${nn} (n*n with n=${n})`);
    checkFinite('weights', init.weights, false);
    this.n = n;
    this.weights = Float64Array.from(init.weights);

    this.centres = Float64Array.from(init.centres ?? []);
    checkOptional('centres', this.centres.length, 3 * n, `n*3 with n=${n}`);
    checkFinite('centres', this.centres, false);

    if (init.tractLengths !== undefined && init.tractLengths.length !== 0) {
      if (init.tractLengths.length !== nn) throw lengthError('tractLengths', init.tractLengths.length, `${nn} (n*n with n=${n})`);
      checkFinite('tractLengths', init.tractLengths, true);
      this.tractLengths = Float64Array.from(init.tractLengths);
    } else if (this.centres.length === 3 * n) {
      this.tractLengths = euclideanTractLengths(this.centres, n);
    } else {
      throw new Error('Connectivity: tractLengths missing and no centres to compute them from');
    }

    if (init.labels !== undefined && init.labels.length !== 0) {
      if (init.labels.length !== n) throw lengthError('labels', init.labels.length, `${n} (n)`);
      this.labels = [...init.labels];
      const seen = new Map<string, number>();
      this.labels.forEach((l, i) => {
        const j = seen.get(l);
        if (j !== undefined) throw new Error(`Connectivity: region label '${l}' appears twice (nodes ${j} and ${i}); labels must be unique, as every result is indexed by them`);
        seen.set(l, i);
      });
    } else {
      this.labels = defaultLabels(n);
    }

    this.cortical = [...(init.cortical ?? [])];
    checkOptional('cortical', this.cortical.length, n, 'n');
    const hemi = init.hemispheres !== undefined && init.hemispheres.length !== 0 ? [...init.hemispheres] : deriveHemispheres(this.labels) ?? [];
    checkOptional('hemispheres', hemi.length, n, 'n');
    this.hemispheres = hemi;
    this.areas = Float64Array.from(init.areas ?? []);
    checkOptional('areas', this.areas.length, n, 'n');
    this.orientations = Float64Array.from(init.orientations ?? []);
    checkOptional('orientations', this.orientations.length, 3 * n, `n*3 with n=${n}`);

    const speed = init.speed ?? DEFAULT_SPEED;
    if (!(Number.isFinite(speed) && speed > 0)) throw new Error(`Connectivity: speed must be a positive finite number (mm/ms), got ${speed}`);
    this.speed = speed;

    if (init.nodeMetadata !== undefined) {
      const md: Record<string, unknown[]> = {};
      for (const [key, col] of Object.entries(init.nodeMetadata)) {
        if (col.length !== n) throw lengthError(`nodeMetadata.${key}`, col.length, `${n} (n)`);
        md[key] = [...col];
      }
      this.nodeMetadata = md;
    }
    this.name = init.name ?? '';
    this.source = init.source ?? '';
  }

  /** Everything needed to rebuild this instance, with overrides; the constructor copies, so sharing is safe. */
  private init(over: Partial<ConnectivityInit> = {}): ConnectivityInit {
    return {
      n: this.n,
      weights: this.weights,
      tractLengths: this.tractLengths,
      centres: this.centres,
      labels: this.labels,
      cortical: this.cortical,
      hemispheres: this.hemispheres,
      areas: this.areas,
      orientations: this.orientations,
      speed: this.speed,
      nodeMetadata: this.nodeMetadata,
      name: this.name,
      source: this.source,
      ...over,
    };
  }

  /** Integer delays in steps of dt (ms), exactly as TVB's simulator derives them. */
  delays(dt: number, speed: number = this.speed): Delays {
    return computeDelays(this.tractLengths, dt, speed);
  }

  /** Delays in ms (tract / speed), TVB's `Connectivity.delays`. */
  delaysMs(speed: number = this.speed): Float64Array {
    return this.tractLengths.map((t) => t / speed);
  }

  withSpeed(speed: number): Connectivity {
    return new Connectivity(this.init({ speed }));
  }

  copy(): Connectivity {
    return new Connectivity(this.init());
  }

  /**
   * The sub-network on `indices`, in the order given (so it can also reorder). Duplicates are
   * rejected because a repeated node would double-count its inputs in coupling sums.
   */
  subset(indices: readonly number[]): Connectivity {
    const n = this.n;
    const seen = new Set<number>();
    for (const k of indices) {
      if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`Connectivity.subset: index ${k} out of range 0..${n - 1}`);
      if (seen.has(k)) throw new Error(`Connectivity.subset: index ${k} given twice`);
      seen.add(k);
    }
    const m = indices.length;
    if (m === 0) throw new Error('Connectivity.subset: no indices given');
    const sq = (a: Float64Array) => {
      const out = new Float64Array(m * m);
      for (let a1 = 0; a1 < m; a1++) for (let b = 0; b < m; b++) out[a1 * m + b] = a[indices[a1] * n + indices[b]];
      return out;
    };
    const per = <T>(a: ArrayLike<T>, width: number): T[] => {
      if (a.length === 0) return [];
      const out: T[] = [];
      for (const k of indices) for (let c = 0; c < width; c++) out.push(a[k * width + c]);
      return out;
    };
    let nodeMetadata: Record<string, unknown[]> | undefined;
    if (this.nodeMetadata) {
      nodeMetadata = {};
      for (const [key, col] of Object.entries(this.nodeMetadata)) nodeMetadata[key] = per(col, 1);
    }
    return new Connectivity(
      this.init({
        n: m,
        weights: sq(this.weights),
        tractLengths: sq(this.tractLengths),
        centres: per(this.centres, 3),
        labels: per(this.labels, 1),
        cortical: per(this.cortical, 1),
        hemispheres: per(this.hemispheres, 1),
        areas: per(this.areas, 1),
        orientations: per(this.orientations, 3),
        nodeMetadata,
      }),
    );
  }

  /**
   * Scaled copy of the weights (TVB `scaled_weights` semantics): only non-zero entries are divided
   * by the factor (division, not multiplication by its inverse, to match TVB bit for bit). A zero
   * factor leaves the matrix unchanged rather than filling it with NaN.
   */
  normalizedWeights(mode: WeightNormalization = 'tract'): Float64Array {
    const { n, weights } = this;
    let factor: number;
    switch (mode) {
      case 'tract':
      case 'edge':
      case 'max':
        factor = 0;
        for (let k = 0; k < weights.length; k++) factor = Math.max(factor, Math.abs(weights[k]));
        break;
      case 'region':
      case 'node':
        factor = 0;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += weights[i * n + j];
          factor = Math.max(factor, Math.abs(s));
        }
        break;
      case 'none':
        factor = 1;
        break;
      default:
        throw new Error(`normalizedWeights: unknown mode '${String(mode)}' (tract|edge|max|region|node|none)`);
    }
    const out = Float64Array.from(weights);
    if (factor === 0 || factor === 1) return out;
    for (let k = 0; k < out.length; k++) if (out[k] !== 0) out[k] = out[k] / factor;
    return out;
  }

  /** Count of non-zero weights, diagonal included (TVB's number_of_connections). */
  get numberOfConnections(): number {
    let c = 0;
    for (let k = 0; k < this.weights.length; k++) if (this.weights[k] !== 0) c++;
    return c;
  }

  /** True when weights equal their transpose (TVB's `undirected`). */
  get undirected(): boolean {
    const { n, weights } = this;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (weights[i * n + j] !== weights[j * n + i]) return false;
    return true;
  }

  csr(): CsrWeights {
    return toCsr(this.weights, this.n);
  }
}

/** CSR of the non-zero entries of an n*n row-major matrix (rows = targets, ascending columns). */
export function toCsr(matrix: ArrayLike<number>, n: number): CsrWeights {
  const rowPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < n; j++) if (matrix[i * n + j] !== 0) c++;
    rowPtr[i + 1] = rowPtr[i] + c;
  }
  const nnz = rowPtr[n];
  const col = new Int32Array(nnz);
  const w = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i * n + j];
      if (v !== 0) {
        col[p] = j;
        w[p] = v;
        p++;
      }
    }
  }
  return { n, nnz, rowPtr, col, w };
}

/**
 * Values of another n*n matrix at the CSR's stored positions (e.g. idelays or tract lengths), so a
 * sparse coupling loop can read delay and weight with the same index.
 */
export function gatherCsr<T extends Float64Array | Int32Array>(csr: CsrWeights, matrix: T): T {
  const { n, rowPtr, col } = csr;
  if (matrix.length !== n * n) throw new Error(`gatherCsr: matrix has length ${matrix.length}, expected ${n * n}`);
  const out = (matrix instanceof Int32Array ? new Int32Array(csr.nnz) : new Float64Array(csr.nnz)) as T;
  for (let i = 0; i < n; i++) for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) out[p] = matrix[i * n + col[p]];
  return out;
}
