/**
 * A run of K integration steps — delayed coupling, the model's Euler/Heun step, the clamp, the
 * write into the delay ring — as one differentiable op whose forward and backward are plain
 * float64 loops. The per-step tfjs ops of the step-by-step form (one coupling op, one step op, one
 * ring write, their tape nodes, tensors and gradient accumulations) cost more than the arithmetic
 * on a few hundred values; here a segment costs one op forward and one backward. The state stays
 * float64 from step to step inside the op (it is rounded to float32 only in the output), which is
 * also what keeps long runs close to the float64 kernel engine.
 *
 * Applies when the step compiles to a fused element kernel (fused.ts) and the coupling is a
 * delayed weighted sum of a per-node transform of the source (`pre` of x_j and numbers: Linear,
 * Scaling, Sigmoidal, SigmoidalJansenRit, ...) or of a per-link term that reads the target too
 * (x_j − x_i, sin(x_j − x_i)); the engine falls back to the step-by-step form otherwise. The
 * backward of a plain sum gathers each stored value's gradient from the steps that read it (a ring
 * of per-step sum gradients, `DelayRing.gsum`): loads where scattering from every read would be
 * read-modify-writes.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { parseExpr, compileFusedStep, DelayRing, runSegment } from 'vbt/internals';
 * // dx/dt = −x + c, c = Σ_j w_ij x_j one step back; two nodes, Euler dt 0.1
 * const step = compileFusedStep([], [parseExpr('-x + c')], (n) => ({ input: n === 'x' ? 0 : 1 }), [0], 'euler', 0.1, [undefined]);
 * const ring = new DelayRing(1, 2, 2, Float64Array.of(1, 0, 1, 0)); // B = 1, H = 2 slots of C = 2
 * const { states } = runSegment({
 *   B: 1, N: 2, elem: step.elem, feed: step.inputs.map((k) => (k === 0 ? { state: 0 } : { coupling: 0 })),
 *   sums: [{ delay: Int32Array.of(0, 0, 0, 0), off: Int32Array.of(0, 1, 0, 1) }], weights: Float64Array.of(0, 1, 1, 0),
 *   writes: [{ reads: [0], f: (v) => v[0], df: (_v, g) => { g[0] = 1; }, identity: true }],
 * }, ring, ring.token(), [tf.tensor2d([[1, 0]])], [], 0, 10);
 * states.shape; // [10, 1, 2]: ten steps of one variable
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { customOp, memoryProbe, probe, type DelayRing } from './ops.js';
import type { FusedStepElement } from './fused.js';

/** What feeds input j of the element kernel. */
export type SegmentFeed = { param: number } | { state: number } | { coupling: number };

/** A per-node transform entering the ring (coupling pre), of the element's coupling variables. */
export interface RingTransform {
  /** State indices (e = k·M + m, for mode m) of the values it reads, in the order of `v`. */
  reads: number[];
  f: (v: Float64Array) => number;
  /** g[q] = ∂f/∂v[q]. */
  df: (v: Float64Array, g: Float64Array) => void;
  /** f(v) = v[0] (Linear's pre): the loops then skip the calls. */
  identity?: boolean;
}

/**
 * A per-link term of a coupling that reads the target too (Difference: x_j − x_i, Kuramoto:
 * sin(x_j − x_i)): the sum is Σ_j w_ij · f(x_i, x_j) with x_i the target's latest value (offset
 * `offI[i]` of the newest slot) and x_j the delayed source.
 */
export interface LinkTerm {
  offI: Int32Array;
  f: (xi: number, xj: number) => number;
  /** g[0] = ∂f/∂x_i, g[1] = ∂f/∂x_j. */
  df: (xi: number, xj: number, g: Float64Array) => void;
}

/** float64 values of state tensors the engine made (the tensor holds them rounded): a segment starts from these. */
export const stateShadow = new WeakMap<tf.Tensor, Float64Array>();

export interface SegmentSpec {
  B: number;
  N: number;
  elem: FusedStepElement;
  feed: SegmentFeed[];
  /** Delayed weighted sums computed each step: links into the ring (delay, offset into a slot). */
  sums: { delay: Int32Array; off: Int32Array; term?: LinkTerm }[];
  /** Row-major weights [N × N] (to i from j). */
  weights: Float32Array | Float64Array;
  /** What is written into ring offset w·N + n after a step: writes[w] of node n's new state. */
  writes: RingTransform[];
  /** Additive noise: draws the next step's increments, scaled per equation and node. */
  noise?: { next(out: Float64Array): void; size: number; at: (b: number, e: number, n: number) => number; gain: (e: number, n: number) => number };
}

/**
 * Steps [s, s + K) from `state` (E tensors [B, N]) with parameter tensors `params` (size 1 or
 * B·N, as `feed` refers to them). Returns the K new states as one [E·K, B, N] tensor (variable
 * major: rows e·K … e·K + K − 1 are variable e's steps) and a token
 * that orders later ring operations after this segment.
 */
export function runSegment(spec: SegmentSpec, ring: DelayRing, token: tf.Tensor, state: tf.Tensor[], params: tf.Tensor[], s: number, K: number): { states: tf.Tensor; token: tf.Tensor; final: Float64Array } {
  const { B, N, elem, feed, sums, weights, writes, noise } = spec;
  const E = elem.E, BN = B * N, nIn = feed.length, nS = sums.length;
  const { H, C } = ring;
  const HC = H * C;
  const nP = params.length;
  const { rels, terms, gathered, relG, fKind, fIdx, wT, relsH } = prepared(spec, C);
  const dg = new Float64Array(2);
  const final = new Float64Array(E * BN);
  const op = customOp((...args: unknown[]) => {
    const ins = args.slice(0, 1 + E + nP) as tf.Tensor[];
    // the float64 values behind the state tensors where the engine kept them (and they still match)
    const sv = state.map((t, e) => {
      const d = ins[1 + e].dataSync();
      const sh = stateShadow.get(t);
      return sh && sh.length === d.length && sh.every((x, i) => Math.fround(x) === d[i]) ? sh : d;
    });
    const pv = ins.slice(1 + E).map((t) => Float64Array.from(t.dataSync()));
    const psz = pv.map((p) => p.length);
    // tfjs has no public way to ask whether a tape records this op, so the backward's data is always
    // kept; without a tape it goes with the op's closure
    const taped = true;
    // kept for the backward: state at each step's start (and the end), coupling sums, predictor and result before clamps
    // what the backward needs comes from the spec's pool (a checkpointed gradient recomputes and
    // releases one segment after the other: fresh arrays each time cost allocation and GC)
    const set = taped ? takeSet(spec, K, E * BN, nS * BN, terms.some((x) => x) ? B * (H + K) * C : 0) : undefined;
    const X = set ? set.X : new Float64Array(2 * E * BN);
    for (let e = 0; e < E; e++) for (let i = 0; i < BN; i++) X[e * BN + i] = sv[e][i];
    const S = set ? set.S : new Float64Array(nS * BN);
    const PRE = set?.PRE, NXT = set?.NXT;
    // couplings with a per-link term need the values they read in the backward: the H slots
    // before the segment and the K written in it, in time order (the ring itself is overwritten)
    const HK = H + K;
    const past = set?.past;
    if (past) for (let b = 0; b < B; b++) for (let u = 0; u < H; u++) {
      const slot = ((((s - H + u) % H) + H) % H) * C;
      past.set(ring.buf.subarray(b * HC + slot, b * HC + slot + C), (b * HK + u) * C);
    }
    const held = taped ? 8 * ((K + 1) * E * BN + K * nS * BN + 2 * K * E * BN + (past ? B * HK * C : 0)) : 0;
    memoryProbe.jsBytes += held;
    const out32 = new Float32Array(K * E * BN);
    const x = new Float64Array(nIn), o = new Float64Array(E), pre = new Float64Array(E), nxt = new Float64Array(E);
    const nzE = new Float64Array(E);
    const nzBuf = noise ? new Float64Array(noise.size) : undefined;
    const v = new Float64Array(Math.max(1, ...writes.map((w) => w.reads.length)));
    const buf = ring.buf;
    for (let t = 0; t < K; t++) {
      const st = s + t;
      // delayed weighted sums (the same loop as DelayRing.readWeightedSum)
      const sOff = taped ? t * nS * BN : 0;
      const baseC = ((((st - 1) % H) + H) % H) * C;
      for (let q = 0; q < nS; q++) {
        const rel = rels[q];
        for (let b = 0; b < B; b++) {
          const ob = b * HC;
          for (let i = 0; i < N; i++) {
            let acc = 0;
            if (terms[q]) {
              const { f, offI } = terms[q]!;
              const xi = buf[ob + baseC + offI[i]];
              for (let j = 0, l = i * N; j < N; j++, l++) {
                let p = baseC + rel[l];
                p += HC & (p >> 31);
                acc += weights[l] * f(xi, buf[ob + p]);
              }
            } else {
              for (let j = 0, l = i * N; j < N; j++, l++) {
                let p = baseC + rel[l];
                p += HC & (p >> 31);
                acc += weights[l] * buf[ob + p];
              }
            }
            S[sOff + q * BN + b * N + i] = acc;
          }
        }
      }
      if (noise) noise.next(nzBuf!);
      const xo = taped ? t * E * BN : 0, xn = xo + E * BN;
      for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
        const i = b * N + n;
        for (let j = 0; j < nIn; j++) {
          const k = fKind[j], q = fIdx[j];
          x[j] = k === 0 ? X[xo + q * BN + i] : k === 1 ? S[sOff + q * BN + i] : psz[q] === 1 ? pv[q][0] : pv[q][i];
        }
        if (noise) for (let e = 0; e < E; e++) nzE[e] = noise.gain(e, n) * nzBuf![noise.at(b, e, n)];
        elem.forward(x, noise ? nzE : null, o, pre, nxt);
        for (let e = 0; e < E; e++) {
          X[xn + e * BN + i] = o[e];
          out32[(e * K + t) * BN + i] = o[e];
        }
        if (taped) for (let e = 0; e < E; e++) { PRE![(t * E + e) * BN + i] = pre[e]; NXT![(t * E + e) * BN + i] = nxt[e]; }
      }
      // the new state enters the ring (slot of step st)
      const slotC = (((st % H) + H) % H) * C;
      for (let w = 0; w < writes.length; w++) {
        const tr = writes[w];
        if (tr.identity) {
          const xr = xn + tr.reads[0] * BN;
          for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) buf[b * HC + slotC + w * N + n] = X[xr + b * N + n];
          continue;
        }
        for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
          for (let q = 0; q < tr.reads.length; q++) v[q] = X[xn + tr.reads[q] * BN + b * N + n];
          buf[b * HC + slotC + w * N + n] = tr.f(v);
        }
      }
      if (past) for (let b = 0; b < B; b++) past.set(buf.subarray(b * HC + slotC, b * HC + slotC + C), (b * HK + H + t) * C);
      if (!taped) X.copyWithin(0, xn, xn + E * BN); // without a backward only the current state is kept
    }
    const fo = taped ? K * E * BN : 0;
    final.set(X.subarray(fo, fo + E * BN));
    const value = tf.tensor3d(out32, [K * E, B, N]);
    probe();
    if (!taped) return { value, gradFunc: () => { throw new Error('segment: no backward without a tape'); } };
    return {
      value,
      gradFunc: (dyT: tf.Tensor) => {
        const dy = dyT.dataSync();
        const adj = ring.adj;
        // the sums' gradients by step, time-ordered for this segment: rows 0 … K − 1 are its steps
        // (filled going backwards), rows K … K + H − 1 the H steps after it (from the ring), so the
        // gather below needs no wrap; rows 0 … H − 1 go back into the ring for earlier segments
        const anyG = gathered.some((x) => x);
        const KH = K + H;
        const G = anyG ? new Float64Array(B * KH * C) : undefined;
        if (G) {
          const gr = ring.gsum;
          for (let b = 0; b < B; b++) for (let u = 0; u < H; u++) {
            const sl = ((((s + K + u) % H) + H) % H) * C;
            G.set(gr.subarray(b * HC + sl, b * HC + sl + C), (b * KH + K + u) * C);
          }
        }
        let g = new Float64Array(E * BN), gPrev = new Float64Array(E * BN);
        const gp = pv.map((p) => new Float64Array(p.length));
        const gS = new Float64Array(nS * BN);
        const gx = new Float64Array(nIn), gOut = new Float64Array(E), dv = new Float64Array(v.length);
        for (let t = K - 1; t >= 0; t--) {
          const st = s + t;
          for (let e = 0; e < E; e++) for (let i = 0; i < BN; i++) g[e * BN + i] += dy[(e * K + t) * BN + i];
          // the ring write of step st: what later reads put in adj, through the transform
          const xn = (t + 1) * E * BN, xo = t * E * BN, sOff = t * nS * BN;
          const slotC = (((st % H) + H) % H) * C;
          for (let w = 0; w < writes.length; w++) {
            const tr = writes[w];
            const rg = gathered[w] ? relG[w] : undefined;
            for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
              const a = b * HC + slotC + w * N + n;
              let ga = adj[a];
              adj[a] = 0;
              if (rg) {
                const og = (b * KH + t + 1) * C; // row of step st + 1
                for (let i = 0, k = n * N; i < N; i++, k++) ga += wT[k] * G![og + rg[k]];
              }
              if (ga === 0) continue;
              if (tr.identity) { g[tr.reads[0] * BN + b * N + n] += ga; continue; }
              for (let q = 0; q < tr.reads.length; q++) v[q] = X[xn + tr.reads[q] * BN + b * N + n];
              tr.df(v, dv);
              for (let q = 0; q < tr.reads.length; q++) g[tr.reads[q] * BN + b * N + n] += ga * dv[q];
            }
          }
          // the step
          gPrev.fill(0);
          gS.fill(0);
          for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) {
            const i = b * N + n;
            let any = false;
            for (let e = 0; e < E; e++) { gOut[e] = g[e * BN + i]; if (gOut[e] !== 0) any = true; }
            if (!any) continue;
            for (let j = 0; j < nIn; j++) {
              const k = fKind[j], q = fIdx[j];
              x[j] = k === 0 ? X[xo + q * BN + i] : k === 1 ? S[sOff + q * BN + i] : psz[q] === 1 ? pv[q][0] : pv[q][i];
            }
            for (let e = 0; e < E; e++) { pre[e] = PRE![(t * E + e) * BN + i]; nxt[e] = NXT![(t * E + e) * BN + i]; }
            gx.fill(0);
            elem.backward(x, pre, nxt, gOut, gx);
            for (let j = 0; j < nIn; j++) {
              const d = gx[j];
              if (d === 0) continue;
              const k = fKind[j], q = fIdx[j];
              if (k === 0) gPrev[q * BN + i] += d;
              else if (k === 1) gS[q * BN + i] += d;
              else gp[q][psz[q] === 1 ? 0 : i] += d;
            }
          }
          // the delayed sums' adjoint: scattered into the ring slots they read
          const baseC = ((((st - 1) % H) + H) % H) * C;
          for (let q = 0; q < nS; q++) {
            const rel = rels[q];
            if (gathered[q]) {
              // kept by step for the writes of the values this step read (gathered above, later in the backward)
              for (let b = 0; b < B; b++) G!.set(gS.subarray(q * BN + b * N, q * BN + (b + 1) * N), (b * KH + t) * C + q * N);
              continue;
            }
            for (let b = 0; b < B; b++) {
              const ob = b * HC;
              for (let i = 0; i < N; i++) {
                const gi = gS[q * BN + b * N + i];
                if (gi === 0) continue;
                if (terms[q]) {
                  const { df, offI } = terms[q]!;
                  const relH = relsH[q];
                  const pi = ob + baseC + offI[i];
                  const ph = (b * HK + H + t) * C; // the past's row of step st
                  const xi = past![ph - C + offI[i]];
                  let gxi = 0;
                  for (let j = 0, l = i * N; j < N; j++, l++) {
                    let p = baseC + rel[l];
                    p += HC & (p >> 31);
                    df(xi, past![ph + relH[l]], dg);
                    gxi += gi * weights[l] * dg[0];
                    adj[ob + p] += gi * weights[l] * dg[1];
                  }
                  adj[pi] += gxi;
                  continue;
                }
                for (let j = 0, l = i * N; j < N; j++, l++) {
                  let p = baseC + rel[l];
                  p += HC & (p >> 31);
                  adj[ob + p] += gi * weights[l];
                }
              }
            }
          }
          const tmp = g; g = gPrev; gPrev = tmp;
        }
        if (G) {
          const gr = ring.gsum;
          for (let b = 0; b < B; b++) for (let u = 0; u < H; u++) {
            const sl = ((((s + u) % H) + H) % H) * C;
            gr.set(G.subarray((b * KH + u) * C, (b * KH + u + 1) * C), b * HC + sl);
          }
        }
        probe();
        memoryProbe.jsBytes -= held;
        POOL.get(spec)!.push(set!);
        const grads: tf.Tensor[] = [tf.zerosLike(ins[0])];
        for (let e = 0; e < E; e++) grads.push(tf.tensor2d(Float32Array.from(g.subarray(e * BN, (e + 1) * BN)), [B, N]));
        gp.forEach((d, k) => grads.push(tf.tensor(Float32Array.from(d), ins[1 + E + k].shape)));
        return grads;
      },
    };
  });
  const states = op(token, ...state, ...params);
  const tok = segmentToken(states);
  return { states, token: tok, final };
}

interface Prepared {
  rels: Int32Array[]; relsH: Int32Array[]; relG: Int32Array[]; terms: (LinkTerm | undefined)[]; gathered: boolean[];
  fKind: Int8Array; fIdx: Int32Array; wT: Float64Array;
}
const PREPARED = new WeakMap<SegmentSpec, Prepared>();

/** Index tables of a spec for a ring of C values per slot, built once per run (a run calls runSegment per segment). */
function prepared(spec: SegmentSpec, C: number): Prepared {
  const hit = PREPARED.get(spec);
  if (hit) return hit;
  const { N, sums, writes, feed, weights } = spec;
  const NN = N * N;
  const rels: Int32Array[] = [], relsH: Int32Array[] = [], relG: Int32Array[] = [];
  const gathered: boolean[] = [];
  sums.forEach(({ delay, off, term }, q) => {
    const r = new Int32Array(NN), rh = new Int32Array(NN), rg = new Int32Array(NN);
    // plain sums whose row q reads ring row q (offset q·N + j for source j) get their adjoint by
    // gathering: the gradient of value u at (q, j) is Σ_i w_ij · gsum[step u + 1 + d_ij][q, i]
    // (relG: d_ij·C + q·N + i, from the row of step u + 1 in a time-ordered array)
    let rowQ = !term && sums.length === writes.length;
    for (let l = 0; l < NN; l++) {
      r[l] = off[l] - delay[l] * C;
      rh[l] = off[l] - (delay[l] + 1) * C;
      if (off[l] !== q * N + (l % N)) rowQ = false;
    }
    for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) rg[j * N + i] = delay[i * N + j] * C + q * N + i;
    rels.push(r); relsH.push(rh); relG.push(rg); gathered.push(rowQ);
  });
  const wT = new Float64Array(NN);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) wT[j * N + i] = weights[i * N + j];
  // feed as typed arrays (kind 0: state, 1: coupling sum, 2: parameter): the loops run per element
  const fKind = Int8Array.from(feed, (f) => ('state' in f ? 0 : 'coupling' in f ? 1 : 2));
  const fIdx = Int32Array.from(feed, (f) => ('state' in f ? f.state : 'coupling' in f ? f.coupling : f.param));
  const p: Prepared = { rels, relsH, relG, terms: sums.map((x) => x.term), gathered, fKind, fIdx, wT };
  PREPARED.set(spec, p);
  return p;
}

interface SavedSet { K: number; X: Float64Array; S: Float64Array; PRE: Float64Array; NXT: Float64Array; past?: Float64Array }
const POOL = new WeakMap<SegmentSpec, SavedSet[]>();

/** Arrays for K steps' saved values (entries beyond K are scratch; every entry used is written before it is read). */
function takeSet(spec: SegmentSpec, K: number, EBN: number, SBN: number, pastLen: number): SavedSet {
  let free = POOL.get(spec);
  if (!free) POOL.set(spec, (free = []));
  const i = free.findIndex((x) => x.K >= K && (x.past?.length ?? 0) >= pastLen);
  if (i >= 0) return free.splice(i, 1)[0];
  return {
    K, X: new Float64Array((K + 1) * EBN), S: new Float64Array(K * SBN), PRE: new Float64Array(K * EBN), NXT: new Float64Array(K * EBN),
    past: pastLen ? new Float64Array(pastLen) : undefined,
  };
}

/** A scalar token that depends on a segment's output (zero gradient): later ring ops come after it on the tape. */
const segmentToken = customOp((x: tf.Tensor) => ({
  value: tf.scalar(0),
  gradFunc: () => [tf.zerosLike(x)],
}));
