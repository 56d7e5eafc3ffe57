/**
 * Custom differentiable ops of the tensor engine, written with tf.customGrad so that the tape keeps
 * nothing large: the delay history is a ring buffer read and written by typed-array loops whose
 * gradients need only the (constant) indices, never the history itself. Without this every step
 * would copy the history (H·C floats) and pin that copy in the tape.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { DelayRing } from 'vbt/internals';
 * const ring = new DelayRing(1, 3, 2);                   // B=1, H=3 slots of C=2 values
 * const t1 = ring.write(ring.token(), tf.tensor2d([[1, 2]]), 3);   // step 3 → slot 0
 * ring.read(t1, 4, Int32Array.from([0, 0]), Int32Array.from([0, 1])).print(); // [[1, 2]]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
/** tf.customGrad with the loose typing its variadic form needs (the last argument is `save`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function customOp(f: (...args: any[]) => { value: tf.Tensor; gradFunc: GradFn }): (...xs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(f as never) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;
}

function f32(t: tf.Tensor): Float32Array {
  const d = t.dataSync();
  return d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
}

/**
 * Peak-memory probe for benchmarks: when enabled, every ring write (forward) and every write's
 * gradient (backward) samples tf.memory(), so the peak over a whole gradient is seen without
 * tf.profile (whose per-kernel records do not scale to 10^5 steps).
 */
export const memoryProbe = {
  enabled: false, peakBytes: 0, peakTensors: 0,
  /** Bytes held outside tfjs for a pending backward (typed arrays in fused ops' closures), counted in peakBytes. */
  jsBytes: 0,
  reset(): void { this.peakBytes = 0; this.peakTensors = 0; this.jsBytes = 0; },
};
/** Samples memory for `memoryProbe` (ops that keep data for their backward call it). */
export function probe(): void {
  if (!memoryProbe.enabled) return;
  const m = tf.memory();
  if (m.numBytes + memoryProbe.jsBytes > memoryProbe.peakBytes) memoryProbe.peakBytes = m.numBytes + memoryProbe.jsBytes;
  if (m.numTensors > memoryProbe.peakTensors) memoryProbe.peakTensors = m.numTensors;
}

/**
 * The delay history as a ring buffer with a hand-written adjoint. Forward values live in one
 * Float64Array (B × H slots × C values) written in place (float64 so that segment kernels that
 * step in float64, segment.ts, read back what they wrote unrounded), so a step costs a write of C values and a
 * read of the delayed links, not a copy of the whole history. The tensors that flow through the
 * tape are scalar tokens: they order the ring's operations for tfjs' backward pass, while the
 * gradient with respect to stored values accumulates in a second ring (`adj`). tfjs runs backward
 * in exact reverse order of the forward ops, so a read's gradient lands in `adj` before the write
 * that produced the value consumes it.
 *
 * Step s writes slot s mod H; a read for step s with delay d takes slot (s − 1 − d) mod H.
 */
export class DelayRing {
  readonly buf: Float64Array;
  readonly adj: Float64Array;
  constructor(readonly B: number, readonly H: number, readonly C: number, initial?: Float32Array | Float64Array) {
    this.buf = initial instanceof Float64Array ? initial : initial ? Float64Array.from(initial) : new Float64Array(B * H * C);
    if (this.buf.length !== B * H * C) throw new Error(`DelayRing: initial history has ${this.buf.length} values; expected B·H·C = ${B * H * C}`);
    this.adj = new Float64Array(B * H * C);
  }

  private gs?: Float64Array;
  /**
   * Gradients of the delayed sums by step (slot of the step that read), for segment ops that
   * gather a stored value's gradient from the steps that read it instead of scattering into `adj`
   * from every read (loads instead of read-modify-writes; segment.ts).
   */
  get gsum(): Float64Array {
    return (this.gs ??= new Float64Array(this.B * this.H * this.C));
  }

  /** A fresh token for the start of a run. */
  token(): tf.Tensor {
    return tf.scalar(0);
  }

  /** Store x [B, C] as the state of step s. Returns the next token. */
  write(token: tf.Tensor, x: tf.Tensor, s: number): tf.Tensor {
    const { B, H, C } = this;
    const slot = ((s % H) + H) % H;
    const op = customOp((tok: tf.Tensor, xt: tf.Tensor) => {
      const xv = f32(xt);
      for (let b = 0; b < B; b++) this.buf.set(xv.subarray(b * C, (b + 1) * C), (b * H + slot) * C);
      probe();
      return {
        value: tf.clone(tok),
        gradFunc: () => {
          // the stored value's gradient is whatever later reads put in adj; the overwritten value
          // (step s − H) had no reader after this point
          probe();
          const dx = new Float32Array(B * C);
          for (let b = 0; b < B; b++) {
            const o = (b * H + slot) * C;
            for (let q = 0; q < C; q++) dx[b * C + q] = this.adj[o + q];
            this.adj.fill(0, o, o + C);
          }
          return [tf.zerosLike(tok), tf.tensor2d(dx, [B, C])];
        },
      };
    });
    return op(token, x);
  }

  /**
   * Values [B, L] for step s: link l reads value offset off[l] (0 ≤ off < C) of the slot of step
   * s − 1 − delay[l]; zero where mask[l] = 1.
   */
  read(token: tf.Tensor, s: number, delay: Int32Array, off: Int32Array, mask?: Uint8Array): tf.Tensor {
    const { B, H, C } = this;
    const L = delay.length;
    const base = (((s - 1) % H) + H) % H;
    const at = new Int32Array(L);
    for (let l = 0; l < L; l++) {
      let slot = base - delay[l];
      if (slot < 0) slot += H;
      at[l] = slot * C + off[l];
    }
    const op = customOp((tok: tf.Tensor) => {
      const out = new Float32Array(B * L);
      const buf = this.buf;
      for (let b = 0; b < B; b++) {
        const o = b * H * C, p = b * L;
        if (mask) for (let l = 0; l < L; l++) out[p + l] = mask[l] ? 0 : buf[o + at[l]];
        else for (let l = 0; l < L; l++) out[p + l] = buf[o + at[l]];
      }
      return {
        value: tf.tensor2d(out, [B, L]),
        gradFunc: (dy: tf.Tensor) => {
          const g = f32(dy);
          const adj = this.adj;
          for (let b = 0; b < B; b++) {
            const o = b * H * C, p = b * L;
            for (let l = 0; l < L; l++) if (!mask || !mask[l]) adj[o + at[l]] += g[p + l];
          }
          return [tf.zerosLike(tok)];
        },
      };
    });
    return op(token);
  }

  private readonly rels = new WeakMap<Int32Array, WeakMap<Int32Array, Int32Array>>();
  /** off[l] − delay[l]·C, cached per (delay, off) pair: the links are fixed for a run. */
  private relative(delay: Int32Array, off: Int32Array): Int32Array {
    let byOff = this.rels.get(delay);
    if (!byOff) { byOff = new WeakMap(); this.rels.set(delay, byOff); }
    let r = byOff.get(off);
    if (!r) {
      const C = this.C;
      r = Int32Array.from(delay, (d, l) => off[l] - d * C);
      byOff.set(off, r);
    }
    return r;
  }

  /**
   * Delayed weighted sum in one op: out[b, i] = Σ_j W[i, j] · value(b, link i·N + j), for links laid
   * out as an N × N matrix. `weights` is either a constant (row-major Float32Array) or an [N, N]
   * tensor to differentiate (then the gathered values are kept for its gradient).
   */
  readWeightedSum(token: tf.Tensor, s: number, N: number, delay: Int32Array, off: Int32Array, weights: Float32Array | tf.Tensor): tf.Tensor {
    const { B, H, C } = this;
    const L = N * N;
    // link l reads ring offset base·C + rel[l] (wrapped once): no per-step index array
    const baseC = ((((s - 1) % H) + H) % H) * C, HC = H * C;
    const rel = this.relative(delay, off);
    const wT = weights instanceof Float32Array ? undefined : weights;
    const body = (tok: tf.Tensor, second?: unknown) => {
      // customGrad appends its save() callback to the arguments: a tensor second argument is W
      const wt = second instanceof tf.Tensor ? second : undefined;
      const w = wt ? f32(wt) : (weights as Float32Array);
      const buf = this.buf;
      const out = new Float32Array(B * N);
      const vals = wt ? new Float32Array(B * L) : undefined;
      for (let b = 0; b < B; b++) {
        const o = b * H * C;
        for (let i = 0; i < N; i++) {
          let acc = 0;
          if (vals) {
            for (let j = 0, l = i * N; j < N; j++, l++) {
              let q = baseC + rel[l];
              q += HC & (q >> 31); // branch-free wrap (the sign follows the links' delays, unpredictably)
              const v = buf[o + q];
              vals[b * L + l] = v;
              acc += w[l] * v;
            }
          } else {
            for (let j = 0, l = i * N; j < N; j++, l++) {
              let q = baseC + rel[l];
              q += HC & (q >> 31);
              acc += w[l] * buf[o + q];
            }
          }
          out[b * N + i] = acc;
        }
      }
      return {
        value: tf.tensor2d(out, [B, N]),
        gradFunc: (dy: tf.Tensor) => {
          const g = f32(dy);
          const adj = this.adj;
          for (let b = 0; b < B; b++) {
            const o = b * H * C;
            for (let i = 0; i < N; i++) {
              const gi = g[b * N + i];
              if (gi === 0) continue;
              for (let j = 0, l = i * N; j < N; j++, l++) {
                let q = baseC + rel[l];
                q += HC & (q >> 31);
                adj[o + q] += gi * w[l];
              }
            }
          }
          if (!vals) return [tf.zerosLike(tok)];
          const dw = new Float32Array(L);
          for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) dw[l] += g[b * N + Math.floor(l / N)] * vals[b * L + l];
          return [tf.zerosLike(tok), tf.tensor2d(dw, [N, N])];
        },
      };
    };
    return wT ? customOp(body)(token, wT) : customOp(body)(token);
  }
}

/**
 * Rows [start, start + count) of x along its first axis. tf.slice's gradient pads dy to x's shape
 * element by element (slow on the cpu backend for a block of thousands of steps); this one copies
 * contiguous memory both ways.
 */
export function takeRows(x: tf.Tensor, start: number, count: number): tf.Tensor {
  const rows = x.shape[0];
  if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 1 && start + count <= rows)) {
    throw new Error(`takeRows: rows [${start}, ${start + count}) are outside [0, ${rows})`);
  }
  const row = x.size / rows;
  const op = customOp((xt: tf.Tensor) => ({
    value: tf.tensor(f32(xt).slice(start * row, (start + count) * row), [count, ...xt.shape.slice(1)]),
    gradFunc: (dy: tf.Tensor) => {
      const g = new Float32Array(rows * row);
      g.set(f32(dy), start * row);
      return [tf.tensor(g, xt.shape)];
    },
  }));
  return op(x);
}
