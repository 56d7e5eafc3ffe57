/**
 * TVB's Bold monitor for the adjoint: the kernel emitter's sampling (./sampling.ts) with the
 * cotangent of each step's observation gathered from the samples it feeds.
 */
import { boldSetup } from './sampling.js';
import type { BoldMonitorSpec } from './spec.js';
import type { AdjointMonitor, MonitorGeometry } from '../adjoint-monitor.js';

/** TVB's Bold in reverse: its samples are affine in the 4 ms block averages, so the cotangent is a fixed linear map. */
export function adjointBoldMonitor(spec: BoldMonitorSpec, g: MonitorGeometry, voi: number[]): AdjointMonitor {
  const { B, N, M, dt, nvoi, sFirst, sLast } = g;
  const { istep, hrf, I, S, nS, s1, K, lagW } = boldSetup(spec, g);
  const nv = voi.length, NM = N * M, W = nv * NM, NV = nvoi * NM;
  const k1V0 = hrf.k1V0;
  const data = new Float64Array(B * Math.max(1, nS) * W);
  const blk = new Float64Array(B * W), acc = new Float64Array(B * K * W), cnt = new Int32Array(B);
  // reverse: the cotangent of the block average that ends at step j·I, per lane
  const blkBar = new Float64Array(B * W), blkOf = new Int32Array(B).fill(-1);
  const m: AdjointMonitor = {
    name: 'Bold', voi, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt,
    time: Float64Array.from({ length: nS }, (_, c) => (s1 + c * istep) * dt), data, bars: new Float64Array(data.length),
    reset() { blk.fill(0); acc.fill(0); cnt.fill(0); blkOf.fill(-1); },
    feed(s, b, O) {
      // the same operations in the same order as the kernel monitor (src/observation/bold/kernel.ts)
      const bo = b * W;
      let o = bo;
      for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) blk[o++] += O[b * NV + voi[v] * NM + q];
      if (s % I === 0) {
        const j = s / I;
        const head = Math.max(0, Math.floor((s - 1 - (s1 - istep)) / istep));
        for (let k = head; k < nS; k++) {
          const p = Math.floor((s1 + k * istep) / I) - j;
          if (p >= S) break;
          const w = lagW[p] / I, ao = b * K * W + (k % K) * W;
          for (let q = 0; q < W; q++) acc[ao + q] += w * blk[bo + q];
        }
        for (let q = 0; q < W; q++) blk[bo + q] = 0;
      }
      if (s >= sFirst && s % istep === 0) {
        const c = cnt[b]++;
        const out = (b * nS + c) * W, ao = b * K * W + (c % K) * W;
        for (let q = 0; q < W; q++) { data[out + q] = k1V0 === null ? acc[ao + q] : k1V0 * (acc[ao + q] - 1); acc[ao + q] = 0; }
      }
    },
    obsBar(s, b, _O, OB) {
      const j = Math.ceil(s / I);
      if (j * I > sLast) return; // its block never finishes
      const bo = b * W;
      if (blkOf[b] !== j) {
        blkOf[b] = j;
        blkBar.fill(0, bo, bo + W);
        const sj = j * I;
        const k0 = Math.max(0, Math.ceil((sj - s1) / istep));
        for (let k = k0; k < nS; k++) {
          const p = Math.floor((s1 + k * istep) / I) - j;
          if (p >= S) break;
          const w = (lagW[p] / I) * (k1V0 ?? 1), src = (b * nS + k) * W;
          for (let q = 0; q < W; q++) blkBar[bo + q] += w * m.bars[src + q];
        }
      }
      for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++) OB[b * NV + voi[v] * NM + q] += blkBar[bo + v * NM + q];
    },
    bytesPerStep: 0, bytesPerCheckpoint: 0,
    checkpoint: () => null,
    restore() { /* the reverse needs no forward state */ },
    beginReverse() { blkOf.fill(-1); },
  };
  return m;
}
