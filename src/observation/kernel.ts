/**
 * The kernel engine's side of a monitor: the code a monitor contributes to the fused step loop, and
 * the sampling arithmetic every monitor shares. Each monitor follows TVB's sampling rule exactly
 * (see the reference README): Raw every step at s·dt; SubSample/GlobalAverage/SpatialAverage when
 * s mod istep = 0 at s·dt; TemporalAverage the mean of the last istep observations (rows never
 * written count as zeros, as in TVB) at (s − istep/2)·dt; AfferentCoupling records the coupling
 * computed after step s (the one step s+1 will use), every step or averaged over `period`.
 *
 * Monitors are emitted as code into the kernel program, so they run inside the fused step loop and
 * inside worker threads without a second module system. Each observation model's folder holds its
 * emitter; `registry.ts` picks one by name.
 */

/** TVB's rounding of period/dt to whole steps. */
export function istepOf(period: number, dt: number): number {
  return Math.round(period / dt);
}

/** Multiples of istep in [a, b]: the samples a monitor emits between recorded steps a and b. */
export function countMultiples(istep: number, a: number, b: number): number {
  return Math.max(0, Math.floor(b / istep) - Math.floor((a - 1) / istep));
}

/** The variables of interest a monitor records (all `n` by default), checked against `n`. */
export function checkVoi(voi: number[] | undefined, n: number, what: string, mon: string): number[] {
  const v = voi ?? Array.from({ length: n }, (_, k) => k);
  for (const k of v) {
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`monitor ${mon}: voi index ${k} out of range; expected 0..${n - 1} (${what})`);
  }
  if (v.length === 0) throw new Error(`monitor ${mon}: empty voi`);
  return v;
}

export interface MonitorContext {
  N: number;
  M: number;
  dt: number;
  /** Number of model variables of interest (rows of the observation array). */
  nvoi: number;
  /** Number of coupling rows. */
  ncv: number;
  /** First and last recorded step (inclusive). */
  sFirst: number;
  sLast: number;
  cortical?: boolean[];
  hemispheres?: boolean[];
  /**
   * When every variable of interest is a state variable itself: its row in the state array. Raw,
   * TemporalAverage and SubSample then read the state directly instead of a copied observation.
   */
  voiState?: number[];
}

/** Code and sizes for one monitor inside a kernel program. Variables in scope: s, b, B, obs, cpl, cb, state, sb. */
export interface MonitorEmit {
  name: string;
  /** Per-sample shape: [variables, nodes (or areas), modes]. */
  sampleShape: [number, number, number];
  nSamples: number;
  period: number;
  voi: number[];
  /** Declarations at program scope. `P` holds the monitor's constant arrays from `data`. */
  decl: string;
  /** Statement run for batch element b after step s. */
  record: string;
  /**
   * Optional statement for batch element b after a transient step (nothing recorded): lets a
   * monitor with memory (BOLD) warm up on the discarded steps. Needs the observation array.
   */
  warm?: string;
  /** Condition (JS, in s) under which `record` needs the observation array. */
  needsObs: string | null;
  /** Constant arrays the code reads (go to workers with the program). */
  data: Record<string, Float64Array | Int32Array>;
  /** Expression for the output object {time, data}. */
  result: string;
  /**
   * Statement that starts the output buffers over (sample count 0) while the monitor's running
   * state (averaging sums) carries on: streaming runs drain the buffers chunk by chunk. Absent for
   * monitors that cannot stream (BOLD, sensors).
   */
  rewind?: string;
  /**
   * Present when the monitor sums state rows every recorded step (TemporalAverage of plain state
   * variables): the program declares `acc` (B × rows × N × M) itself and either adds the rows
   * there in its own code (then runs `flush` instead of `record`) or runs `record` as usual.
   */
  stateSum?: { rows: number[]; acc: string; flush: string };
}

/**
 * What the linear monitors (Raw, SubSample, TemporalAverage, GlobalAverage, SpatialAverage,
 * AfferentCoupling) share: the period in steps, the recorded rows and where the generated code reads
 * them (the coupling array, the state array directly, or the observation array).
 */
export interface LinearSetup {
  id: string;
  istep: number;
  voi: number[];
  nv: number;
  /** Source array name and the base offset of lane b in it. */
  src: string;
  srcBase: string;
  /** When the rows are read from the state: state row of each voi index; else null. */
  direct: number[] | null;
  /** Row of the source array holding voi index vi. */
  row: (vi: number) => number;
  /** Index (JS) of voi v, node n, mode m in the source array. */
  at: (v: string, n: string, m: string) => string;
  data: Record<string, Float64Array | Int32Array>;
  /** nv · N · M */
  width: number;
  loadVoi: string;
}

/**
 * The shared prologue of the linear monitors. `readsState`: the monitor may read plain state
 * variables straight from the state array (Raw, TemporalAverage, SubSample); `coupling`: it records
 * coupling rows (AfferentCoupling).
 */
export function linearSetup(
  spec: { name: string; period?: number; voi?: number[] },
  id: string,
  ctx: MonitorContext,
  opts: { coupling?: boolean; readsState?: boolean } = {},
): LinearSetup {
  const { N, M, dt } = ctx;
  const period = 'period' in spec && spec.period !== undefined ? spec.period : dt;
  if (!(period > 0)) throw new Error(`monitor ${spec.name}: period must be > 0 ms, got ${period}`);
  const istep = istepOf(period, dt);
  if (istep < 1) throw new Error(`monitor ${spec.name}: period ${period} ms is shorter than dt ${dt} ms`);
  const isCoupling = opts.coupling === true;
  const voi = checkVoi(spec.voi, isCoupling ? ctx.ncv : ctx.nvoi, isCoupling ? 'coupling rows' : 'variables of interest', spec.name);
  const direct = !isCoupling && ctx.voiState && opts.readsState ? ctx.voiState : null;
  const src = isCoupling ? 'cpl' : direct ? 'state' : 'obs';
  const srcBase = isCoupling ? 'cb' : direct ? 'sb' : '0';
  const row = (vi: number) => (direct ? direct[vi] : vi);
  const at = (v: string, n: string, m: string) => `${srcBase} + ((${id}_voi[${v}] * ${N} + ${n}) * ${M} + ${m})`;
  return {
    id, istep, voi, nv: voi.length, src, srcBase, direct, row, at,
    data: { [`${id}_voi`]: Int32Array.from(voi, row) },
    width: voi.length * N * M,
    loadVoi: `const ${id}_voi = P.${id}_voi;`,
  };
}
