/**
 * The Balloon–Windkessel monitor for the adjoint: not affine in its input, so the forward keeps the
 * ODE state at every input step of a segment and the reverse runs the Euler substeps' straight-line
 * program backwards.
 */
import { parseExpr, substitute } from '../../expr/index.js';
import { type Assign, forwardJs, reverseJs } from '../../expr/slp.js';
import { balloonSetup, type balloonParameters } from './reference.js';
import type { BalloonMonitorSpec } from './spec.js';
import type { AdjointMonitor, MonitorGeometry } from '../adjoint-monitor.js';

/** One Euler substep of the Balloon–Windkessel ODE (per channel), as a straight-line program. */
function balloonProgram(p: ReturnType<typeof balloonParameters>, h: number): Assign[] {
  const lit: Record<string, number> = { ia: 1 / p.alpha, base: 1 - p.E0, E0: p.E0, ts: p.tau_s, tf: p.tau_f, to: p.tau_o, h };
  const e = (text: string) => substitute(parseExpr(text), (n) => (n in lit ? { kind: 'num', value: lit[n], pos: { line: 0, col: 0 } } : undefined));
  return [
    { name: 'va', expr: e('pow(zv, ia)') },
    { name: 'ds', expr: e('x - zs / ts - (zf - 1) / tf') },
    { name: 'dv', expr: e('(zf - va) / to') },
    { name: 'dq', expr: e('((zf * (1 - pow(base, 1 / zf))) / E0 - (va * zq) / zv) / to') },
    { name: 'nf', expr: e('zf + h * zs') },
    { name: 'ns', expr: e('zs + h * ds') },
    { name: 'nv', expr: e('zv + h * dv') },
    { name: 'nq', expr: e('zq + h * dq') },
  ];
}

/** The Balloon–Windkessel monitor in reverse: its state kept per input step of a segment, its substeps differentiated. */
export function adjointBalloonMonitor(spec: BalloonMonitorSpec, g: MonitorGeometry, voi: number[]): AdjointMonitor {
  const { B, N, M, dt, nvoi, sFirst, sLast } = g;
  const { istep, p, every, substeps, h, nS } = balloonSetup(spec, g);
  const nv = voi.length, NM = N * M, W = nv * NM, NV = nvoi * NM;
  const c0 = Math.ceil(sFirst / istep);
  const data = new Float64Array(B * Math.max(1, nS) * W);
  const st = new Float64Array(B * 4 * W);
  const prog = balloonProgram(p, h);
  const read = (n: string) => n;
  const fwd = forwardJs(prog, read).join(' ');
  const rev = reverseJs(prog, {
    seeds: new Map([['ns', 'sb[0]'], ['nf', 'sb[1]'], ['nv', 'sb[2]'], ['nq', 'sb[3]']]),
    read,
    inputBar: (n) => ({ zs: 'bs', zf: 'bf', zv: 'bv', zq: 'bq', x: 'bx' } as Record<string, string>)[n],
  }).join(' ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const substep = new Function('zs', 'zf', 'zv', 'zq', 'x', 'out', `${fwd} out[0] = ns; out[1] = nf; out[2] = nv; out[3] = nq;`) as (zs: number, zf: number, zv: number, zq: number, x: number, out: Float64Array) => void;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const substepRev = new Function('zs', 'zf', 'zv', 'zq', 'x', 'sb', `${fwd} let bs = 0, bf = 0, bv = 0, bq = 0, bx = 0; ${rev} sb[0] = bs; sb[1] = bf; sb[2] = bv; sb[3] = bq; return bx;`) as (zs: number, zf: number, zv: number, zq: number, x: number, sb: Float64Array) => number;
  const tmp = new Float64Array(4);
  // reverse: stored pre-input states of the segment (slot per step), the state cotangent per lane
  let seg = new Float64Array(0), segStart = 0, segLen = 0;
  const stBar = new Float64Array(B * 4 * W);
  const subStates = new Float64Array(4 * substeps);
  const rest = () => { for (let q = 0; q < B * W; q++) { st[4 * q] = 0; st[4 * q + 1] = 1; st[4 * q + 2] = 1; st[4 * q + 3] = 1; } };
  rest();
  const m: AdjointMonitor = {
    name: 'BalloonWindkessel', voi, sampleShape: [nv, N, M], nSamples: nS, period: istep * dt,
    time: Float64Array.from({ length: nS }, (_, c) => (c0 + c) * istep * dt), data, bars: new Float64Array(data.length),
    reset() { rest(); stBar.fill(0); },
    feed(s, b, O) {
      const sb = b * 4 * W;
      if (seg.length && s >= segStart && s < segStart + segLen) seg.set(st.subarray(sb, sb + 4 * W), ((s - segStart) * B + b) * 4 * W);
      if (s % every === 0) {
        let c = 0;
        for (let v = 0; v < nv; v++) for (let q = 0; q < NM; q++, c++) {
          const x = O[b * NV + voi[v] * NM + q];
          const o = sb + 4 * c;
          for (let k = 0; k < substeps; k++) {
            substep(st[o], st[o + 1], st[o + 2], st[o + 3], x, tmp);
            st[o] = tmp[0]; st[o + 1] = tmp[1]; st[o + 2] = tmp[2]; st[o + 3] = tmp[3];
          }
        }
      }
      if (s >= sFirst && s <= sLast && s % istep === 0) {
        const out = (b * nS + s / istep - c0) * W;
        for (let q = 0; q < W; q++) {
          const zv = st[sb + 4 * q + 2], zq = st[sb + 4 * q + 3];
          data[out + q] = p.V0 * (p.k1 * (1 - zq) + p.k2 * (1 - zq / zv) + p.k3 * (1 - zv));
        }
      }
    },
    obsBar(s, b, O, OB) {
      const sb = b * 4 * W, pre = ((s - segStart) * B + b) * 4 * W;
      if (s >= sFirst && s <= sLast && s % istep === 0) {
        // the state after this step's input: replay it from the stored pre-input state
        const src = (b * nS + s / istep - c0) * W;
        for (let q = 0; q < W; q++) {
          let zs = seg[pre + 4 * q], zf = seg[pre + 4 * q + 1], zv = seg[pre + 4 * q + 2], zq = seg[pre + 4 * q + 3];
          if (s % every === 0) {
            const x = O[b * NV + voi[Math.floor(q / NM)] * NM + (q % NM)];
            for (let k = 0; k < substeps; k++) { substep(zs, zf, zv, zq, x, tmp); zs = tmp[0]; zf = tmp[1]; zv = tmp[2]; zq = tmp[3]; }
          }
          const yb = m.bars[src + q] * p.V0;
          stBar[sb + 4 * q + 2] += yb * (p.k2 * zq / (zv * zv) - p.k3);
          stBar[sb + 4 * q + 3] += yb * (-p.k1 - p.k2 / zv);
        }
      }
      if (s % every !== 0) return;
      const sbar = new Float64Array(4);
      for (let q = 0; q < W; q++) {
        const x = O[b * NV + voi[Math.floor(q / NM)] * NM + (q % NM)];
        let zs = seg[pre + 4 * q], zf = seg[pre + 4 * q + 1], zv = seg[pre + 4 * q + 2], zq = seg[pre + 4 * q + 3];
        for (let k = 0; k < substeps; k++) {
          subStates[4 * k] = zs; subStates[4 * k + 1] = zf; subStates[4 * k + 2] = zv; subStates[4 * k + 3] = zq;
          if (k + 1 < substeps) { substep(zs, zf, zv, zq, x, tmp); zs = tmp[0]; zf = tmp[1]; zv = tmp[2]; zq = tmp[3]; }
        }
        const o = sb + 4 * q;
        let bx = 0;
        for (let k = substeps - 1; k >= 0; k--) {
          sbar[0] = stBar[o]; sbar[1] = stBar[o + 1]; sbar[2] = stBar[o + 2]; sbar[3] = stBar[o + 3];
          bx += substepRev(subStates[4 * k], subStates[4 * k + 1], subStates[4 * k + 2], subStates[4 * k + 3], x, sbar);
          stBar[o] = sbar[0]; stBar[o + 1] = sbar[1]; stBar[o + 2] = sbar[2]; stBar[o + 3] = sbar[3];
        }
        OB[b * NV + voi[Math.floor(q / NM)] * NM + (q % NM)] += bx;
      }
    },
    bytesPerStep: B * 4 * W * 8, bytesPerCheckpoint: B * 4 * W * 8,
    checkpoint: () => st.slice(),
    beginReverse() { stBar.fill(0); },
    restore(ck, start, len) {
      if (ck) st.set(ck);
      segStart = start; segLen = len;
      if (seg.length < len * B * 4 * W) seg = new Float64Array(len * B * 4 * W);
    },
  };
  return m;
}
