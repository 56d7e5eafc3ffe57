/**
 * The adjoint program: generated JS for one planned step (integrator stages of the model over all
 * nodes), the delayed coupling gather and the observation, each forward and in reverse mode. The
 * expressions are the model's and coupling's ASTs (mode-expanded as in the kernel program), written
 * as straight-line programs (./slp.ts), so forward and reverse share one source of truth.
 *
 * Arrays (all float64, batch lanes b inside each per-step array):
 *   X / XB   state window and its cotangent: slot t holds B×SS values (step w0 + t)
 *   C / CB   coupling of each step in the segment (B×CS per step) and its cotangent (B×CS)
 *   NZ       the step's noise draws ξ·√dt (B×SS per step)
 *   O / OB   observation (variables of interest) of one step and its cotangent (B×NV)
 *   PB_*     model-parameter cotangents per (b, node); PC_* coupling parameters per (b, target)
 *   WB       weight cotangents (N×N, summed over lanes); SB[0] the speed's
 */
import { type Expr, parseExpr, substitute, CONSTANTS, freeSymbols } from '../../expr/index.js';
import { add, mul, neg } from '../../expr/symbolic.js';
import { KERNEL_EXP_JS } from '../kernel/program.js';
import { ERFC_JS, MOD_JS, FACTORIAL_JS, GAMMA_JS } from '../../expr/functions.js';
import { paramRead, type ResolvedParam } from '../params.js';
import { type Assign, forwardJs, reverseJs } from '../../expr/slp.js';
import { bin, call, modelProgram, num, sym, unsquare } from './model-program.js';
import type { KernelPlan } from './source.js';


/** What the program differentiates: model and coupling parameters by name, weights, speed. */
export interface GradTargets {
  model: Set<string>;
  coupling: Set<string>;
  /** Per-edge parameters of a projection model (N×N gradients). */
  edge: Set<string>;
  weights: boolean;
  speed: boolean;
}

export interface LinkLayout {
  /**
   * 'afferent': row r of target i sums pre(x_j) over sources; 'projections': input r sums projection
   * r's term over the same links, weighted by W∘e_r; PreSigmoidal's TVB gathering otherwise.
   */
  kind: 'afferent' | 'projections' | 'presig-static' | 'presig-dynamic';
  linear: boolean;
  /**
   * No delays: a projection's per-edge gradient Σ_s bgx(s, i)·x_j(s − 1)·W_ij is left to one blocked
   * product per segment (run.ts) over the cotangents of its weighted sums, kept per step in BGX.
   */
  blockEdges?: boolean;
  /**
   * The plain weighted sums and their scatters run in WebAssembly (links-wasm.ts, ctx.LW): X, XB,
   * WB and the link arrays are then views of its memory.
   */
  wasm?: boolean;
}

export interface AdjointProgram {
  source: string;
  nvoi: number;
  SS: number;
  CS: number;
  cvar: number[];
  /** Weighted sums the forward keeps per step and lane (row groups × modes × nodes). */
  NG: number;
  /**
   * Per-edge gradients left to run.ts as blocked products (layout.blockEdges): group r's cotangents
   * (BGX) against the source state row `row` one step earlier, times W, into edge parameter `edge`.
   */
  edgeBlocks: { group: number; edge: string; row: number }[];
}

/** square(x) has no derivative rule; it is x·x. */
export function generateAdjoint(plan: KernelPlan, layout: LinkLayout, grads: GradTargets): AdjointProgram {
  const { N, M, dt, spec, parsed } = plan;
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const svIdx = new Map(svs.map((n, i) => [n, i]));
  const cvar = spec.cvar.map((n) => svIdx.get(n)!);
  const ncv = cvar.length;
  const proj = layout.kind === 'projections' ? plan.projections : undefined;
  if (layout.kind === 'projections' && !proj) throw new Error('adjoint: projection layout for a model without projections');
  /** Coupling inputs c_k: one per projection, else one per coupling variable. */
  const nIn = proj ? proj.length : ncv;
  const SS = nsv * N * M, CS = nIn * N * M, nvoi = parsed.vois.length, NV = nvoi * N * M;
  const consts = spec.constants ?? {};
  const L: string[] = [];
  const emit = (s: string) => L.push(s);

  // ---------- model symbols → program identifiers ----------
  const { modelExpr, stage, clamp } = modelProgram(plan);
  const D = (st: string, k: number, m: number) => sym(`${st}_d${k}_${m}`);
  const X = (k: number, m: number) => `x${k}_${m}`;
  const stimulated = new Set(plan.stimulus?.variables ?? []);
  const withStim = (k: number, d: Expr): Expr => (stimulated.has(k) ? bin('+', d, sym('stim_n')) : d);
  const plusStimDt = (k: number, v: Expr): Expr => (stimulated.has(k) ? bin('+', v, bin('*', num(dt), sym('stim_n'))) : v);
  const plusNz = (k: number, m: number, v: Expr): Expr => (plan.noise ? bin('+', v, sym(`nz${k}_${m}`)) : v);
  const each = (f: (k: number, m: number) => Assign): Assign[] => {
    const r: Assign[] = [];
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) r.push(f(k, m));
    return r;
  };

  // ---------- one step of one node as a straight-line program ----------
  const prog: Assign[] = [];
  if (plan.noise) {
    const nzp = plan.noise;
    prog.push(...each((k, m) => {
      const g: Expr = nzp.kind === 'multiplicative' ? bin('*', sym(`g${k}`), bin('+', bin('*', num(nzp.multA ?? 1), sym(X(k, m))), num(nzp.multB ?? 0))) : sym(`g${k}`);
      return { name: `nz${k}_${m}`, expr: bin('*', g, sym(`xi${k}_${m}`)) };
    }));
  }
  const Y = (k: number, m: number) => `y${k}_${m}`;
  if (plan.scheme === 'euler') {
    prog.push(...stage('e1', X));
    prog.push(...each((k, m) => ({ name: Y(k, m), expr: clamp(k, plusNz(k, m, bin('+', sym(X(k, m)), bin('*', num(dt), withStim(k, D('e1', k, m)))))) })));
  } else if (plan.scheme === 'heun') {
    prog.push(...stage('h1', X));
    const Pn = (k: number, m: number) => `p${k}_${m}`;
    prog.push(...each((k, m) => ({ name: Pn(k, m), expr: clamp(k, plusNz(k, m, bin('+', sym(X(k, m)), bin('*', num(dt), withStim(k, D('h1', k, m)))))) })));
    prog.push(...stage('h2', Pn));
    prog.push(...each((k, m) => ({ name: Y(k, m), expr: clamp(k, plusNz(k, m, plusStimDt(k, bin('+', sym(X(k, m)), bin('*', bin('+', D('h1', k, m), D('h2', k, m)), num(dt / 2)))))) })));
  } else {
    const I = (j: number) => (k: number, m: number) => `i${j}_${k}_${m}`;
    prog.push(...stage('r1', X));
    prog.push(...each((k, m) => ({ name: I(1)(k, m), expr: clamp(k, bin('+', sym(X(k, m)), bin('*', num(dt / 2), D('r1', k, m)))) })));
    prog.push(...stage('r2', I(1)));
    prog.push(...each((k, m) => ({ name: I(2)(k, m), expr: clamp(k, bin('+', sym(X(k, m)), bin('*', num(dt / 2), D('r2', k, m)))) })));
    prog.push(...stage('r3', I(2)));
    prog.push(...each((k, m) => ({ name: I(3)(k, m), expr: clamp(k, bin('+', sym(X(k, m)), bin('*', num(dt), D('r3', k, m)))) })));
    prog.push(...stage('r4', I(3)));
    prog.push(...each((k, m) => {
      const sum = bin('+', bin('+', bin('+', D('r1', k, m), bin('*', num(2), D('r2', k, m))), bin('*', num(2), D('r3', k, m))), D('r4', k, m));
      return { name: Y(k, m), expr: clamp(k, plusNz(k, m, plusStimDt(k, bin('+', sym(X(k, m)), bin('*', num(dt / 6), sum))))) };
    }));
  }

  // which model parameters carry a gradient: the targets and the derived parameters built from them
  const activeModel = new Set(grads.model);
  for (const [name, e] of parsed.derived) if ([...freeSymbols(e)].some((s) => activeModel.has(s))) activeModel.add(name);
  const mps = Object.entries(plan.modelParams);
  const cps = Object.entries(plan.couplingParams);

  emit('"use strict";');
  emit(KERNEL_EXP_JS);
  emit(`const N = ${N}, M = ${M}, B = ctx.B, SS = ${SS}, CS = ${CS}, NV = ${NV}, BSS = B * SS;
let XBO = 0; // the cotangent window XB holds X's slots from XBO / BSS on (see run.ts): every XB read is shifted by it
const P = ctx.P, X = ctx.X, XB = ctx.XB, XBv = ctx.XB, C = ctx.C, CB = ctx.CB, NZ = ctx.NZ, O = ctx.O, OB = ctx.OB, WB = ctx.WB, SB = ctx.SB;
const noiseGain = P.noiseGain, stimW = P.stimW;
const GX = ctx.GX, NG = ctx.NG, BGX = ctx.BGX;
${layout.wasm ? 'const LW = ctx.LW, lwDot4 = LW.dot4, lwScatter4 = LW.scatter4, lwScatterW = LW.scatterW, lwDotLin = LW.dotLin, lwScatterLin = LW.scatterLin;' : ''}
const lnkWp = ctx.links.wp, lnkE = ctx.links.e, NLK = ctx.links.rel.length;
${[...grads.edge].map((n) => `const EB_${n} = ctx.EB.${n};`).join('\n')}
const rowPtr = ctx.links.rowPtr, rowNz = ctx.links.nzEnd, lnkRel = ctx.links.rel, selfRel = ctx.links.selfRel, lnkW = ctx.links.w, lnkWi = ctx.links.wi, lnkZero = ctx.links.zero, lnkFrac = ctx.links.frac, lnkDfds = ctx.links.dfds, selfZero = ctx.links.selfZero;
${mps.map(([n]) => `const MP_${n} = P.mp_${n};`).join('\n')}
${cps.map(([n]) => `const CP_${n} = P.cp_${n};`).join('\n')}
${[...activeModel].map((n) => `const PB_${n} = ctx.PB.${n};`).join('\n')}
${[...grads.coupling].map((n) => `const PC_${n} = ctx.PC.${n};`).join('\n')}
${plan.stimulus?.temporalDecl ?? ''}
function stimAt(t) { return ${plan.stimulus?.temporalJs ?? '0'}; }`);
  const hoist = (params: [string, ResolvedParam][], pre: string, local: string, n: string) =>
    params.map(([name, p]) => `const ${local}${name} = ${paramRead(p.kind, `${pre}${name}`, 'b', n, N)};`).join(' ');
  const read = (name: string) => name;

  // node-local reads shared by the step and its reverse
  const nodeReads: string[] = [];
  for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) nodeReads.push(`const ${X(k, m)} = X[xs + (${k} * N + n) * M + ${m}];`);
  for (let r = 0; r < nIn; r++) for (let m = 0; m < M; m++) nodeReads.push(`const c${r}_${m} = C[cs + (${r} * N + n) * M + ${m}];`);
  if (plan.stimulus) nodeReads.push('const stim_n = stimT * stimW[n];');
  if (plan.noise) {
    for (let k = 0; k < nsv; k++) nodeReads.push(`const g${k} = noiseGain[${k} * N + n];`);
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) nodeReads.push(`const xi${k}_${m} = NZ[zs + (${k} * N + n) * M + ${m}];`);
  }
  const fwd = forwardJs(prog, read);
  emit(`/** x_s from x_{s-1} (slot xi), c_s and the noise; returns the sum of the new state. */
function step(b, xi, xo, zi, stimT) {
  const xs = xi + b * SS, ys = xo + b * SS, cs = b * CS, zs = zi + b * SS;
  let chk = 0;
  for (let n = 0; n < N; n++) {
    ${hoist(mps, 'MP_', 'mp_', 'n')}
    ${nodeReads.join(' ')}
    ${fwd.join('\n    ')}
    ${Array.from({ length: nsv * M }, (_, q) => { const k = Math.floor(q / M), m = q % M; return `X[ys + (${k} * N + n) * M + ${m}] = ${Y(k, m)}; chk += ${Y(k, m)};`; }).join(' ')}
  }
  return chk;
}`);
  const seeds = new Map<string, string>();
  for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) seeds.set(Y(k, m), `XB[ys + (${k} * N + n) * M + ${m}]`);
  const cBars: string[] = [];
  const rev = reverseJs(prog, {
    seeds,
    read,
    inputBar: (name) => {
      let mt = /^x(\d+)_(\d+)$/.exec(name);
      if (mt) return `XB[xs + (${mt[1]} * N + n) * M + ${mt[2]}]`;
      mt = /^c(\d+)_(\d+)$/.exec(name);
      if (mt) { cBars.push(name); return `b${name}`; }
      if (name.startsWith('mp_') && activeModel.has(name.slice(3))) return `pb_${name.slice(3)}`;
      return undefined;
    },
  });
  emit(`/** Reverse of step: XB[x_{s-1}] += (∂x_s/∂x_{s-1})ᵀ XB[x_s]; CB = (∂x_s/∂c_s)ᵀ XB[x_s]; parameter bars. */
function stepRev(b, xi, xo, zi, stimT) {
  const xs = xi + b * SS, ys = xo + b * SS, cs = b * CS, zs = zi + b * SS, cbo = b * CS;
  for (let n = 0; n < N; n++) {
    ${hoist(mps, 'MP_', 'mp_', 'n')}
    ${nodeReads.join(' ')}
    ${[...activeModel].map((p) => `let pb_${p} = 0;`).join(' ')}
    ${Array.from({ length: nIn * M }, (_, q) => `let bc${Math.floor(q / M)}_${q % M} = 0;`).join(' ')}
    ${fwd.join('\n    ')}
    ${rev.join('\n    ')}
    ${Array.from({ length: nIn * M }, (_, q) => { const r = Math.floor(q / M), m = q % M; return `CB[cbo + (${r} * N + n) * M + ${m}] = bc${r}_${m};`; }).join(' ')}
    ${[...activeModel].map((p) => `PB_${p}[b * N + n] += pb_${p};`).join(' ')}
  }
}`);

  // ---------- observation ----------
  const obsProg: Assign[] = [];
  parsed.vois.forEach((e, v) => { for (let m = 0; m < M; m++) obsProg.push({ name: `o${v}_${m}`, expr: modelExpr(e, m, 'ob', X) }); });
  const obsReads = Array.from({ length: nsv * M }, (_, q) => `const ${X(Math.floor(q / M), q % M)} = X[xs + (${Math.floor(q / M)} * N + n) * M + ${q % M}];`).join(' ');
  const obsFwd = forwardJs(obsProg, read);
  const obsSeeds = new Map<string, string>();
  parsed.vois.forEach((_, v) => { for (let m = 0; m < M; m++) obsSeeds.set(`o${v}_${m}`, `OB[ob + (${v} * N + n) * M + ${m}]`); });
  const obsRev = reverseJs(obsProg, {
    seeds: obsSeeds, read,
    inputBar: (name) => {
      const mt = /^x(\d+)_(\d+)$/.exec(name);
      if (mt) return `XB[xs + (${mt[1]} * N + n) * M + ${mt[2]}]`;
      if (name.startsWith('mp_') && activeModel.has(name.slice(3))) return `PB_${name.slice(3)}[b * N + n]`;
      return undefined;
    },
  });
  emit(`function observe(b, xo) {
  const xs = xo + b * SS, ob = b * NV;
  for (let n = 0; n < N; n++) {
    ${hoist(mps, 'MP_', 'mp_', 'n')}
    ${obsReads}
    ${obsFwd.join(' ')}
    ${obsProg.map((a) => { const [v, m] = a.name.slice(1).split('_'); return `O[ob + (${v} * N + n) * M + ${m}] = ${a.name};`; }).join(' ')}
  }
}
function observeRev(b, xo) {
  const xs = xo + b * SS, ob = b * NV;
  for (let n = 0; n < N; n++) {
    ${hoist(mps, 'MP_', 'mp_', 'n')}
    ${obsReads}
    ${obsFwd.join(' ')}
    ${obsRev.join(' ')}
  }
}`);

  // ---------- coupling ----------
  const cpl = plan.coupling;
  const cparam = (name: string): Expr | undefined => (plan.couplingParams[name] ? sym(`cp_${name}`) : name in CONSTANTS ? num(CONSTANTS[name]) : undefined);
  const fail = (where: string, name: string) => { throw new Error(`coupling ${cpl.name}.${where}: unknown name '${name}'`); };
  const shared = cpl.rows === 'shared';
  // per row group: the per-link term (symbols xj<q>, xi<q>, cp_*) and the post (gx, cp_*)
  /** A projection group reads its link weights from block `proj` of lnkWp (W∘e) and scales edge parameter `edge`. */
  interface RowGroup { rows: number[]; pre: Expr; post: Expr; links: 'main' | 'self'; proj?: number; edge?: string }
  const groups: RowGroup[] = [];
  const postE = (text: string): Expr => substitute(parseExpr(text, { field: `coupling ${cpl.name}.post` }), (n) => (n === 'gx' ? sym('gx') : cparam(n) ?? fail('post', n)));
  /** Model parameters a projection's post reads (hoisted per target node). */
  const postParams = new Set<string>();
  if (proj) {
    const cvIndex = new Map(spec.cvar.map((n, q) => [n, q]));
    const modelConstant = (where: string, n: string): Expr => {
      const c = consts[n];
      if (typeof c === 'number') return num(c);
      if (n in CONSTANTS) return num(CONSTANTS[n]);
      throw new Error(`model ${spec.name}: projections ${where}: '${n}' cannot be read here`);
    };
    proj.forEach((pr, r) => {
      const source = substitute(unsquare(pr.source), (n) => (cvIndex.has(n) ? sym(`xj${cvIndex.get(n)}`) : modelConstant(`[${r}].source`, n)));
      const pre = substitute(unsquare(pr.pre), (n) => (n === 'x_j' ? source : modelConstant(`[${r}].pre`, n)));
      const post = substitute(unsquare(pr.post), (n) => {
        if (n === 'gx') return sym('gx');
        if (plan.modelParams[n]) { postParams.add(n); return sym(`mp_${n}`); }
        return modelConstant(`[${r}].post`, n);
      });
      groups.push({ rows: [r], pre, post, links: 'main', proj: r, edge: pr.weights });
    });
  } else if (layout.kind === 'afferent') {
    const pre0 = parseExpr(cpl.pre, { field: `coupling ${cpl.name}.pre` });
    const preFor = (r: number) => substitute(unsquare(pre0), (n) => {
      if (n === 'x_j') return sym(`xj${r}`);
      if (n === 'x_i') return sym(`xi${r}`);
      let mt = /^x_j_(\d+)$/.exec(n);
      if (mt) { if (Number(mt[1]) >= ncv) fail('pre', n); return sym(`xj${mt[1]}`); }
      mt = /^x_i_(\d+)$/.exec(n);
      if (mt) { if (Number(mt[1]) >= ncv) fail('pre', n); return sym(`xi${mt[1]}`); }
      return cparam(n) ?? fail('pre', n);
    });
    const post = postE(cpl.post);
    if (shared) groups.push({ rows: Array.from({ length: ncv }, (_, r) => r), pre: preFor(0), post, links: 'main' });
    else for (let r = 0; r < ncv; r++) groups.push({ rows: [r], pre: preFor(r), post, links: 'main' });
  } else {
    const A = (x: Expr, th: Expr): Expr => mul(sym('cp_H'), add(sym('cp_Q'), call('tanh', mul(sym('cp_G'), add(mul(sym('cp_P'), x), neg(th))))));
    if (layout.kind === 'presig-dynamic') {
      if (ncv < 2) throw new Error('PreSigmoidal with dynamic = 1 needs two coupling variables (x, theta)');
      groups.push({ rows: [0], pre: A(sym('xj0'), sym('xj1')), post: sym('gx'), links: 'main' });
      groups.push({ rows: [1], pre: A(sym('xj0'), sym('xj1')), post: sym('gx'), links: 'self' });
    } else {
      for (let r = 0; r < ncv; r++) groups.push({ rows: [r], pre: A(sym(`xj${r}`), sym('cp_theta')), post: sym('gx'), links: 'main' });
    }
  }
  const presig = layout.kind === 'presig-static' || layout.kind === 'presig-dynamic';
  const cpHoist = (lvl: 'outer' | 'node') => cps
    .filter(([, p]) => (lvl === 'node') === (p.kind === 'node' || p.kind === 'batchnode'))
    .map(([name, p]) => `const cp_${name} = ${paramRead(p.kind, `CP_${name}`, 'b', 'i', N)};`).join(' ')
    + (lvl === 'node' ? ' ' + hoist(mps.filter(([name]) => postParams.has(name)), 'MP_', 'mp_', 'i') : '');
  const activePost = [...postParams].filter((n) => activeModel.has(n));
  // value reads: row q of the link's source at its delay (slot so), of target i at step s−1 (slot si)
  const cvo = (q: number, m: number) => (cvar[q] * N * M + m);
  const genGroup = (g: RowGroup, m: number, reverse: boolean): string => {
    const preSyms = freeSymbols(g.pre);
    const jRows = Array.from({ length: ncv }, (_, q) => q).filter((q) => preSyms.has(`xj${q}`));
    const iRows = Array.from({ length: ncv }, (_, q) => q).filter((q) => preSyms.has(`xi${q}`));
    const xiReads = iRows.map((q) => `const xi${q} = X[si + i * M + ${cvo(q, m)}];`).join(' ');
    const zero = presig ? (g.links === 'self' ? 'selfZero[i]' : 'lnkZero[k]') : '';
    const readJ = (q: number) => {
      const base = `X[so + ${cvo(q, m)}]`;
      const v = layout.linear ? `(${base} + f * (X[so - BSS + ${cvo(q, m)}] - ${base}))` : base;
      return `const xj${q} = ${zero ? `${zero} ? 0 : ` : ''}${v};`;
    };
    // a link's source value sits at a fixed offset (−delay·BSS + node·M) from the target's slot si
    // links of zero weight (kept only for the weights' gradient) come last in a row: sums stop at rowNz
    const linkHead0 = (end: string) => (g.links === 'self'
      ? `{ const so = si + selfRel[i];`
      : `for (let k = rowPtr[i], k1 = ${end}; k < k1; k++) {
        const so = si + lnkRel[k];${layout.linear ? ' const f = lnkFrac[k];' : ''}`);
    const linkHead = linkHead0('rowPtr[i + 1]');
    const gxAt = `GX[gs + ${(groups.indexOf(g) * M + m) * N} + i]`;
    const wOf = g.links === 'self' ? '1' : g.proj !== undefined ? `lnkWp[${g.proj ? `${g.proj} * NLK + ` : ''}k]` : 'lnkW[k]';
    const preProg: Assign[] = [{ name: 't', expr: g.pre }];
    const postProg: Assign[] = [{ name: 'cv', expr: g.post }];
    // a plain weighted sum, the only one of the node: four partial sums, so the adds are not one
    // serial chain (the kernel program sums in the same order there, and serially otherwise)
    // (projections sum serially, in source order, as the kernel program does)
    const plainOne = !proj && groups.length * M === 1 && g.links === 'main' && !zero && jRows.length === 1 && g.pre.kind === 'sym' && g.pre.name === `xj${jRows[0]}`;
    const plainSum = plainOne && !layout.linear;
    // the same with interpolated delays (no kernel to match: two partial sums, offsets hoisted)
    const plainLinear = plainOne && layout.linear;
    const W = !!layout.wasm;
    const fwdLoop = plainLinear && W
      ? `const gx = lwDotLin(si + ${cvo(jRows[0], m)}, rowPtr[i], rowNz[i]);
      ${forwardJs(postProg, read).join(' ')}`
      : plainSum && W
      ? `const gx = lwDot4(si + ${cvo(jRows[0], m)}, rowPtr[i], rowNz[i]);
      ${forwardJs(postProg, read).join(' ')}`
      : plainLinear
      ? `let q0 = 0, q1 = 0;
      { const k1 = rowNz[i], o = si + ${cvo(jRows[0], m)};
        let k = rowPtr[i];
        for (; k + 1 < k1; k += 2) {
          const a0 = o + lnkRel[k], a1 = o + lnkRel[k + 1], x0 = X[a0], x1 = X[a1];
          q0 += lnkW[k] * (x0 + lnkFrac[k] * (X[a0 - BSS] - x0));
          q1 += lnkW[k + 1] * (x1 + lnkFrac[k + 1] * (X[a1 - BSS] - x1));
        }
        for (; k < k1; k++) { const a0 = o + lnkRel[k], x0 = X[a0]; q0 += lnkW[k] * (x0 + lnkFrac[k] * (X[a0 - BSS] - x0)); }
      }
      const gx = q0 + q1;
      ${forwardJs(postProg, read).join(' ')}`
      : plainSum
      ? `let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
      { const r0 = rowPtr[i], k1 = rowNz[i], o = si + ${cvo(jRows[0], m)};
        let k = r0;
        for (; k + 3 < k1; k += 4) {
          q0 += lnkW[k] * X[o + lnkRel[k]]; q1 += lnkW[k + 1] * X[o + lnkRel[k + 1]];
          q2 += lnkW[k + 2] * X[o + lnkRel[k + 2]]; q3 += lnkW[k + 3] * X[o + lnkRel[k + 3]];
        }
        for (; k < k1; k++) q0 += lnkW[k] * X[o + lnkRel[k]];
      }
      const gx = (q0 + q1) + (q2 + q3);
      ${forwardJs(postProg, read).join(' ')}`
      : `let acc = 0;
      ${linkHead0(g.links === 'self' ? '' : 'rowNz[i]')}
        ${jRows.map(readJ).join(' ')}
        ${forwardJs(preProg, read).join(' ')}
        acc += ${wOf} * t;
      }
      const gx = acc;
      ${forwardJs(postProg, read).join(' ')}`;
    if (!reverse) {
      return `{ ${xiReads}
      ${fwdLoop}
      ${gxAt} = gx;
      ${g.rows.map((r) => `C[cs + (${r} * N + i) * M + ${m}] = cv;`).join(' ')} }`;
    }
    const postRev = reverseJs(postProg, {
      seeds: new Map([['cv', g.rows.map((r) => `CB[cb + (${r} * N + i) * M + ${m}]`).join(' + ')]]),
      read,
      inputBar: (n) => (n === 'gx' ? 'bgx'
        : n.startsWith('cp_') && grads.coupling.has(n.slice(3)) ? `pc_${n.slice(3)}`
        : n.startsWith('mp_') && activeModel.has(n.slice(3)) ? `pbc_${n.slice(3)}` : undefined),
    });
    const preRev = reverseJs(preProg, {
      seeds: new Map([['t', `bgx * ${wOf}`]]),
      read,
      inputBar: (n) => {
        if (/^xj\d+$/.test(n)) return `b${n}`;
        if (/^xi\d+$/.test(n)) return `b${n}`;
        if (n.startsWith('cp_') && grads.coupling.has(n.slice(3))) return `pc_${n.slice(3)}`;
        return undefined;
      },
    });
    const scatterJ = (q: number) => {
      const at = `so + ${cvo(q, m)}`;
      const add = layout.linear
        ? `XB[${at}] += bxj${q} * (1 - f); XB[${at} - BSS] += bxj${q} * f;${grads.speed ? ` sbl += bxj${q} * (X[${at} - BSS] - X[${at}]) * lnkDfds[k];` : ''}`
        : `XB[${at}] += bxj${q};`;
      return zero ? `if (!${zero}) { ${add} }` : add;
    };
    // a plain weighted sum: its reverse is a scatter of bgx·w, four links per pass (each address
    // still receives its adds in the same order); the window offset is taken out of the loop
    // (with the weights' gradient every link of the row, zero weights included, also gets bgx·x_j)
    const plainScatter = plainOne;
    const WG = grads.weights;
    const scatterLoop = W
      ? `{ const ox = si + ${cvo(jRows[0] ?? 0, m)};
        ${layout.linear ? `${grads.speed ? 'SB[0] += ' : ''}lwScatterLin(ox, ox - XBO, rowPtr[i], ${WG ? 'rowPtr[i + 1]' : 'rowNz[i]'}, bgx);`
        : WG ? 'lwScatterW(ox, ox - XBO, rowPtr[i], rowPtr[i + 1], bgx);' : 'lwScatter4(ox - XBO, rowPtr[i], rowNz[i], bgx);'}
      }`
      : layout.linear
      ? `{ const k1 = ${WG ? 'rowPtr[i + 1]' : 'rowNz[i]'}, ox = si + ${cvo(jRows[0] ?? 0, m)}, o = ox - XBO;${grads.speed ? ' let sbl = 0;' : ''}
        for (let k = rowPtr[i]; k < k1; k++) {
          const r = o + lnkRel[k], bx = bgx * lnkW[k], f = lnkFrac[k];
          XBv[r] += bx * (1 - f); XBv[r - BSS] += bx * f;${grads.speed || WG ? `
          const rx = ox + lnkRel[k], x0 = X[rx];` : ''}${grads.speed ? `
          sbl += bx * (X[rx - BSS] - x0) * lnkDfds[k];` : ''}${WG ? `
          WB[lnkWi[k]] += bgx * (x0 + f * (X[rx - BSS] - x0));` : ''}
        }${grads.speed ? '\n        SB[0] += sbl;' : ''}
      }`
      : WG
      ? `{ const k1 = rowPtr[i + 1], ox = si + ${cvo(jRows[0] ?? 0, m)}, o = ox - XBO;
        for (let k = rowPtr[i]; k < k1; k++) {
          const r = lnkRel[k];
          XBv[o + r] += bgx * lnkW[k]; WB[lnkWi[k]] += bgx * X[ox + r];
        }
      }`
      : `{ const r0 = rowPtr[i], k1 = rowNz[i], o = si + ${cvo(jRows[0] ?? 0, m)} - XBO;
        let k = r0;
        for (; k + 3 < k1; k += 4) {
          XBv[o + lnkRel[k]] += bgx * lnkW[k]; XBv[o + lnkRel[k + 1]] += bgx * lnkW[k + 1];
          XBv[o + lnkRel[k + 2]] += bgx * lnkW[k + 2]; XBv[o + lnkRel[k + 3]] += bgx * lnkW[k + 3];
        }
        for (; k < k1; k++) XBv[o + lnkRel[k]] += bgx * lnkW[k];
      }`;
    // the weighted sum was kept by the forward pass
    if (plainScatter) {
      return `{ const gx = ${gxAt};
      ${forwardJs(postProg, read).join(' ')}
      let bgx = 0;
      ${postRev.join(' ')}
      if (bgx !== 0) ${scatterLoop} }`;
    }
    return `{ ${xiReads}
      ${iRows.map((q) => `let bxi${q} = 0;`).join(' ')}
      const gx = ${gxAt};
      ${forwardJs(postProg, read).join(' ')}
      let bgx = 0;${layout.linear && grads.speed ? ' let sbl = 0;' : ''}
      ${postRev.join(' ')}
      if (bgx !== 0) {
      ${linkHead}
        ${jRows.map(readJ).join(' ')}
        ${forwardJs(preProg, read).join(' ')}
        ${jRows.map((q) => `let bxj${q} = 0;`).join(' ')}
        ${preRev.join(' ')}
        ${jRows.map(scatterJ).join(' ')}
        ${grads.weights && g.links === 'main' ? `WB[lnkWi[k]] += bgx * t${g.proj !== undefined ? ` * lnkE[${g.proj ? `${g.proj} * NLK + ` : ''}k]` : ''};` : ''}
        ${g.edge && grads.edge.has(g.edge) ? `EB_${g.edge}[lnkWi[k]] += bgx * t * lnkW[k];` : ''}
      }
      }${layout.linear && grads.speed ? ' SB[0] += sbl;' : ''}
      ${iRows.map((q) => `XB[si + i * M + ${cvo(q, m)}] += bxi${q};`).join(' ')} }`;
  };
  // Projections whose per-link term is a source value itself (EIB: S_e twice) share one pass over
  // the links, forward and reverse, as the kernel program does; each sum keeps its source order, and
  // each cotangent address receives its adds in the same order as one pass per projection would.
  const plainRow = (g: RowGroup) => (g.pre.kind === 'sym' && /^xj\d+$/.test(g.pre.name) ? Number(g.pre.name.slice(2)) : -1);
  const fused = !!proj && !layout.linear && M === 1 && groups.every((g) => plainRow(g) >= 0);
  const blockEdges = !!layout.blockEdges && fused && grads.edge.size > 0;
  const edgeBlocks = blockEdges ? groups.flatMap((g, r) => (g.edge && grads.edge.has(g.edge) ? [{ group: r, edge: g.edge, row: cvar[plainRow(g)] }] : [])) : [];
  const blk = (r: number) => (r ? `${r} * NLK + ` : '');
  const fusedGroups = (reverse: boolean): string => {
    const gxAt = (r: number) => `GX[gs + ${r * N} + i]`;
    const postOf = (g: RowGroup, r: number) => forwardJs([{ name: 'cv', expr: g.post }], read).map((l) => l.replace(/\bcv(__\d+)?\b/g, (_m, t) => `cv${r}${t ?? ''}`).replace(/\bgx\b/g, `gx${r}`));
    if (!reverse) {
      return `{ ${groups.map((_, r) => `let acc${r} = 0;`).join(' ')}
      const k1 = rowNz[i];
      for (let k = rowPtr[i]; k < k1; k++) {
        const so = si + lnkRel[k];
        ${groups.map((g, r) => `acc${r} += lnkWp[${blk(r)}k] * X[so + ${cvo(plainRow(g), 0)}];`).join('\n        ')}
      }
      ${groups.map((g, r) => `const gx${r} = acc${r}; ${postOf(g, r).join(' ')} ${gxAt(r)} = gx${r}; C[cs + ${r} * N + i] = cv${r};`).join('\n      ')} }`;
    }
    const postRevOf = (g: RowGroup, r: number) => reverseJs([{ name: `cv${r}`, expr: substitute(g.post, (n) => (n === 'gx' ? sym(`gx${r}`) : undefined)) }], {
      seeds: new Map([[`cv${r}`, `CB[cb + ${r} * N + i]`]]),
      read,
      inputBar: (n) => (n === `gx${r}` ? `bgx${r}`
        : n.startsWith('mp_') && activeModel.has(n.slice(3)) ? `pbc_${n.slice(3)}` : undefined),
    });
    const edge = (g: RowGroup, r: number) => (g.edge && grads.edge.has(g.edge) && !blockEdges ? `EB_${g.edge}[lnkWi[k]] += bgx${r} * X[so + ${cvo(plainRow(g), 0)}] * lnkW[k];` : '');
    const wgt = (g: RowGroup, r: number) => (grads.weights ? `WB[lnkWi[k]] += bgx${r} * X[so + ${cvo(plainRow(g), 0)}] * lnkE[${blk(r)}k];` : '');
    return `{ ${groups.map((g, r) => `const gx${r} = ${gxAt(r)}; ${postOf(g, r).join(' ')} let bgx${r} = 0; ${postRevOf(g, r).join(' ')}${blockEdges ? ` BGX[gs + ${r * N} + i] = bgx${r};` : ''}`).join('\n      ')}
      if (${groups.map((_, r) => `bgx${r} !== 0`).join(' || ')}) {
        const k1 = rowPtr[i + 1];
        for (let k = rowPtr[i]; k < k1; k++) {
          const so = si + lnkRel[k], o = so - XBO;
          ${groups.map((g, r) => `XBv[o + ${cvo(plainRow(g), 0)}] += bgx${r} * lnkWp[${blk(r)}k]; ${wgt(g, r)} ${edge(g, r)}`).join('\n          ')}
        }
      } }`;
  };
  const couplingFn = (reverse: boolean) => `function coupling${reverse ? 'Rev' : ''}(b, s, w0, gi) {
  const cs = b * CS, cb = b * CS, si = (s - 1 - w0) * BSS + b * SS, gs = (gi * B + b) * NG;
  ${cpHoist('outer')}
  for (let i = 0; i < N; i++) {
    ${cpHoist('node')}
    ${reverse ? [...grads.coupling].map((p) => `let pc_${p} = 0;`).join(' ') : ''}
    ${reverse ? activePost.map((p) => `let pbc_${p} = 0;`).join(' ') : ''}
    ${fused ? fusedGroups(reverse) : groups.flatMap((g) => Array.from({ length: M }, (_, m) => genGroup(g, m, reverse))).join('\n    ')}
    ${reverse ? [...grads.coupling].map((p) => `PC_${p}[b * N + i] += pc_${p};`).join(' ') : ''}
    ${reverse ? activePost.map((p) => `PB_${p}[b * N + i] += pbc_${p};`).join(' ') : ''}
  }
}`;
  emit(couplingFn(false));
  emit(couplingFn(true));
  // the reverse sweep keeps no coupling per step: it is post(gx) of the kept weighted sums
  emit(`function couplingPost(b, gi) {
  const cs = b * CS, gs = (gi * B + b) * NG;
  ${cpHoist('outer')}
  for (let i = 0; i < N; i++) {
    ${cpHoist('node')}
    ${groups.flatMap((g, gIdx) => Array.from({ length: M }, (_, m) => `{ const gx = GX[gs + ${(gIdx * M + m) * N} + i];
    ${forwardJs([{ name: 'cv', expr: g.post }], read).join(' ')}
    ${g.rows.map((r) => `C[cs + (${r} * N + i) * M + ${m}] = cv;`).join(' ')} }`)).join('\n    ')}
  }
}`);
  emit('return { step, stepRev, observe, observeRev, coupling, couplingRev, couplingPost, stimAt, setXBO: (v) => { XBO = v; } };');
  // functions the expression compiler inlines as IIFEs are defined once instead
  let source = L.join('\n');
  const helpers: string[] = [];
  for (const [name, js] of [['erfc', ERFC_JS], ['mod', MOD_JS], ['factorial', FACTORIAL_JS], ['gamma', GAMMA_JS]] as const) {
    const inline = `(${js})(`;
    if (source.includes(inline)) { source = source.split(inline).join(`${name}_(`); helpers.push(`const ${name}_ = ${js};`); }
  }
  source = [source.slice(0, 14), ...helpers, source.slice(14)].join('\n').split('Math.exp(').join('kexp(').split('XB[').join('XB[-XBO + ');
  return { source, nvoi, SS, CS, cvar, NG: groups.length * M * N, edgeBlocks };
}
