/**
 * Kernel-engine code for TVB's Bold monitor (4 ms interim averages, HRF kernel, k₁V₀(x − 1) for
 * FirstOrderVolterra), sampled at s·dt when s mod istep = 0. Streaming: the same numbers as TVB's
 * ring of 4 ms averages without the ring (see ./sampling.ts), so memory per batch element is
 * (K + 1)·W instead of 5000·W, which matters for batched sweeps; the sums are the same terms in
 * another order (TvbBold in ./reference.ts keeps TVB's ring and the tests compare both).
 *
 * `warm` is the feeding part alone, for an engine to run during a transient so that BOLD starts
 * from the haemodynamics of the discarded steps. An engine that does not call it starts cold (zero
 * averages), as TVB's monitors start at the beginning of a run.
 */
import type { MonitorContext, MonitorEmit } from '../kernel.js';
import { boldSetup } from './sampling.js';
import type { BoldMonitorSpec } from './spec.js';
import { boldFeedModule, boldWasmOffsets, type BoldLayout } from './wasm.js';

/** `voi` is already checked. */
export function emitBold(spec: BoldMonitorSpec, id: string, voi: number[], ctx: MonitorContext): MonitorEmit {
  const { N, M, dt } = ctx;
  const { istep, hrf, I, S, nS, s1, K, lagW } = boldSetup(spec, ctx);
  const nv = voi.length;
  const W = nv * N * M;
  const finish = hrf.k1V0 === null ? 'acc[ao + q]' : `${hrf.k1V0} * (acc[ao + q] - 1)`;
  // the block update in WebAssembly SIMD (./wasm.ts, bit-identical); VBT_BATCH_LANES=0 keeps the JavaScript loop
  const simd = process.env.VBT_BATCH_LANES !== '0';
  const update = simd
    ? `    ${id}_fx.feed(b, j, head, ${id}_off.blk, ${id}_off.acc);`
    : `    for (let k = head; k < ${nS}; k++) {
      const p = Math.floor((${s1} + k * ${istep}) / ${I}) - j;
      if (p >= ${S}) break;
      const w = lagW[p] / ${I}, ao = b * ${K * W} + (k % ${K}) * ${W};
      for (let q = 0; q < ${W}; q++) acc[ao + q] += w * blk[bo + q];
    }
    for (let q = 0; q < ${W}; q++) blk[bo + q] = 0;`;
  const feed = `  const bo = b * ${W}, acc = ${id}_acc, blk = ${id}_blk, lagW = ${id}_lagW;
  let o = bo;
  for (let v = 0; v < ${nv}; v++) for (let n = 0; n < ${N}; n++) for (let m = 0; m < ${M}; m++) blk[o++] += obs[(${id}_voi[v] * ${N} + n) * ${M} + m];
  if (s % ${I} === 0) {
    const j = s / ${I};
    // outputs already emitted before step s; the pending ones start there
    const head = Math.max(0, Math.floor((s - 1 - ${s1 - istep}) / ${istep}));
${update}
  }
`;
  const emit = `  if (s % ${istep} === 0) {
    const c = ${id}_cnt[b]++;
    if (b === 0) ${id}_time[c] = s * ${dt};
    const out = (b * ${nS} + c) * ${W}, ao = b * ${K * W} + (c % ${K}) * ${W};
    for (let q = 0; q < ${W}; q++) { ${id}_data[out + q] = ${finish}; acc[ao + q] = 0; }
  }
`;
  const layout: BoldLayout = { W, S, K, nS, s1, istep, I };
  const buffers = simd
    ? `const ${id}_off = { blk: ${boldWasmOffsets(layout, 0).blk}, acc: ${boldWasmOffsets(layout, 0).blk} + Math.ceil(B * ${W * 8} / 16) * 16 };
${id}_off.end = ${id}_off.acc + B * ${K * W * 8};
const ${id}_mem = new WebAssembly.Memory({ initial: Math.ceil(${id}_off.end / 65536) });
const ${id}_fx = new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(atob('${Buffer.from(boldFeedModule(layout)).toString('base64')}'), (c) => c.charCodeAt(0))), { env: { mem: ${id}_mem } }).exports;
new Float64Array(${id}_mem.buffer, 0, ${S}).set(P.${id}_lagW.map((x) => x / ${I}));
const ${id}_blk = new Float64Array(${id}_mem.buffer, ${id}_off.blk, B * ${W});
const ${id}_acc = new Float64Array(${id}_mem.buffer, ${id}_off.acc, B * ${K * W});`
    : `const ${id}_blk = new Float64Array(B * ${W});
const ${id}_acc = new Float64Array(B * ${K * W});`;
  return {
    name: 'Bold', sampleShape: [nv, N, M], nSamples: nS, period: istep * dt, voi,
    decl: `const ${id}_voi = P.${id}_voi, ${id}_lagW = P.${id}_lagW;
const ${id}_time = new Float64Array(${nS});
const ${id}_data = new Float64Array(B * ${Math.max(1, nS) * W});
const ${id}_cnt = new Int32Array(B);
${buffers}`,
    // warm (the transient) feeds the accumulators; record also emits the finished samples
    record: `{
${feed}${emit}}`,
    warm: `{
${feed}}`,
    needsObs: 'true',
    data: { [`${id}_voi`]: Int32Array.from(voi), [`${id}_lagW`]: lagW },
    result: `{ time: ${id}_time, data: ${id}_data }`,
  };
}
