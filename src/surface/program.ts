/**
 * Generated float64 JavaScript for a cortical-surface run, with TVB's semantics (tvb/simulator/
 * simulator.py, history.py, datatypes/cortex.py; confirmed bit-for-bit by the re-run in
 * tools/make_tvb_surface_references.py):
 *
 * - a neural mass at every node (vertex, then any region the mapping leaves out);
 * - the delay history holds **region** means of the coupling variables: after each step, the state of
 *   every node is summed into its region and divided by the region's node count;
 * - the long-range coupling is computed per region from that history (any afferent coupling of the
 *   catalogue) and every node receives its region's value;
 * - local coupling enters the model where its equations say `local_coupling * E`: the term becomes
 *   the sparse product (strength · LC) · E evaluated over all nodes at the stage's own state, so the
 *   Heun predictor and every RK4 stage recompute it (TVB passes the sparse matrix into dfun);
 * - stimuli add spatial pattern × temporal(t) to the model's stimulated variables, as in region runs.
 *
 * The step is split into whole-surface passes per integrator stage, because each local-coupling
 * product needs every node's stage value before any node can take its derivative.
 */
import { type Expr, freeSymbols, mapExpr, toJs, CONSTANTS } from '../expr/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { ParsedModel } from '../models/check.js';
import { expandModes } from '../engine/kernel/modes.js';
import { DIVERGED_JS } from '../engine/kernel/program.js';
import { paramRead, type ResolvedParam } from '../engine/params.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import { parseExpr } from '../expr/index.js';
import type { MonitorEmit } from '../observation/kernel.js';

export interface SurfacePlan {
  /** Nodes (vertices + unmapped regions), regions, modes, batch size. */
  N: number;
  R: number;
  M: number;
  B: number;
  H: number;
  dt: number;
  spec: ModelSpec;
  parsed: ParsedModel;
  modelParams: Record<string, ResolvedParam>;
  coupling: CouplingSpec;
  couplingParams: Record<string, ResolvedParam>;
  scheme: 'euler' | 'heun' | 'rk4';
  boundaries: ([number, number] | null)[];
  /** Local-coupling terms found in the model: the expressions E of `local_coupling * E`. */
  lcTerms: Expr[];
  noise: boolean;
  stimulus?: { temporalJs: string; temporalDecl?: string; variables: number[] };
  monitors: MonitorEmit[];
  float32History: boolean;
  /**
   * Width of the ELL part of the local connectivity (0: plain CSR). When set, lcEllCol/lcEllVal hold
   * W entries per row and lcRowPtr/lcCol/lcVal only what does not fit.
   */
  ellWidth: number;
  /** Every row of the local connectivity has one weight (lcScale[n]); lcPad[n] padded entries. */
  ellRowScale: boolean;
  /** The WebAssembly step (./wasm.ts) the program calls instead of its own, when the plan is within its coverage. */
  wasm?: { layout: Record<string, number>; pages: number; sumStep: boolean } | null;
}

/**
 * Find every `local_coupling * E` (or `E * local_coupling`) in the model and name it `__lc<j>`.
 * Any other use of `local_coupling` cannot be a sparse product and is refused.
 */
export function extractLocalCoupling(parsed: ParsedModel, model: string): { parsed: ParsedModel; terms: Expr[] } {
  const terms: Expr[] = [];
  const keys: string[] = [];
  const name = (e: Expr) => {
    const key = JSON.stringify(e, (k, v) => (k === 'pos' ? undefined : v));
    let j = keys.indexOf(key);
    if (j < 0) { j = keys.length; keys.push(key); terms.push(e); }
    return { kind: 'sym' as const, name: `__lc${j}`, pos: e.pos };
  };
  const rewrite = (e: Expr, where: string): Expr => {
    const out = mapExpr(e, (x, rec) => {
      if (x.kind !== 'binary' || x.op !== '*') return undefined;
      if (x.left.kind === 'sym' && x.left.name === 'local_coupling') return name(rec(x.right));
      if (x.right.kind === 'sym' && x.right.name === 'local_coupling') return name(rec(x.left));
      return undefined;
    });
    if (freeSymbols(out).has('local_coupling')) throw new Error(`model ${model}: ${where} uses local_coupling other than as 'local_coupling * expression'; a surface run needs it as a sparse product`);
    return out;
  };
  return {
    parsed: {
      ...parsed,
      auxiliaries: parsed.auxiliaries.map(([n, e]) => [n, rewrite(e, `auxiliaries.${n}`)]),
      equations: parsed.equations.map(([n, e]) => [n, rewrite(e, `state_variables.${n}.equation`)]),
    },
    terms,
  };
}

/**
 * Statements reading the named closure arrays through local constants: V8 otherwise reloads closure
 * variables at every use inside the loops (measured: the surface step took twice as long).
 */
function localise(code: string, names: string[]): string {
  let body = code;
  for (const a of names) body = body.replace(new RegExp(`\\b${a}\\b`, 'g'), `L_${a}`);
  return `${names.map((a) => `const L_${a} = ${a};`).join(' ')}\n  ${body}`;
}

/** Program source; the program reads ctx.P (arrays), ctx.B, ctx.seeds, ctx.Rng, ctx.history, ctx.state. */
export function generateSurfaceProgram(plan: SurfacePlan): string {
  const { N, R, M, H, dt, spec, parsed, scheme } = plan;
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const svIdx = new Map(svs.map((n, i) => [n, i]));
  const cvar = spec.cvar.map((n) => svIdx.get(n)!);
  const ncv = cvar.length;
  const consts = spec.constants ?? {};
  const auxNames = new Set(parsed.auxiliaries.map(([n]) => n));
  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  const nLc = plan.lcTerms.length;
  // Index arithmetic with the sizes as literals (V8 does not fold the program's consts): offset of
  // (row k, node expression, mode m) in a (rows, nodes, M) array, plus an optional base.
  const ix = (base: string, k: number, n: string, m: number, nodes = N) => {
    const c = k * nodes * M + m;
    const parts = [base !== '0' && base !== '' ? base : '', c ? String(c) : '', M === 1 ? n : `${n} * ${M}`].filter(Boolean);
    return parts.join(' + ');
  };

  emit(`"use strict";
const P = ctx.P, B = ctx.B, N = ${N}, R = ${R}, M = ${M}, H = ${H};
const SS = ${nsv * N * M}, CS = ${ncv * R * M}, HS = ${H * ncv * R * M};
const regmap = P.regmap, regCount = P.regCount;
const lcRowPtr = P.lcRowPtr, lcCol = P.lcCol, lcVal = P.lcVal, lcEllCol = P.lcEllCol, lcEllVal = P.lcEllVal, lcScale = P.lcScale, lcPad = P.lcPad;
const lcIn = new Float64Array(${Math.max(1, nLc) * N * M}), lcOut = new Float64Array(${Math.max(1, nLc) * N * M});
const obs = new Float64Array(${parsed.vois.length * N * M});
`);
  if (plan.wasm) {
    // the arrays the module's step reads and writes are views on its memory (./wasm.ts), at the
    // addresses its code was generated for; its data arrays are P.w_<name>
    emit(`const WOFF = ${JSON.stringify(plan.wasm.layout)};
const wmem = new WebAssembly.Memory({ initial: ${plan.wasm.pages} });
for (const x in WOFF) { const src = P['w_' + x]; if (src) new src.constructor(wmem.buffer, WOFF[x], src.length).set(src); }
const WX = new WebAssembly.Instance(ctx.wasmModule || new WebAssembly.Module(P.wasm), { env: { mem: wmem } }).exports;
const wview = (x, n) => new Float64Array(wmem.buffer, WOFF[x], n);
const state = wview('state', B * SS); state.set(ctx.state);
const cplR = wview('cplR', B * CS), kbuf = wview('kbuf', ${scheme === 'rk4' ? 3 : 1} * SS), pbuf = wview('pbuf', SS), regSum = wview('regSum', ${ncv * R});`);
  } else {
    emit(`const state = ctx.state;
const cplR = new Float64Array(B * CS);
const kbuf = new Float64Array(${scheme === 'rk4' ? 4 : scheme === 'heun' ? 1 : 0} * SS), pbuf = new Float64Array(SS);
const regSum = new Float64Array(${ncv * R * M});`);
  }
  for (const [k, p] of Object.entries(plan.modelParams)) emit(`const mp_${k} = P.mp_${k};`);
  for (const [k, p] of Object.entries(plan.couplingParams)) emit(`const cp_${k} = P.cp_${k};`);
  // a parameter that is one value for the whole run is a literal in the code (no loads in the loops)
  const lit = (x: number) => (Object.is(x, -0) || x < 0 ? `(${x})` : String(x));
  const mpRead = (k: string, n: string) => (plan.modelParams[k].kind === 'scalar' ? lit(plan.modelParams[k].data[0]) : paramRead(plan.modelParams[k].kind, `mp_${k}`, 'b', n, N));
  const cpRead = (k: string, i: string) => paramRead(plan.couplingParams[k].kind, `cp_${k}`, 'b', i, R);

  // ---------- region coupling from the region history ----------
  const cpre = parseExpr(plan.coupling.pre, { field: `coupling ${plan.coupling.name}.pre` });
  const cpost = parseExpr(plan.coupling.post, { field: `coupling ${plan.coupling.name}.post` });
  const shared = plan.coupling.rows === 'shared';
  const csym = (env: Record<string, string>) => (name: string) => {
    if (name in env) return env[name];
    if (plan.couplingParams[name]) return cpRead(name, 'i');
    if (name in CONSTANTS) return String(CONSTANTS[name]);
    throw new Error(`coupling ${plan.coupling.name}: unknown name '${name}'`);
  };
  const rowOff = (r: number, m: number) => `${(r * R * M + m) * 2 * H}`;
  const lines: string[] = [];
  const accs: string[] = [];
  for (const r of shared ? [0] : Array.from({ length: ncv }, (_, k) => k)) {
    for (let m = 0; m < M; m++) {
      const env: Record<string, string> = {};
      for (let q = 0; q < ncv; q++) { env[`x_j_${q}`] = `hist[o + ${rowOff(q, m)}]`; env[`x_i_${q}`] = `hist[oi + ${rowOff(q, m)}]`; }
      env.x_j = `hist[o + ${rowOff(r, m)}]`;
      env.x_i = `hist[oi + ${rowOff(r, m)}]`;
      accs.push(`acc_${r}_${m}`);
      lines.push(`acc_${r}_${m} += w * ${toJs(cpre, csym(env))};`);
    }
  }
  const outs: string[] = [];
  for (let r = 0; r < ncv; r++) for (let m = 0; m < M; m++) outs.push(`cplR[${ix('cb', r, 'i', m, R)}] = ${toJs(cpost, csym({ gx: `acc_${shared ? 0 : r}_${m}` }))};`);
  emit(`const lnkPtr = P.lnkPtr, lnkW = P.lnkW;
// The region history as a ring per (variable, region, mode) row, every slot stored twice (slot and
// slot + H): a link reads its delayed value at a fixed offset from the current slot, without a
// modulo, and consecutive steps read consecutive values of the same row (one cache line per 8 steps
// and link instead of one per step in a (H, variables, regions) layout).
const H2 = 2 * H, RS = ${ncv * R * M} * H2;
const hist = new Float64Array(B * RS);
{
  const h0 = ctx.history;
  for (let b = 0; b < B; b++) for (let k = 0; k < H; k++) for (let q = 0; q < CS; q++) {
    const v = h0[b * HS + k * CS + q];
    hist[b * RS + q * H2 + k] = v; hist[b * RS + q * H2 + k + H] = v;
  }
}
/** Link k's source row and delay: ring offset src·M·2H + H − d (plus the current slot t). */
const lnkOff = Int32Array.from(P.lnkSrc, (j, k) => j * M * H2 + H - P.lnkDelay[k]);
/** Region coupling for step s from the history of steps < s. */
function coupling(s, b) {
  const hb = b * RS, cb = b * CS;
  const t = ((s - 1) % H + H) % H;
  const ht = hb + t;
  for (let i = 0; i < R; i++) {
    const oi = ht + i * M * H2;
    let ${accs.map((a) => `${a} = 0`).join(', ')};
    for (let k = lnkPtr[i], k1 = lnkPtr[i + 1]; k < k1; k++) {
      const o = ht + lnkOff[k], w = lnkW[k];
      ${lines.join('\n      ')}
    }
    ${outs.join('\n    ')}
  }
}`);

  // ---------- history: region means of the coupling variables ----------
  emit(`function writeHistory(s, b) {
  const o = b * RS + (s % H);
  // regSum was filled by the step's last pass, in node order (TVB: add.at, then / bincount)
  for (let c = 0; c < ${ncv}; c++) for (let r = 0; r < R; r++) for (let m = 0; m < M; m++) {
    const q = (c * R + r) * M + m;
    const v = ${plan.float32History ? 'Math.fround(regSum[q] / regCount[r])' : 'regSum[q] / regCount[r]'};
    hist[o + q * H2] = v; hist[o + q * H2 + H] = v;
  }
  regSum.fill(0);
}`);

  // ---------- model derivative over all nodes of one stage ----------
  const fusedLc = nLc > 0 && plan.lcTerms.every((e) => e.kind === 'sym' && svIdx.has(e.name));
  const modelSym = (inp: (k: number, m: number) => string) => (full: string): string => {
    const at = full.lastIndexOf('@');
    const name = full.slice(0, at);
    const m = Number(full.slice(at + 1));
    if (svIdx.has(name)) return inp(svIdx.get(name)!, m);
    if (auxNames.has(name)) return `a_${name}_${m}`;
    if (plan.modelParams[name]) return mpRead(name, 'n');
    const cm = /^c_(\d+)$/.exec(name);
    if (cm) return `cplR[${ix('cb', Number(cm[1]), 'rn', m, R)}]`;
    const lm = /^__lc(\d+)$/.exec(name);
    if (lm) return fusedLc ? `lc${lm[1]}_${m}` : `lcOut[${ix('0', Number(lm[1]), 'n', m)}]`;
    if (name === 'local_coupling') return '0';
    if (name in consts) {
      const c = consts[name];
      if (typeof c === 'number') return String(c);
      if (Array.isArray(c) && typeof c[0] === 'number') return `(${(c as number[])[m]})`;
      throw new Error(`model ${spec.name}: constant '${name}' is a matrix; use it through mdot(${name}, x)`);
    }
    if (name in CONSTANTS) return String(CONSTANTS[name]);
    throw new Error(`model ${spec.name}: unknown name '${name}'`);
  };
  const clamp = (k: number, v: string) => {
    const bd = plan.boundaries[k];
    if (!bd) return v;
    const [lo, hi] = bd;
    if (lo > -Infinity && hi < Infinity) return `Math.min(Math.max(${v}, ${lo}), ${hi})`;
    if (lo > -Infinity) return `Math.max(${v}, ${lo})`;
    if (hi < Infinity) return `Math.min(${v}, ${hi})`;
    return v;
  };
  const src = (arr: string, base: string) => (k: number, m: number) => `${arr}[${ix(base, k, 'n', m)}]`;
  // every stage reads its inputs once per node into locals: stores to other arrays in the loop
  // would otherwise force V8 to reload them at every use
  const loc = (k: number, m: number) => `i${k}_${m}`;
  const loads = (inp: (k: number, m: number) => string) => {
    const r: string[] = [];
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) r.push(`const ${loc(k, m)} = ${inp(k, m)};`);
    return r.join(' ');
  };
  /** Statements computing d<k>_<m> for node n from the given input. */
  const dfunLines = (inp: (k: number, m: number) => string): string[] => {
    const out: string[] = [];
    const sym = modelSym(inp);
    for (const [name, e] of parsed.auxiliaries) for (let m = 0; m < M; m++) out.push(`const a_${name}_${m} = ${toJs(expandModes(e, m, M, consts), sym)};`);
    parsed.equations.forEach(([, e], k) => {
      for (let m = 0; m < M; m++) out.push(`const d${k}_${m} = ${toJs(expandModes(e, m, M, consts), sym)};`);
    });
    return out;
  };
  // A term E that is a plain state variable is multiplied straight from the stage's input inside the
  // node loop (one pass over the surface instead of three); other terms are evaluated at every node
  // first and then multiplied.
  const plainSv = (e: Expr) => (e.kind === 'sym' && svIdx.has(e.name) ? svIdx.get(e.name)! : -1);
  const fused = nLc > 0 && plan.lcTerms.every((e) => plainSv(e) >= 0);
  const fusedLines = (inpArr: string, inpBase: string): string => {
    if (!fused) return '';
    const out: string[] = [`const e = n * ${plan.ellWidth};`];
    plan.lcTerms.forEach((e, j) => {
      const k = plainSv(e);
      for (let m = 0; m < M; m++) {
        // ELL part: W products without a loop (rows padded with zero weights), then the few
        // longer rows' remainder: no data-dependent branch for most vertices
        const x = (col: string) => `${inpArr}[${ix(inpBase, k, col, m)}]`;
        if (plan.ellRowScale) {
          // one weight per row (TVB's neighbour average): scale the plain sum; padded entries point
          // at the vertex itself and are taken off again
          const terms = Array.from({ length: plan.ellWidth }, (_, w) => x(`lcEllCol[e + ${w}]`));
          out.push(`let lc${j}_${m} = ${terms.join(' + ')} - lcPad[n] * ${x('n')}; for (let q = lcRowPtr[n], q1 = lcRowPtr[n + 1]; q < q1; q++) lc${j}_${m} += ${x('lcCol[q]')}; lc${j}_${m} *= lcScale[n];`);
        } else {
          const terms = Array.from({ length: plan.ellWidth }, (_, w) => `lcEllVal[e + ${w}] * ${x(`lcEllCol[e + ${w}]`)}`);
          out.push(`let lc${j}_${m} = ${terms.join(' + ') || '0'}; for (let q = lcRowPtr[n], q1 = lcRowPtr[n + 1]; q < q1; q++) lc${j}_${m} += lcVal[q] * ${x('lcCol[q]')};`);
        }
      }
    });
    return out.join('\n      ');
  };
  // local-coupling inputs E_j evaluated at every node, then the sparse products
  const lcLines = (inp: (k: number, m: number) => string): string => {
    if (!nLc || fused) return '';
    const sym = modelSym(inp);
    const ev: string[] = [];
    plan.lcTerms.forEach((e, j) => {
      for (let m = 0; m < M; m++) ev.push(`lcIn[${ix('0', j, 'n', m)}] = ${toJs(expandModes(e, m, M, consts), sym)};`);
    });
    return `for (let n = 0; n < N; n++) { ${ev.join(' ')} }
  for (let j = 0; j < ${nLc}; j++) for (let m = 0; m < M; m++) {
    const base = j * N * M + m;
    for (let v = 0; v < N; v++) {
      let acc = 0;
      for (let q = lcRowPtr[v]; q < lcRowPtr[v + 1]; q++) acc += lcVal[q] * lcIn[base + lcCol[q] * M];
      lcOut[base + v * M] = acc;
    }
  }`;
  };
  const stimulated = new Set(plan.stimulus?.variables ?? []);
  const stim = (k: number, scaled: boolean) => (stimulated.has(k) ? (scaled ? ` + ${dt} * stimT * stimW[n]` : ' + stimT * stimW[n]') : '');
  const nz = (k: number, m: number) => (plan.noise ? ` + noiseGain[${k ? `${k * N} + n` : 'n'}] * noise[${ix('0', k, 'n', m)}]` : '');
  const each = (f: (k: number, m: number) => string) => {
    const r: string[] = [];
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) r.push(f(k, m));
    return r.join('\n      ');
  };
  const at = (k: number, m: number) => ix('0', k, 'n', m);
  const X = src('state', 'sb');
  const pass = (inp: (k: number, m: number) => string, arr: [string, string], body: string) => `${lcLines(inp)}
  for (let n = 0; n < N; n++) {
      const rn = regmap[n];
      ${loads(inp)}
      ${fusedLines(arr[0], arr[1])}
      ${dfunLines(loc).join('\n      ')}
      ${body}
  }`;
  let stepBody: string;
  // the new value of a coupling variable also goes into its region's sum (the history write then
  // only divides): one pass over the surface less per step
  const toRegion = (k: number, m: number) => (cvar.includes(k) ? ` regSum[${cvar.indexOf(k) * R * M + m}${M === 1 ? ' + rn' : ` + rn * ${M}`}] += v;` : '');
  // TemporalAverage of plain state variables: the new values are summed here on recorded steps
  // (the monitor then only flushes), another pass over the surface less
  const sums = plan.monitors.filter((mo) => mo.stateSum).map((mo) => mo.stateSum!);
  const toMonitors = (k: number, m: number) => sums.map((x) => x.rows.map((row, j) => (row === k ? ` if (rec) ${x.acc}[b * ${x.rows.length * N * M} + ${ix('0', j, 'n', m)}] += v;` : '')).join('')).join('');
  const write = (f: (k: number, m: number) => string) => each((k, m) => `{ const v = ${f(k, m)}; state[sb + ${at(k, m)}] = v; chk += v;${toRegion(k, m)}${toMonitors(k, m)} }`);
  if (scheme === 'euler') {
    // the new state goes to pbuf first: the fused local-coupling sums of later nodes read the old one
    stepBody = `${pass(X, ['state', 'sb'], each((k, m) => `{ const v = ${clamp(k, `${X(k, m)} + ${dt} * (d${k}_${m}${stim(k, false)})${nz(k, m)}`)}; pbuf[${at(k, m)}] = v; chk += v;${toRegion(k, m)}${toMonitors(k, m)} }`))}
  state.set(pbuf, sb);`;
  } else if (scheme === 'heun') {
    stepBody = `${pass(X, ['state', 'sb'], each((k, m) => `kbuf[${at(k, m)}] = d${k}_${m}; pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt} * (d${k}_${m}${stim(k, false)})${nz(k, m)}`)};`))}
  ${pass(src('pbuf', '0'), ['pbuf', '0'], write((k, m) => clamp(k, `${X(k, m)} + (kbuf[${at(k, m)}] + d${k}_${m}) * ${dt / 2}${stim(k, true)}${nz(k, m)}`)))}`;
  } else {
    const K = (j: number, k: number, m: number) => `kbuf[${j} * SS + ${at(k, m)}]`;
    stepBody = `${pass(X, ['state', 'sb'], each((k, m) => `${K(0, k, m)} = d${k}_${m}; pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt / 2} * d${k}_${m}`)};`))}
  ${pass(src('pbuf', '0'), ['pbuf', '0'], each((k, m) => `${K(1, k, m)} = d${k}_${m};`))}
  for (let n = 0; n < N; n++) { ${each((k, m) => `pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt / 2} * ${K(1, k, m)}`)};`)} }
  ${pass(src('pbuf', '0'), ['pbuf', '0'], each((k, m) => `${K(2, k, m)} = d${k}_${m};`))}
  for (let n = 0; n < N; n++) { ${each((k, m) => `pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt} * ${K(2, k, m)}`)};`)} }
  ${pass(src('pbuf', '0'), ['pbuf', '0'], write((k, m) => clamp(k, `${X(k, m)} + ${dt / 6} * (${K(0, k, m)} + 2 * ${K(1, k, m)} + 2 * ${K(2, k, m)} + d${k}_${m})${stim(k, true)}${nz(k, m)}`)))}`;
  }
  const arrays = [...sums.map((x) => x.acc), 'state', 'regSum', 'pbuf', 'kbuf', 'lcEllVal', 'lcEllCol', 'lcScale', 'lcPad', 'lcRowPtr', 'lcCol', 'lcVal', 'lcIn', 'lcOut', 'regmap', 'cplR', 'noise', 'noiseGain', 'stimW'];
  stepBody = localise(stepBody, arrays);
  if (plan.wasm) {
    const call = (f: string) => (scheme === 'euler' ? `{ const c = WX.${f}(b, stimT); state.set(pbuf, b * SS); return c; }` : `return WX.${f}(b, stimT);`);
    stepBody = plan.wasm.sumStep ? `if (rec) ${call('stepSum')}\n  ${call('step')}` : call('step');
  }
  emit(`const noise = ${plan.noise ? (plan.wasm ? "wview('noise', SS)" : 'new Float64Array(SS)') : 'null'};
const noiseGain = ${plan.noise ? 'P.noiseGain' : 'null'};
const stimW = ${plan.stimulus ? 'P.stimW' : 'null'};
let stimT = 0;
${plan.stimulus?.temporalDecl ?? ''}
function step(b, rec) {
  const sb = b * SS, cb = b * CS, nb = 0;
  let chk = 0;
  ${stepBody}
  return chk;
}`);

  // ---------- observation ----------
  const voiLines: string[] = [];
  const svState = (k: number, m: number) => `state[${ix('sb', k, 'n', m)}]`;
  parsed.vois.forEach((e, v) => {
    for (let m = 0; m < M; m++) voiLines.push(`obs[${ix('0', v, 'n', m)}] = ${toJs(expandModes(e, m, M, consts), modelSym(svState))};`);
  });
  emit(`function observe(b) {
  const sb = b * SS;
  for (let n = 0; n < N; n++) { ${voiLines.join(' ')} }
}`);
  // monitors that sum state rows leave their accumulator to the program
  for (const mon of plan.monitors) if (mon.stateSum) emit(`const ${mon.stateSum.acc} = ${plan.wasm ? `wview('${mon.stateSum.acc}', ` : 'new Float64Array('}B * ${mon.stateSum.rows.length * N * M});`);
  for (const mon of plan.monitors) emit(mon.decl);
  const needObs = plan.monitors.map((m) => m.needsObs).filter((x): x is string => x !== null);
  const obsCond = needObs.includes('true') ? 'true' : needObs.length ? needObs.map((c) => `(${c})`).join(' || ') : 'false';
  emit(`const rngs = [];
${plan.noise ? 'for (let b = 0; b < B; b++) rngs.push(new ctx.Rng(ctx.seeds[b]));' : ''}
const sqdt = Math.sqrt(${dt});
${DIVERGED_JS}
${(() => {
    const rec = plan.monitors.map((m) => (m.stateSum ? m.stateSum.flush : m.record)).join('\n  ');
    const names = ['state', 'obs', ...new Set(rec.match(/\bmon\d+_\w+\b/g) ?? [])];
    return `function recordMonitors(s, b) {
  const cb = b * CS, sb = b * SS, cpl = cplR;
  if (${obsCond}) observe(b);
  ${localise(rec, names)}
}`;
  })()}
let started = false;
function run(s0, n, record, stimStart, onProgress) {
  if (!started) { for (let b = 0; b < B; b++) coupling(s0, b); started = true; }
  const s1 = s0 + n;
  const every = Math.max(1, Math.floor(n / 100));
  for (let s = s0; s < s1; s++) {
    ${plan.stimulus ? `stimT = (t => ${plan.stimulus.temporalJs})((s - stimStart) * ${dt});` : ''}
    for (let b = 0; b < B; b++) {
      ${plan.noise ? 'rngs[b].fillStandardNormal(noise); for (let q = 0; q < SS; q++) noise[q] *= sqdt;' : ''}
      const chk = step(b, record);
      if (!Number.isFinite(chk)) diverged(s, b);
      writeHistory(s, b);
      coupling(s + 1, b);
      if (record) recordMonitors(s, b);${plan.monitors.some((m) => m.warm) ? ` else { const sb = b * SS; observe(b); ${plan.monitors.map((m) => m.warm ?? '').join('\n')} }` : ''}
    }
    if (onProgress && (s - s0) % every === 0) onProgress(s - s0 + 1, n);
  }
}
function results() {
  return [${plan.monitors.map((m) => m.result).join(', ')}];
}
return { run, results, state };`);
  return L.join('\n');
}
