/**
 * The kernel program generator: a compiled model + coupling + integrator + monitors become one JS
 * function over Float64Arrays. One pass over nodes per step does every integrator stage of a node in
 * registers (the coupling is frozen within a step, as in TVB, so nodes are independent once it is
 * known). The program is plain source plus structured-cloneable data, so the same text runs in the
 * main thread or in worker threads.
 */
import { type Expr, toJs, CONSTANTS } from '../../expr/index.js';
import type { ModelSpec } from '../../models/spec.js';
import { type ResolvedParam, paramRead } from '../params.js';
import { expandModes } from './modes.js';
import { generateWasm } from '../wasm/kernel.js';
import type { RunPlan } from '../../plan/types.js';
import { type Combination, planIntegrator } from '../../plan/integrator.js';
import { classifyCoupling } from '../../plan/coupling.js';
import { freeSymbols } from '../../expr/index.js';
import { resolveSymbols } from '../../plan/symbols.js';
import { batchLanesSource } from '../wasm/batch-lanes.js';

export type { IntegratorScheme } from '../../plan/integrator.js';
export type { NoisePlan } from '../../plan/types.js';
/** The kernel program lowers the backend-neutral run plan (src/plan); the name is kept for code that reads it. */
export type KernelPlan = RunPlan;

/** A generated kernel program: JS source plus, when used, the WebAssembly module it instantiates. */
export interface KernelProgram {
  source: string;
  /** The module bytes (structured-cloneable, so workers compile it themselves), or null. */
  wasm: Uint8Array | null;
}

const svIndex = (spec: ModelSpec) => new Map(Object.keys(spec.state_variables).map((n, i) => [n, i]));

/**
 * Generated programs report a non-finite state through this function: the first bad (variable, node,
 * mode) of batch element b at step s, which the engine turns into a DivergenceError. It reads the
 * program's `state`, `SS`, `N`, `M` and `ctx`.
 */
export const DIVERGED_JS = `function diverged(s, b) {
  const sb = b * SS;
  for (let q = 0; q < SS; q++) {
    if (!Number.isFinite(state[sb + q])) {
      const k = Math.floor(q / (N * M)), n = Math.floor((q % (N * M)) / M), m = q % M;
      const err = new Error('diverged'); err.divergence = { step: s, batch: b + ctx.batchOffset, variable: k, node: n, mode: m, value: state[sb + q] };
      throw err;
    }
  }
  const err = new Error('diverged'); err.divergence = { step: s, batch: b + ctx.batchOffset, variable: -1, node: -1, mode: 0, value: NaN };
  throw err;
}
`;

/** Build the program source. */
/**
 * exp for generated kernels. V8 compiles Math.exp to an out-of-line C call that stalls the
 * pipeline; this version inlines: x = (j/64)·ln2 + r with a two-part ln2/64 (j·L1 exact for
 * |j| < 2^25), exp(r) by a degree-5 polynomial (|r| ≤ ln2/128, truncation < 4e-17), and 2^(j/64)
 * from two tables. Measured max relative error vs Math.exp: 4e-16 (≈2 ulp). Outside ±700, NaN
 * included, it defers to Math.exp so overflow, underflow and NaN behave identically.
 */
export const KERNEL_EXP_JS = `const KEXP_T = new Float64Array(64); for (let i = 0; i < 64; i++) KEXP_T[i] = Math.pow(2, i / 64);
const KEXP_P = new Float64Array(2200); for (let k = 0; k < 2200; k++) KEXP_P[k] = Math.pow(2, k - 1100);
function kexp(x) {
  if (!(x > -700 && x < 700)) return Math['exp'](x);
  const jd = (x * 92.33248261689366 + 6755399441055744.0) - 6755399441055744.0;
  const j = jd | 0;
  const r = (x - jd * 0.010830424260348082) - jd * 4.3590106387089914e-10;
  const p = 1 + r * (1 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * 0.008333333333333333))));
  return KEXP_T[j & 63] * KEXP_P[(j >> 6) + 1100] * p;
}`;

export function generateProgram(plan: KernelPlan): KernelProgram {
  const { N, M, dt, H, spec, parsed } = plan;
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const cvar = spec.cvar.map((n) => svIndex(spec).get(n)!);
  const ncv = cvar.length;
  const H2 = 2 * H;
  const consts = spec.constants ?? {};
  const auxNames = new Set(parsed.auxiliaries.map(([n]) => n));
  const L: string[] = [];
  const emit = (s: string) => L.push(s);

  // ---------- parameter locals ----------
  const allParams: [string, ResolvedParam, string][] = [
    ...Object.entries(plan.modelParams).map(([n, p]) => [n, p, `P.mp_${n}`] as [string, ResolvedParam, string]),
  ];
  const cParams = Object.entries(plan.couplingParams);
  emit('"use strict";');
  emit(KERNEL_EXP_JS);
  emit(`const N = ${N}, M = ${M}, H = ${H}, B = ctx.B;`);
  emit('const P = ctx.P;');
  for (const [n, , src] of allParams) emit(`const MP_${n} = ${src};`);
  for (const [n] of cParams) emit(`const CP_${n} = P.cp_${n};`);
  const hoist = (level: 'run' | 'batch' | 'node', prefix: string, params: [string, ResolvedParam][], localPrefix: string) =>
    params
      .filter(([, p]) => (level === 'run' ? p.kind === 'scalar' : level === 'batch' ? p.kind === 'batch' : p.kind === 'node' || p.kind === 'batchnode'))
      .map(([n, p]) => `const ${localPrefix}${n} = ${paramRead(p.kind, `${prefix}${n}`, 'b', 'n', N)};`)
      .join(' ');
  const mps = Object.entries(plan.modelParams);

  // ---------- coupling analysis ----------
  const cpl = plan.coupling;
  const proj = plan.projections;
  // classified once in the plan; a hand-made plan without it is classified here
  const cc = proj ? undefined : plan.couplingClass ?? classifyCoupling(cpl, ncv, Object.fromEntries(Object.entries(plan.couplingParams).map(([n, p]) => [n, p.kind])));
  const cpre = cc?.pre, cpost = cc?.post;
  const cparamRead = (name: string): string | undefined => (plan.couplingParams[name] ? `cp_${name}` : undefined);
  const couplingSym = (env: Record<string, string>) => (name: string) => {
    if (name in env) return env[name];
    const p = cparamRead(name);
    if (p) return p;
    if (name in CONSTANTS) return String(CONSTANTS[name]);
    throw new Error(`coupling ${cpl.name}: unknown name '${name}'`);
  };
  const shared = cc?.shared ?? false;
  const usesXi = cc?.readsTarget ?? false;
  const pretransform = proj ? true : cc!.kind === 'pretransform';
  /** Coupling inputs c_k: one per projection, else one per coupling variable. */
  const nIn = proj ? proj.length : ncv;
  // projections with the same source and pre share one history row (EIB: both read S_e)
  const exprKey = (e: Expr) => JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v));
  const projRowKeys = proj ? [...new Set(proj.map((p) => exprKey(p.source) + exprKey(p.pre)))] : [];
  /** History row of projection r, and the first projection of each row (whose source and pre it stores). */
  const projRow = proj ? proj.map((p) => projRowKeys.indexOf(exprKey(p.source) + exprKey(p.pre))) : [];
  const rowProj = projRowKeys.map((_, row) => projRow.indexOf(row));
  const prows = proj ? projRowKeys.length : shared ? 1 : ncv;
  const PS = prows * N * M * H2;
  const stateSums = plan.monitors.filter((m) => m.stateSum).map((m) => m.stateSum!);
  const wk = plan.kernel === 'js' ? null : generateWasm(plan, pretransform, stateSums.map((x) => ({ acc: x.acc, rows: x.rows })));
  const cvIndex = new Map(spec.cvar.map((n, q) => [n, q]));
  /** JS of pre-transform row r of the values read by reader(q, m) (q in cvar order). */
  const preValue = (r: number, m: number, rd: (q: number, m: number) => string): string => {
    if (proj) {
      r = rowProj[r];
      const src = toJs(proj[r].source, (name) => (cvIndex.has(name) ? rd(cvIndex.get(name)!, m) : modelConst(name)));
      return toJs(proj[r].pre, (name) => (name === 'x_j' ? `(${src})` : modelConst(name)));
    }
    const env: Record<string, string> = {};
    for (let q = 0; q < ncv; q++) env[`x_j_${q}`] = rd(q, m);
    env.x_j = rd(r, m);
    return toJs(cpre!, couplingSym(env));
  };
  function modelConst(name: string): string {
    const c = consts[name];
    if (typeof c === 'number') return String(c);
    if (name in CONSTANTS) return String(CONSTANTS[name]);
    throw new Error(`model ${spec.name}: '${name}' cannot be read here`);
  }

  // ---------- state, history, coupling arrays ----------
  if (wk) {
    // the arrays the module reads are views on its memory; the header holds each region's address
    const regions: [string, string][] = [
      ['state', `B * ${nsv * N * M} * 8`],
      ['cpl', `B * ${nIn * N * M} * 8`],
      ['noise', plan.noise ? `B * ${nsv * N * M} * 8` : '0'],
      ['noiseGain', plan.noise ? 'P.noiseGain.byteLength' : '0'],
      ['pbuf', wk.pre ? `B * ${prows * N * M * wk.ring} * 8` : '0'],
      ['rowPtr', 'P.rowPtr.byteLength'], ['lnkOff', 'P.lnkOff.byteLength'], ['lnkW', 'P.lnkW.byteLength'],
    ];
    const sumLen = new Map(stateSums.map((x) => [x.acc, `B * ${x.rows.length * N * M} * 8`]));
    sumLen.set('hist', `B * ${ncv * N * M * H2} * 8`);
    for (const sl of wk.slots.slice(8)) regions.push([sl, sumLen.get(sl) ?? `P.${sl}.byteLength`]);
    emit(`const WSLOTS = [${wk.slots.map((x) => `'${x}'`).join(', ')}];
const WOFF = {};
let wtop = ${Math.ceil((4 * wk.slots.length) / 16) * 16};
${regions.map(([n, size]) => `WOFF.${n} = wtop; wtop += Math.ceil((${size}) / 16) * 16;`).join('\n')}
if (wtop > 2 ** 31) throw new Error('kernel: the WebAssembly kernel would need ' + Math.ceil(wtop / 2 ** 20) + ' MB for ' + B + ' batch elements in one thread (limit 2048 MB); split the batch, use more threads, or set kernel: "js"');
const wmem = new WebAssembly.Memory({ initial: Math.ceil(wtop / 65536) + 1 });
{ const hdr = new Int32Array(wmem.buffer, 0, WSLOTS.length); WSLOTS.forEach((x, i) => { hdr[i] = WOFF[x]; }); }
for (const x of ['noiseGain', 'rowPtr', 'lnkOff', 'lnkW', ...WSLOTS.slice(8)]) {
  const src = P[x];
  if (src) new src.constructor(wmem.buffer, WOFF[x], src.length).set(src);
}
${wk.pre ? `{ // links as node·ring + ((ring − d) mod ring), from the JS layout node·2H + H − d
  const q = new Int32Array(wmem.buffer, WOFF.lnkOff, P.lnkOff.length);
  for (let k = 0; k < q.length; k++) { const t = P.lnkOff[k] % ${H2}, j = (P.lnkOff[k] - t) / ${H2}, d = H - t; q[k] = j * ${wk.ring} + ((${wk.ring} - d) & ${wk.ring - 1}); }
}` : ''}
const WX = new WebAssembly.Instance(ctx.wasmModule || new WebAssembly.Module(P.wasm), { env: { mem: wmem } }).exports;`);
  }
  // batch lanes (wasm/batch-lanes.ts): one gather pass for 2 or 4 elements; VBT_BATCH_LANES=0 turns it off
  emit(wk ? batchLanesSource(plan, wk) : 'const couplingLanes = null;');
  const HIST = plan.historyPrecision === 'float32' ? 'Float32Array' : 'Float64Array';
  const HS = ncv * N * M * H2;
  emit(`const state = ${wk ? `new Float64Array(wmem.buffer, WOFF.state, B * ${nsv * N * M})` : 'ctx.state'}; // B x nsv x N x M`);
  emit(`const hist = ${wk?.hist ? `new Float64Array(wmem.buffer, WOFF.hist, B * ${HS})` : `new ${HIST}(B * ${HS})`}; // B x ncv x N x M x 2H (each slot stored twice, so reads need no modulo)`);
  emit(`const cpl = ${wk ? `new Float64Array(wmem.buffer, WOFF.cpl, B * ${nIn * N * M})` : `new Float64Array(B * ${nIn * N * M})`};`);
  emit(`const obs = new Float64Array(${parsed.vois.length * N * M});`);
  emit(`const rowPtr = P.rowPtr, lnkOff = P.lnkOff, lnkW = P.lnkW, lnkZero = P.lnkZero, selfOff = P.selfOff, selfZero = P.selfZero, NL = rowPtr[N];`);
  emit(`const SS = ${nsv * N * M}, CS = ${nIn * N * M}, HS = ${HS};`);

  // initial history: ctx.history is (B or 1) x H x nsv x N x M; keep only cvars
  emit(`{
  const hsrc = ctx.history, perBatch = hsrc.length === B * ${H * nsv * N * M};
  const cv = [${cvar.join(', ')}];
  for (let b = 0; b < B; b++) {
    const hb = perBatch ? b * ${H * nsv * N * M} : 0;
    for (let k = 0; k < H; k++) for (let c = 0; c < ${ncv}; c++) for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
      const v = hsrc[hb + ((k * ${nsv} + cv[c]) * N + n) * M + m];
      const o = b * HS + ((c * N + n) * M + m) * ${H2} + k;
      hist[o] = v; hist[o + H] = v;
    }
    // the current state is the last history entry
    for (let q = 0; q < SS; q++) state[b * SS + q] = hsrc[hb + (H - 1) * SS + q];
  }
}`);

  if (pretransform) {
    // pbuf[b][row][n][m][2H]: pre(x) of every stored history value, written once per node and step
    const f32 = plan.historyPrecision === 'float32';
    // reader(q, m): JS reading coupling variable q (cvar order), mode m, of node n
    // wasm keeps one copy of each value in a power-of-two ring per node; the JS program a doubled 2H row
    const ringW = wk?.pre ? wk.ring : 0;
    const PSw = ringW ? prows * N * M * ringW : PS;
    const store = (r: number, m: number) =>
      ringW ? `pbuf[pb + (${r} * N + n) * ${ringW} + slot] = v;` : `const o = pb + ((${r} * N + n) * M + ${m}) * ${H2} + slot; pbuf[o] = v; pbuf[o + H] = v;`;
    const preLines = (reader: (q: number, m: number) => string): string => {
      const rd = (q: number, m: number) => (f32 ? `Math.fround(${reader(q, m)})` : reader(q, m));
      const lines: string[] = [];
      for (let r = 0; r < prows; r++) for (let m = 0; m < M; m++) lines.push(`{ const v = ${preValue(r, m, rd)}; ${store(r, m)} }`);
      return lines.join('\n    ');
    };
    const hoists = `${hoist('run', 'CP_', cParams, 'cp_')} ${hoist('batch', 'CP_', cParams, 'cp_')}`;
    emit(`const pbuf = ${ringW ? `new Float64Array(wmem.buffer, WOFF.pbuf, B * ${PSw})` : `new Float64Array(B * ${PS})`};
${ringW ? '' : `function writePreFromState(b, slot) {
  const pb = b * ${PS}, sb = b * SS;
  ${hoists}
  for (let n = 0; n < N; n++) {
    ${preLines((q, m) => `state[sb + (${cvar[q]} * N + n) * M + ${m}]`)}
  }
}`}
for (let b = 0; b < B; b++) {
  const pb = b * ${PSw}, hb = b * HS;
  ${hoists}
  for (let slot = 0; slot < H; slot++) for (let n = 0; n < N; n++) {
    ${preLines((q, m) => `hist[hb + ((${q} * N + n) * M + ${m}) * ${H2} + slot]`)}
  }
}`);
  }
  const couplingStart = L.length;
  emit(`function coupling(s, b) {
  const tm = (s - 1) % H, hb = b * HS, cb = b * CS, pb = b * ${PS};
  ${hoist('run', 'CP_', cParams, 'cp_')} ${hoist('batch', 'CP_', cParams, 'cp_')}
  ${proj ? `${hoist('run', 'MP_', mps, 'mp_')} ${hoist('batch', 'MP_', mps, 'mp_')}` : ''}
  for (let i = 0; i < N; i++) {
    const n = i; ${hoist('node', 'CP_', cParams, 'cp_')} ${proj ? hoist('node', 'MP_', mps, 'mp_') : ''}`);
  const rowOff = (r: number, m: number) => (r * N * M + m) * H2;
  if (proj) {
    // each projection has its own block of link weights (W∘e) and its own accumulator; one pass over
    // the links serves all of them, each summing in source order
    const accs = proj.map((_, r) => `acc${r}`);
    emit(`    let ${accs.map((a) => `${a} = 0`).join(', ')};
    const k1 = rowPtr[i + 1];
    for (let k = rowPtr[i]; k < k1; k++) {
      const o = pb + lnkOff[k] + tm;
      ${projRowKeys.map((_, row) => `const v${row} = pbuf[o${row ? ` + ${rowOff(row, 0)}` : ''}];`).join(' ')}
      ${proj.map((_, r) => `acc${r} += lnkW[${r ? `${r} * NL + ` : ''}k] * v${projRow[r]};`).join('\n      ')}
    }`);
    proj.forEach((pr, r) => {
      const post = toJs(pr.post, (name) => (name === 'gx' ? `acc${r}` : plan.modelParams[name] ? `mp_${name}` : modelConst(name)));
      emit(`    cpl[cb + ${r * N} + i] = ${post};`);
    });
  } else if (cpl.links === 'tvb-presigmoidal') {
    const dyn = plan.couplingParams.dynamic;
    if (!dyn || dyn.kind !== 'scalar') throw new Error('PreSigmoidal: dynamic must be a single value');
    if (plan.couplingParams.globalT && plan.couplingParams.globalT.data[0] !== 0) throw new Error('PreSigmoidal: globalT = 1 is not supported');
    const A = (x: string, th: string) => `cp_H * (cp_Q + Math.tanh(cp_G * (cp_P * ${x} - ${th})))`;
    for (let m = 0; m < M; m++) {
      if (dyn.data[0] !== 0) {
        if (ncv < 2) throw new Error('PreSigmoidal with dynamic = 1 needs two coupling variables (x, theta)');
        emit(`    { let acc = 0;
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        const o = hb + lnkOff[k] + tm;
        acc += lnkW[k] * (${A(`hist[o + ${rowOff(0, m)}]`, `hist[o + ${rowOff(1, m)}]`)});
      }
      cpl[cb + (0 * N + i) * M + ${m}] = acc;
      const so = hb + selfOff[i] + tm;
      const x0 = selfZero[i] ? 0 : hist[so + ${rowOff(0, m)}], th = selfZero[i] ? 0 : hist[so + ${rowOff(1, m)}];
      cpl[cb + (1 * N + i) * M + ${m}] = ${A('x0', 'th')};
      ${Array.from({ length: ncv - 2 }, (_, r) => `cpl[cb + (${r + 2} * N + i) * M + ${m}] = 0;`).join(' ')} }`);
      } else {
        for (let r = 0; r < ncv; r++) {
          emit(`    { let acc = 0;
      for (let k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        const x = lnkZero[k] ? 0 : hist[hb + lnkOff[k] + tm + ${rowOff(r, m)}];
        acc += lnkW[k] * (${A('x', 'cp_theta')});
      }
      cpl[cb + (${r} * N + i) * M + ${m}] = acc; }`);
        }
      }
    }
  } else if (pretransform) {
    // pre(x_j) was applied when x_j entered the history: a link is one multiply-add
    const accs: string[] = [];
    const lines: string[] = [];
    for (let r = 0; r < prows; r++) for (let m = 0; m < M; m++) {
      accs.push(`acc_${r}_${m}`);
      lines.push(`acc_${r}_${m} += w * pbuf[o + ${(r * N * M + m) * H2}];`);
    }
    if (accs.length === 1) {
      // One row: four independent partial sums so the adds are not one serial dependency chain
      // (the loop is add-latency bound otherwise); summation order is as arbitrary as numpy's.
      const off = (r: number) => `pb + tm + lnkOff[k${r ? ` + ${r}` : ''}]`;
      emit(`    let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    const k1 = rowPtr[i + 1];
    let k = rowPtr[i];
    for (; k + 3 < k1; k += 4) {
      q0 += lnkW[k] * pbuf[${off(0)}];
      q1 += lnkW[k + 1] * pbuf[${off(1)}];
      q2 += lnkW[k + 2] * pbuf[${off(2)}];
      q3 += lnkW[k + 3] * pbuf[${off(3)}];
    }
    for (; k < k1; k++) q0 += lnkW[k] * pbuf[${off(0)}];
    const ${accs[0]} = (q0 + q1) + (q2 + q3);`);
    } else {
      emit(`    let ${accs.map((a) => `${a} = 0`).join(', ')};
    const k1 = rowPtr[i + 1];
    for (let k = rowPtr[i]; k < k1; k++) {
      const o = pb + lnkOff[k] + tm, w = lnkW[k];
      ${lines.join('\n      ')}
    }`);
    }
    for (let r = 0; r < ncv; r++) for (let m = 0; m < M; m++) {
      emit(`    cpl[cb + (${r} * N + i) * M + ${m}] = ${toJs(cpost!, couplingSym({ gx: `acc_${shared ? 0 : r}_${m}` }))};`);
    }
  } else {
    const rows = shared ? [0] : Array.from({ length: ncv }, (_, r) => r);
    const accs: string[] = [];
    const preLines: string[] = [];
    const xiLines: string[] = [];
    for (const r of rows) {
      for (let m = 0; m < M; m++) {
        const env: Record<string, string> = {};
        for (let q = 0; q < ncv; q++) {
          env[`x_j_${q}`] = `hist[o + ${rowOff(q, m)}]`;
          env[`x_i_${q}`] = `xi_${q}_${m}`;
        }
        env.x_j = `hist[o + ${rowOff(r, m)}]`;
        env.x_i = `xi_${r}_${m}`;
        accs.push(`acc_${r}_${m}`);
        preLines.push(`acc_${r}_${m} += w * ${toJs(cpre!, couplingSym(env))};`);
      }
    }
    if (usesXi) {
      for (let q = 0; q < ncv; q++) for (let m = 0; m < M; m++) xiLines.push(`const xi_${q}_${m} = hist[hb + ${rowOff(q, m)} + i * ${M * H2} + tm + H];`);
    }
    emit(`    ${xiLines.join(' ')}
    let ${accs.map((a) => `${a} = 0`).join(', ')};
    const k1 = rowPtr[i + 1];
    for (let k = rowPtr[i]; k < k1; k++) {
      const o = hb + lnkOff[k] + tm, w = lnkW[k];
      ${preLines.join('\n      ')}
    }`);
    for (let r = 0; r < ncv; r++) {
      for (let m = 0; m < M; m++) {
        const src = shared ? `acc_0_${m}` : `acc_${r}_${m}`;
        emit(`    cpl[cb + (${r} * N + i) * M + ${m}] = ${toJs(cpost!, couplingSym({ gx: src }))};`);
      }
    }
  }
  emit(`  }
}`);
  if (wk?.coupling) {
    // the module's gather replaces the JS one
    L.splice(couplingStart);
    emit(`function coupling(s, b) { WX.coupling(${wk.hist ? '(s - 1) % H' : 's - 1'}, b); }`);
  }

  // ---------- model derivative, emitted per stage ----------
  const boundsOf = (k: number) => plan.boundaries[k];
  const clamp = (k: number, v: string) => {
    const bd = boundsOf(k);
    if (!bd) return v;
    const [lo, hi] = bd;
    if (lo > -Infinity && hi < Infinity) return `Math.min(Math.max(${v}, ${lo}), ${hi})`;
    if (lo > -Infinity) return `Math.max(${v}, ${lo})`;
    if (hi < Infinity) return `Math.min(${v}, ${hi})`;
    return v;
  };
  const svIdx = svIndex(spec);
  const symbols = plan.symbols ?? resolveSymbols(spec, parsed, plan.modelParams, plan.couplingParams);
  const modelSym = (stage: string, inp: (k: number, m: number) => string) => (full: string): string => {
    const at = full.lastIndexOf('@');
    const name = full.slice(0, at);
    const m = Number(full.slice(at + 1));
    const sy = symbols[name];
    switch (sy?.kind) {
      case 'state': return inp(sy.index!, m);
      case 'auxiliary': return `${stage}_${name}_${m}`;
      case 'parameter': case 'derived': return `mp_${name}`;
      case 'coupling-input': return `c${sy.index}_${m}`;
      case 'builtin': case 'math-constant': return String(sy.value);
      case 'constant':
        if (sy.layout === 'number') return String(sy.value);
        if (sy.layout === 'per-mode') return `(${(sy.value as number[])[m]})`;
        throw new Error(`model ${spec.name}: constant '${name}' is a matrix; use it through mdot(${name}, x)`);
      default: throw new Error(`model ${spec.name}: unknown name '${name}'`);
    }
  };
  const emitAux = (stage: string, sym: (full: string) => string, only?: Set<string>): string[] => {
    const out: string[] = [];
    for (const [name, e] of parsed.auxiliaries) {
      if (only && !only.has(name)) continue;
      for (let m = 0; m < M; m++) out.push(`const ${stage}_${name}_${m} = ${toJs(expandModes(e, m, M, consts), sym)};`);
    }
    return out;
  };
  const emitDfun = (stage: string, inp: (k: number, m: number) => string): string[] => {
    const out: string[] = [];
    const sym = modelSym(stage, inp);
    out.push(...emitAux(stage, sym));
    parsed.equations.forEach(([, e], k) => {
      for (let m = 0; m < M; m++) out.push(`const ${stage}_d${k}_${m} = ${toJs(expandModes(e, m, M, consts), sym)};`);
    });
    return out;
  };
  const X = (k: number, m: number) => `x${k}_${m}`;
  const D = (stage: string) => (k: number, m: number) => `${stage}_d${k}_${m}`;
  const each = (f: (k: number, m: number) => string): string[] => {
    const r: string[] = [];
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) r.push(f(k, m));
    return r;
  };
  const stimulated = new Set(plan.stimulus?.variables ?? []);
  const nz = (k: number, m: number) => (plan.noise ? ` + nz${k}_${m}` : '');
  /** One combination of the stepping rule (src/plan/integrator.ts), unclamped. */
  const combine = (c: Combination, k: number, m: number): string => {
    const sum = c.terms.map((t) => (t.weight === 1 ? D(`k${t.stage}`)(k, m) : `${t.weight} * ${D(`k${t.stage}`)(k, m)}`)).join(' + ');
    const st = stimulated.has(k);
    const inner = c.stimulus === 'inside' && st ? `(${sum} + stim_n)` : c.terms.length === 1 && c.terms[0].weight === 1 ? sum : `(${sum})`;
    return `${X(k, m)} + ${c.factor} * ${inner}${c.stimulus === 'after' && st ? ` + ${dt} * stim_n` : ''}${c.noise ? nz(k, m) : ''}`;
  };

  const body: string[] = [];
  body.push(...each((k, m) => `const ${X(k, m)} = state[sb + (${k} * N + n) * M + ${m}];`));
  for (let r = 0; r < nIn; r++) for (let m = 0; m < M; m++) body.push(`const c${r}_${m} = cpl[cb + (${r} * N + n) * M + ${m}];`);
  if (plan.stimulus) body.push('const stim_n = stimT * stimW[n];');
  if (plan.noise) {
    const nzp = plan.noise;
    body.push(
      ...each((k, m) => {
        const g = `noiseGain[${k} * N + n]`;
        const scale = nzp.kind === 'multiplicative' ? ` * (${nzp.multA} * ${X(k, m)} + ${nzp.multB})` : '';
        return `const nz${k}_${m} = ${g}${scale} * noise[nb + (${k} * N + n) * M + ${m}];`;
      }),
    );
  }
  const write = (f: (k: number, m: number) => string) => each((k, m) => `{ const v = ${f(k, m)}; state[sb + (${k} * N + n) * M + ${m}] = v; chk += v; }`);
  // the stages of the plan's tableau: stage 0 at the start state, stage j at the clamped combination stages[j − 1]
  const integ = plan.integrator ?? planIntegrator(plan.scheme, dt);
  body.push(...emitDfun('k0', X));
  integ.stages.forEach((c, j0) => {
    const V = (k: number, m: number) => `s${j0 + 1}_${k}_${m}`;
    body.push(...each((k, m) => `const ${V(k, m)} = ${clamp(k, combine(c, k, m))};`));
    body.push(...emitDfun(`k${j0 + 1}`, V));
  });
  body.push(...write((k, m) => clamp(k, combine(integ.result, k, m))));
  emit(`const noise = ${plan.noise ? (wk ? 'new Float64Array(wmem.buffer, WOFF.noise, B * SS)' : 'new Float64Array(B * SS)') : 'null'};
const noiseGain = ${plan.noise ? 'P.noiseGain' : 'null'};
const stimW = ${plan.stimulus ? 'P.stimW' : 'null'};
let stimT = 0;
${plan.stimulus?.temporalDecl ?? ''}
${
  // the module's step, when there is one, replaces the JS one
  wk
    ? `function step(b, sum, s) { const slot = s & ${wk.ring - 1}; return ${stateSums.length ? 'sum ? WX.stepSum(b, slot) : ' : ''}WX.step(b, slot); }`
    : `function step(b, sum, s) {
  const sb = b * SS, cb = b * CS, nb = b * SS;
  let chk = 0;
  ${hoist('run', 'MP_', mps, 'mp_')} ${hoist('batch', 'MP_', mps, 'mp_')}
  for (let n = 0; n < N; n++) {
    ${hoist('node', 'MP_', mps, 'mp_')}
    ${body.join('\n    ')}
  }
  return chk;
}`
}`);

  // ---------- history write ----------
  emit(`function writeHistory(s, b) {
  const slot = s % H, hb = b * HS, sb = b * SS;
  ${pretransform ? (wk?.pre ? '/* the wasm step already wrote the pre-transformed state */' : 'writePreFromState(b, slot);') : ''}
  ${pretransform ? '' /* the coupling reads only pbuf after initialisation */ : cvar
    .map(
      (sv, c) => `for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) { const v = state[sb + (${sv} * N + n) * M + m]; const o = hb + ((${c} * N + n) * M + m) * ${H2} + slot; hist[o] = v; hist[o + H] = v; }`,
    )
    .join('\n  ')}
}`);

  // ---------- observation (variables of interest) ----------
  const obSym = modelSym('ob', (k, mm) => `state[sb + (${k} * N + n) * M + ${mm}]`);
  const voiLines: string[] = [];
  parsed.vois.forEach((e, v) => {
    for (let m = 0; m < M; m++) {
      const direct = e.kind === 'sym' && svIdx.has(e.name);
      const js = direct
        ? `state[sb + (${svIdx.get((e as { name: string }).name)} * N + n) * M + ${m}]`
        : toJs(expandModes(e, m, M, consts), obSym);
      voiLines.push(`obs[(${v} * N + n) * M + ${m}] = ${js};`);
    }
  });
  // variables of interest that read auxiliaries evaluate them at the state and the coupling it sees
  const voiAux = parsed.vois.some((e) => [...freeSymbols(e)].some((n) => auxNames.has(n)));
  /** The auxiliaries the variables of interest read, directly or through other auxiliaries. */
  function auxClosure(): Set<string> {
    const need = new Set<string>();
    const visit = (e: Expr) => { for (const n of freeSymbols(e)) if (auxNames.has(n) && !need.has(n)) { need.add(n); visit(parsed.auxiliaries.find(([a]) => a === n)![1]); } };
    parsed.vois.forEach(visit);
    return need;
  }
  const obAux = voiAux
    ? [...Array.from({ length: nIn * M }, (_, q) => `const c${Math.floor(q / M)}_${q % M} = cpl[cb + (${Math.floor(q / M)} * N + n) * M + ${q % M}];`), ...emitAux('ob', obSym, auxClosure())]
    : [];
  emit(`function observe(b) {
  const sb = b * SS, cb = b * CS;
  ${hoist('run', 'MP_', mps, 'mp_')} ${hoist('batch', 'MP_', mps, 'mp_')}
  for (let n = 0; n < N; n++) {
    ${hoist('node', 'MP_', mps, 'mp_')}
    ${obAux.join('\n    ')}
    ${voiLines.join('\n    ')}
  }
}`);

  // ---------- monitors ----------
  for (const x of stateSums) {
    const len = `B * ${x.rows.length * N * M}`;
    emit(`const ${x.acc} = ${wk ? `new Float64Array(wmem.buffer, WOFF.${x.acc}, ${len})` : `new Float64Array(${len})`};`);
  }
  for (const mon of plan.monitors) emit(mon.decl);
  const needObs = plan.monitors.map((m) => m.needsObs).filter((x): x is string => x !== null);
  const obsCond = needObs.includes('true') ? 'true' : needObs.length ? needObs.map((c) => `(${c})`).join(' || ') : 'false';

  // ---------- noise ----------
  if (plan.noise) {
    const nzp = plan.noise;
    const coloured = nzp.ntau > 0;
    const NM = N * M;
    emit(`const rngs = [];
for (let b = 0; b < B; b++) rngs.push(new ctx.Rng(ctx.seeds[b]));
${
  nzp.rows
    ? `// normals are drawn for the noisy rows only, in their order; the other rows stay 0
const NROWS = [${nzp.rows.join(', ')}], NR = ${nzp.rows.length * NM};
const nbuf = new Float64Array(NR);
${coloured ? `const E = Math.exp(-${dt} / ${nzp.ntau}), sq1E2 = Math.sqrt(1 - E * E), dtSqrtLambda = ${dt} * Math.sqrt(1 / ${nzp.ntau});
const eta = new Float64Array(B * NR);
for (let b = 0; b < B; b++) { rngs[b].fillStandardNormal(nbuf); eta.set(nbuf, b * NR); }` : `const sqdt = Math.sqrt(${dt});`}
function drawNoise(b) {
  rngs[b].fillStandardNormal(nbuf);
  const o = b * SS;
  for (let r = 0; r < NROWS.length; r++) {
    const d = o + NROWS[r] * ${NM}, e = r * ${NM};
    for (let q = 0; q < ${NM}; q++) ${coloured ? `{ const h = b * NR + e + q; eta[h] = eta[h] * E + sq1E2 * nbuf[e + q]; noise[d + q] = dtSqrtLambda * eta[h]; }` : 'noise[d + q] = nbuf[e + q] * sqdt;'}
  }
}`
    : coloured
    ? `const E = Math.exp(-${dt} / ${nzp.ntau}), sq1E2 = Math.sqrt(1 - E * E), dtSqrtLambda = ${dt} * Math.sqrt(1 / ${nzp.ntau});
const eta = new Float64Array(B * SS), hbuf = new Float64Array(SS);
for (let b = 0; b < B; b++) { rngs[b].fillStandardNormal(hbuf); eta.set(hbuf, b * SS); }
function drawNoise(b) {
  rngs[b].fillStandardNormal(hbuf);
  const o = b * SS;
  for (let q = 0; q < SS; q++) { eta[o + q] = eta[o + q] * E + sq1E2 * hbuf[q]; noise[o + q] = dtSqrtLambda * eta[o + q]; }
}`
    : `const sqdt = Math.sqrt(${dt});
function drawNoise(b) {
  const v = noise.subarray(b * SS, (b + 1) * SS);
  rngs[b].fillStandardNormal(v);
  for (let q = 0; q < SS; q++) v[q] *= sqdt;
}`
}`);
  }

  // ---------- the run loop ----------
  emit(`${DIVERGED_JS}
let started = false;
/** Integrate steps s0 .. s0+n-1; record into monitors when 'record'. */
function run(s0, n, record, stimStart, onProgress) {
  if (!started) { for (let b = 0; b < B; b++) coupling(s0, b); started = true; }
  const s1 = s0 + n;
  const every = Math.max(1, Math.floor(n / 100));
  for (let s = s0; s < s1; s++) {
    ${plan.stimulus ? `stimT = (t => ${plan.stimulus.temporalJs})((s - stimStart) * ${dt});` : ''}
    for (let b = 0; b < B; b++) {
      ${plan.noise ? 'drawNoise(b);' : ''}
      const chk = step(b, record ? 1 : 0, s);
      if (!Number.isFinite(chk)) diverged(s, b);
      writeHistory(s, b);
    }
    // elements are independent within a step, so all couplings can follow all steps
    for (let b = couplingLanes ? couplingLanes(s) : 0; b < B; b++) coupling(s + 1, b);
    for (let b = 0; b < B; b++) {
      if (record) {
        const cb = b * CS, sb = b * SS;
        if (${obsCond}) observe(b);
        ${plan.monitors.map((m) => (wk && m.stateSum ? m.stateSum.flush : m.record)).join('\n        ')}
      }${plan.monitors.some((m) => m.warm) ? ` else { observe(b); ${plan.monitors.map((m) => m.warm ?? '').join('\n')} }` : ''}
    }
    if (onProgress && (s - s0) % every === 0) onProgress(s - s0 + 1, n);
  }
}
function results() {
  return [${plan.monitors.map((m) => m.result).join(', ')}];
}
/** The variables of interest at the current state, with the coupling the next step will see. */
function observeNow(s, b) {
  if (!started) { for (let bb = 0; bb < B; bb++) coupling(s, bb); started = true; }
  observe(b);
  return obs;
}
/** Replace the current state (B × nsv × N × M) before step s: its coupling variables become the latest history entry. */
function setState(src, s) {
  ${wk?.pre ? "throw new Error('kernel: setState needs the JS kernel for this model (kernel: js)');" : ''}
  state.set(src);
  for (let b = 0; b < B; b++) writeHistory(s - 1, b);
  for (let b = 0; b < B; b++) coupling(s, b);
  started = true;
}
/** Start every monitor's output over (streaming: after each chunk was written). */
function rewind() {
  ${plan.monitors.map((m) => m.rewind ?? "throw new Error('monitor ' + " + JSON.stringify(m.name) + " + ' cannot stream');").join('\n  ')}
}
return { run, results, observeNow, setState, rewind, ${wk ? '/* a copy: the memory cannot be transferred */ get state() { return state.slice(); }' : 'state'} };`);
  // Every exp in generated code (models, couplings, stimuli) goes through the inlinable kernelExp.
  return { source: L.join('\n').split('Math.exp(').join('kexp('), wasm: wk ? wk.bytes : null };
}

/** A running program: `run(s0, n, record, stimStart, onProgress)` integrates steps s0 … s0+n−1. */
export interface KernelInstance {
  run: (s0: number, n: number, record: boolean, stimStart: number, onProgress?: (done: number, total: number) => void) => void;
  results: () => { time: Float64Array; data: Float64Array }[];
  /** The current state, B × nsv × N × M (the live array with the JS kernel, a copy with the WebAssembly one). */
  state: Float64Array;
  /** Variables of interest (nvoi × N × M) of batch element b at the current state, before step s. */
  observeNow: (s: number, b: number) => Float64Array;
  /** Replace the current state before step s. */
  setState: (state: Float64Array, s: number) => void;
  /** Start every monitor's output over (streaming: after each chunk was written). */
  rewind: () => void;
}

/** Instantiate a program in this thread. */
const programCache = new Map<string, Function>();

/**
 * Builds the program for one run. Factories are cached by source: every run of the same plan then
 * shares V8's optimised code for the step functions instead of re-warming the JIT, which matters for
 * repeated runs (explorations, FIC/EIB iterations, benchmarks).
 */
export function instantiate(source: string, ctx: Record<string, unknown>): KernelInstance {
  let f = programCache.get(source);
  if (!f) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    f = new Function('ctx', source);
    if (programCache.size >= 32) programCache.delete(programCache.keys().next().value as string);
    programCache.set(source, f);
  }
  return f(ctx);
}
