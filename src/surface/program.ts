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
import { type Expr, mapExpr, toJs, CONSTANTS } from '../expr/index.js';
import type { ModelSpec } from '../models/spec.js';
import type { ParsedModel } from '../models/check.js';
import { expandModes } from '../engine/kernel/modes.js';
import { paramRead, type ResolvedParam } from '../engine/params.js';
import type { CouplingSpec } from '../coupling/catalogue.js';
import { parseExpr } from '../expr/index.js';
import type { MonitorEmit } from '../monitors/index.js';

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
  hasLc: boolean;
  noise: boolean;
  stimulus?: { temporalJs: string; temporalDecl?: string; variables: number[] };
  monitors: MonitorEmit[];
  float32History: boolean;
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
    const left = JSON.stringify(out).includes('"local_coupling"');
    if (left) throw new Error(`model ${model}: ${where} uses local_coupling other than as 'local_coupling * expression'; a surface run needs it as a sparse product`);
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

  emit(`"use strict";
const P = ctx.P, B = ctx.B, N = ${N}, R = ${R}, M = ${M}, H = ${H};
const SS = ${nsv * N * M}, CS = ${ncv * R * M}, HS = ${H * ncv * R * M};
const state = ctx.state, hist = ctx.history;
const regmap = P.regmap, regCount = P.regCount;
const cplR = new Float64Array(B * CS);
const lcRowPtr = P.lcRowPtr, lcCol = P.lcCol, lcVal = P.lcVal;
const lcIn = new Float64Array(${Math.max(1, nLc) * N * M}), lcOut = new Float64Array(${Math.max(1, nLc) * N * M});
const kbuf = new Float64Array(${scheme === 'rk4' ? 4 : scheme === 'heun' ? 1 : 0} * SS), pbuf = new Float64Array(SS);
const obs = new Float64Array(${parsed.vois.length * N * M});
const regSum = new Float64Array(${ncv * R * M});
`);
  for (const [k, p] of Object.entries(plan.modelParams)) emit(`const mp_${k} = P.mp_${k};`);
  for (const [k, p] of Object.entries(plan.couplingParams)) emit(`const cp_${k} = P.cp_${k};`);
  const mpRead = (k: string, n: string) => paramRead(plan.modelParams[k].kind, `mp_${k}`, 'b', n, N);
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
  const rowOff = (r: number, m: number) => `${(r * R * M + m)}`;
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
  for (let r = 0; r < ncv; r++) for (let m = 0; m < M; m++) outs.push(`cplR[cb + (${r} * R + i) * M + ${m}] = ${toJs(cpost, csym({ gx: `acc_${shared ? 0 : r}_${m}` }))};`);
  emit(`const lnkPtr = P.lnkPtr, lnkSrc = P.lnkSrc, lnkDelay = P.lnkDelay, lnkW = P.lnkW;
/** Region coupling for step s from the history of steps < s. */
function coupling(s, b) {
  const hb = b * HS, cb = b * CS;
  const oi = hb + ((s - 1) % H) * CS;
  for (let i = 0; i < R; i++) {
    let ${accs.map((a) => `${a} = 0`).join(', ')};
    for (let k = lnkPtr[i]; k < lnkPtr[i + 1]; k++) {
      const o = hb + ((s - 1 - lnkDelay[k] + H) % H) * CS + lnkSrc[k] * M, w = lnkW[k];
      ${lines.join('\n      ')}
    }
    ${outs.join('\n    ')}
  }
}`);

  // ---------- history: region means of the coupling variables ----------
  emit(`function writeHistory(s, b) {
  const sb = b * SS, o = b * HS + (s % H) * CS;
  regSum.fill(0);
  ${cvar.map((sv, c) => `for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) regSum[(${c} * R + regmap[n]) * M + m] += state[sb + (${sv} * N + n) * M + m];`).join('\n  ')}
  for (let c = 0; c < ${ncv}; c++) for (let r = 0; r < R; r++) for (let m = 0; m < M; m++) {
    const q = (c * R + r) * M + m;
    hist[o + q] = ${plan.float32History ? 'Math.fround(regSum[q] / regCount[r])' : 'regSum[q] / regCount[r]'};
  }
}`);

  // ---------- model derivative over all nodes of one stage ----------
  const modelSym = (inp: (k: number, m: number) => string) => (full: string): string => {
    const at = full.lastIndexOf('@');
    const name = full.slice(0, at);
    const m = Number(full.slice(at + 1));
    if (svIdx.has(name)) return inp(svIdx.get(name)!, m);
    if (auxNames.has(name)) return `a_${name}_${m}`;
    if (plan.modelParams[name]) return mpRead(name, 'n');
    const cm = /^c_(\d+)$/.exec(name);
    if (cm) return `cplR[cb + (${cm[1]} * R + rn) * M + ${m}]`;
    const lm = /^__lc(\d+)$/.exec(name);
    if (lm) return `lcOut[${Number(lm[1]) * N * M} + n * M + ${m}]`;
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
  const src = (arr: string, base: string) => (k: number, m: number) => `${arr}[${base} + (${k} * N + n) * M + ${m}]`;
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
  // local-coupling inputs E_j evaluated at every node, then the sparse products
  const lcLines = (inp: (k: number, m: number) => string): string => {
    if (!nLc) return '';
    const sym = modelSym(inp);
    const ev: string[] = [];
    plan.lcTerms.forEach((e, j) => {
      for (let m = 0; m < M; m++) ev.push(`lcIn[${j * N * M} + n * M + ${m}] = ${toJs(expandModes(e, m, M, consts), sym)};`);
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
  const nz = (k: number, m: number) => (plan.noise ? ` + noiseGain[${k} * N + n] * noise[nb + (${k} * N + n) * M + ${m}]` : '');
  const each = (f: (k: number, m: number) => string) => {
    const r: string[] = [];
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) r.push(f(k, m));
    return r.join('\n      ');
  };
  const at = (k: number, m: number) => `(${k} * N + n) * M + ${m}`;
  const X = src('state', 'sb');
  const pass = (inp: (k: number, m: number) => string, body: string) => `${lcLines(inp)}
  for (let n = 0; n < N; n++) {
      const rn = regmap[n];
      ${dfunLines(inp).join('\n      ')}
      ${body}
  }`;
  let stepBody: string;
  const write = (f: (k: number, m: number) => string) => each((k, m) => `{ const v = ${f(k, m)}; state[sb + ${at(k, m)}] = v; chk += v; }`);
  if (scheme === 'euler') {
    stepBody = pass(X, write((k, m) => clamp(k, `${X(k, m)} + ${dt} * (d${k}_${m}${stim(k, false)})${nz(k, m)}`)));
  } else if (scheme === 'heun') {
    stepBody = `${pass(X, each((k, m) => `kbuf[${at(k, m)}] = d${k}_${m}; pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt} * (d${k}_${m}${stim(k, false)})${nz(k, m)}`)};`))}
  ${pass(src('pbuf', '0'), write((k, m) => clamp(k, `${X(k, m)} + (kbuf[${at(k, m)}] + d${k}_${m}) * ${dt / 2}${stim(k, true)}${nz(k, m)}`)))}`;
  } else {
    const K = (j: number, k: number, m: number) => `kbuf[${j} * SS + ${at(k, m)}]`;
    stepBody = `${pass(X, each((k, m) => `${K(0, k, m)} = d${k}_${m}; pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt / 2} * d${k}_${m}`)};`))}
  ${pass(src('pbuf', '0'), each((k, m) => `${K(1, k, m)} = d${k}_${m};`))}
  for (let n = 0; n < N; n++) { ${each((k, m) => `pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt / 2} * ${K(1, k, m)}`)};`)} }
  ${pass(src('pbuf', '0'), each((k, m) => `${K(2, k, m)} = d${k}_${m};`))}
  for (let n = 0; n < N; n++) { ${each((k, m) => `pbuf[${at(k, m)}] = ${clamp(k, `${X(k, m)} + ${dt} * ${K(2, k, m)}`)};`)} }
  ${pass(src('pbuf', '0'), write((k, m) => clamp(k, `${X(k, m)} + ${dt / 6} * (${K(0, k, m)} + 2 * ${K(1, k, m)} + 2 * ${K(2, k, m)} + d${k}_${m})${stim(k, true)}${nz(k, m)}`)))}`;
  }
  emit(`const noise = ${plan.noise ? 'new Float64Array(SS)' : 'null'};
const noiseGain = ${plan.noise ? 'P.noiseGain' : 'null'};
const stimW = ${plan.stimulus ? 'P.stimW' : 'null'};
let stimT = 0;
${plan.stimulus?.temporalDecl ?? ''}
function step(b) {
  const sb = b * SS, cb = b * CS, nb = 0;
  let chk = 0;
  ${stepBody}
  return chk;
}`);

  // ---------- observation ----------
  const voiLines: string[] = [];
  const svState = (k: number, m: number) => `state[sb + (${k} * N + n) * M + ${m}]`;
  parsed.vois.forEach((e, v) => {
    for (let m = 0; m < M; m++) voiLines.push(`obs[(${v} * N + n) * M + ${m}] = ${toJs(expandModes(e, m, M, consts), modelSym(svState))};`);
  });
  emit(`function observe(b) {
  const sb = b * SS;
  for (let n = 0; n < N; n++) { ${voiLines.join(' ')} }
}`);
  // monitors that sum state rows leave their accumulator to the program
  for (const mon of plan.monitors) if (mon.stateSum) emit(`const ${mon.stateSum.acc} = new Float64Array(B * ${mon.stateSum.rows.length * N * M});`);
  for (const mon of plan.monitors) emit(mon.decl);
  const needObs = plan.monitors.map((m) => m.needsObs).filter((x): x is string => x !== null);
  const obsCond = needObs.includes('true') ? 'true' : needObs.length ? needObs.map((c) => `(${c})`).join(' || ') : 'false';
  emit(`const rngs = [];
${plan.noise ? 'for (let b = 0; b < B; b++) rngs.push(new ctx.Rng(ctx.seeds[b]));' : ''}
const sqdt = Math.sqrt(${dt});
function diverged(s, b) {
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
let started = false;
function run(s0, n, record, stimStart, onProgress) {
  if (!started) { for (let b = 0; b < B; b++) coupling(s0, b); started = true; }
  const s1 = s0 + n;
  const every = Math.max(1, Math.floor(n / 100));
  for (let s = s0; s < s1; s++) {
    ${plan.stimulus ? `stimT = (t => ${plan.stimulus.temporalJs})((s - stimStart) * ${dt});` : ''}
    for (let b = 0; b < B; b++) {
      ${plan.noise ? 'rngs[b].fillStandardNormal(noise); for (let q = 0; q < SS; q++) noise[q] *= sqdt;' : ''}
      const chk = step(b);
      if (!Number.isFinite(chk)) diverged(s, b);
      writeHistory(s, b);
      coupling(s + 1, b);
      if (record) {
        const cb = b * CS, sb = b * SS, cpl = cplR;
        if (${obsCond}) observe(b);
        ${plan.monitors.map((m) => m.record).join('\n        ')}
      }${plan.monitors.some((m) => m.warm) ? ` else { const sb = b * SS; observe(b); ${plan.monitors.map((m) => m.warm ?? '').join('\n')} }` : ''}
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
