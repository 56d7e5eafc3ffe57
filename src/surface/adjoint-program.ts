/**
 * Generated float64 forward and reverse JS for one step of a cortical-surface run (semantics of
 * ./program.ts: node states, region-mean delay history, region coupling mapped to nodes, local
 * coupling (strength ∘ LC)·E per integrator stage). Every piece is a straight-line program of the
 * model's and coupling's ASTs (src/expr/slp.ts), so the forward and its reverse come from
 * one source, as in the region adjoint.
 *
 * One lane (B = 1). Arrays of the program context:
 *   X        node states of the segment: slot t holds SS values
 *   HX / HB  region history of the segment and its cotangent: slot t holds CS = ncv·R·M values
 *   C / CB   region coupling of each step in the segment (CS per step) and the step's cotangent
 *   NZ       noise draws ξ·√dt of each step (SS per step)
 *   YB / XB  cotangent of the step's new state and of its input state
 *   STR/STRB local-coupling strength per node (0 on appended regions) and its cotangent
 *   PB_* / PC_*  model-parameter cotangents per node; coupling parameters per region
 */
import { type Expr, parseExpr, substitute, freeSymbols, CONSTANTS } from '../expr/index.js';
import { paramRead } from '../engine/params.js';
import { type Assign, forwardJs, reverseJs } from '../expr/slp.js';
import { bin, call, modelProgram, num, sym, unsquare } from '../engine/adjoint/model-program.js';
import type { SurfacePlan } from './program.js';


/** square(x) has no derivative rule of its own: it is x·x. */

export interface SurfaceGradTargets {
  model: Set<string>;
  coupling: Set<string>;
}

export interface SurfaceAdjointProgram {
  source: string;
  SS: number;
  CS: number;
  nvoi: number;
  nLc: number;
}

/** ELL widths of the local connectivity (forward products) and of its transpose (reverse products). */
export interface SurfaceLcWidths { fwd: number; rev: number }

export function generateSurfaceAdjoint(plan: SurfacePlan, grads: SurfaceGradTargets, lcWidth: SurfaceLcWidths = { fwd: 0, rev: 0 }): SurfaceAdjointProgram {
  const { N, R, M, dt, spec, parsed, scheme } = plan;
  if (scheme === 'rk4') throw new Error('surface adjoint: integrator RK4 is not differentiated on surfaces yet; use Euler or Heun');
  const svs = Object.keys(spec.state_variables);
  const nsv = svs.length;
  const svIdx = new Map(svs.map((n, i) => [n, i]));
  const cvar = spec.cvar.map((n) => svIdx.get(n)!);
  const ncv = cvar.length;
  const SS = nsv * N * M, CS = ncv * R * M, nvoi = parsed.vois.length;
  const nLc = plan.lcTerms.length;
  const consts = spec.constants ?? {};
  // offsets with the sizes as literals: (row k, node expression, mode m) in a (rows, nodes, M) array
  const ix = (k: number, n: string, m: number, nodes = N) => {
    const c = k * nodes * M + m;
    return `${c ? `${c} + ` : ''}${M === 1 ? n : `${n} * ${M}`}`;
  };

  // the local-coupling terms __lc<j> read lc<j> (zero without a local-connectivity matrix)
  const { modelExpr, stage, clamp, auxNames } = modelProgram(plan, (name, mm) => {
    const lm = /^__lc(\d+)$/.exec(name);
    return lm ? (nLc ? sym(`lc${lm[1]}_${mm}`) : num(0)) : undefined;
  });
  const D = (st: string, k: number, m: number) => sym(`${st}_d${k}_${m}`);
  const X = (k: number, m: number) => `x${k}_${m}`;
  const Pn = (k: number, m: number) => `p${k}_${m}`;
  const Kd = (k: number, m: number) => `k${k}_${m}`;
  const Y = (k: number, m: number) => `y${k}_${m}`;
  const stimulated = new Set(plan.stimulus?.variables ?? []);
  const withStim = (k: number, d: Expr): Expr => (stimulated.has(k) ? bin('+', d, sym('stim_n')) : d);
  const plusStimDt = (k: number, v: Expr): Expr => (stimulated.has(k) ? bin('+', v, bin('*', num(dt), sym('stim_n'))) : v);
  const plusNz = (k: number, m: number, v: Expr): Expr => (plan.noise ? bin('+', v, bin('*', sym(`g${k}`), sym(`xi${k}_${m}`))) : v);
  const each = <T>(f: (k: number, m: number) => T): T[] => {
    const r: T[] = [];
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) r.push(f(k, m));
    return r;
  };

  // ---------- the integrator as one or two passes over the surface ----------
  // pass 1 gives the new state (Euler) or the Heun predictor and its derivative; pass 2 the Heun corrector
  const first = scheme === 'euler' ? 'e1' : 'h1';
  const pass1: Assign[] = [...stage(first, X)];
  const out1 = scheme === 'euler' ? Y : Pn;
  pass1.push(...each((k, m) => ({ name: out1(k, m), expr: clamp(k, plusNz(k, m, bin('+', sym(X(k, m)), bin('*', num(dt), withStim(k, D(first, k, m)))))) })));
  const pass2: Assign[] = scheme === 'heun' ? [...stage('h2', Pn), ...each((k, m) => ({
    name: Y(k, m),
    expr: clamp(k, plusNz(k, m, plusStimDt(k, bin('+', sym(X(k, m)), bin('*', bin('+', sym(Kd(k, m)), D('h2', k, m)), num(dt / 2)))))),
  }))] : [];

  // local-coupling inputs E_j (expressions of the state and parameters)
  for (const e of plan.lcTerms) {
    for (const s of freeSymbols(e)) if (auxNames.has(s)) throw new Error(`model ${spec.name}: the local-coupling term uses auxiliary '${s}'; the surface adjoint needs it in state variables and parameters`);
  }
  const eProg = (inp: (k: number, m: number) => string): Assign[] => {
    const out: Assign[] = [];
    plan.lcTerms.forEach((e, j) => { for (let m = 0; m < M; m++) out.push({ name: `e${j}_${m}`, expr: modelExpr(e, m, 'le', inp) }); });
    return out;
  };

  const active = new Set(grads.model);
  const mps = Object.entries(plan.modelParams);
  const cps = Object.entries(plan.couplingParams);
  const read = (n: string) => n;
  // one value for the whole run: read once per call (values may change between runs); per node: in the loop
  const hoistMp = mps.filter(([, p]) => p.kind !== 'scalar').map(([n, p]) => `const mp_${n} = ${paramRead(p.kind, `MP_${n}`, '0', 'n', N)};`).join(' ');
  const hoistScalar = mps.filter(([, p]) => p.kind === 'scalar').map(([n]) => `const mp_${n} = MP_${n}[0];`).join(' ');
  const stateReads = (name: (k: number, m: number) => string, arr: string, base: string) =>
    each((k, m) => `const ${name(k, m)} = ${arr}[${base === '0' ? '' : `${base} + `}${ix(k, 'n', m)}];`).join(' ');
  const lcReads = (U: string) => Array.from({ length: nLc * M }, (_, q) => {
    const j = Math.floor(q / M), m = q % M;
    return `const lc${j}_${m} = STR[n] * ${U}[${ix(j, 'n', m)}];`;
  }).join(' ');
  const common = [
    'const rn = regmap[n];',
    hoistMp,
    ...Array.from({ length: ncv * M }, (_, q) => `const c${Math.floor(q / M)}_${q % M} = C[ci + ${(Math.floor(q / M) * R * M) + (q % M)} + ${M === 1 ? 'rn' : `rn * ${M}`}];`),
    plan.stimulus ? 'const stim_n = stimT * stimW[n];' : '',
    ...(plan.noise ? [
      ...Array.from({ length: nsv }, (_, k) => `const g${k} = noiseGain[${k ? `${k * N} + ` : ''}n];`),
      ...each((k, m) => `const xi${k}_${m} = NZ[zi + ${ix(k, 'n', m)}];`),
    ] : []),
  ].join(' ');

  /**
   * out[dst + v·M] = Σ_q A[v, q]·x[src + q·M] over the ELL part of A (W entries per row, unrolled;
   * short rows padded with weight 0 on their own vertex) then its CSR rest: the CSR order of
   * summation, so the same numbers as a plain CSR product, without its short inner loops.
   * With `init`, the sum starts from the value already at out (the reverse's accumulation).
   */
  const colAt = (c: string) => (M === 1 ? c : `${c} * ${M}`);
  const ellFn = (name: string, pre: 'lf' | 'lt', W: number, init: boolean) => {
    const x = (c: string) => `x[src + ${colAt(c)}]`;
    const terms = Array.from({ length: W }, (_, w) => `${pre}Val[e + ${w}] * ${x(`${pre}Col[e + ${w}]`)}`);
    const first = init ? ['out[dst + ' + colAt('v') + ']', ...terms] : terms;
    const k = pre === 'lf' ? 'KF' : 'KT';
    return `function ${name}(x, src, out, dst) {
  if (${k}) { ${k}.mul(x, src, out, dst, ${init}); return; }
  for (let v = 0, e = 0; v < N; v++, e += ${W}) {
    let acc = ${first.length ? first.join(' + ') : '0'};
    for (let q = ${pre}RowPtr[v], q1 = ${pre}RowPtr[v + 1]; q < q1; q++) acc += ${pre}RestVal[q] * ${x(`${pre}RestCol[q]`)};
    out[dst + ${colAt('v')}] = acc;
  }
}`;
  };
  // small functions of their own (a few per cent cheaper than inlined into the large step functions),
  // which call the WebAssembly products (./ell-wasm.ts) where the adjoint built them
  const ellRows = (pre: 'lf' | 'lt', arr: string, src: string, out: string, dst: string, init: boolean) =>
    `${pre === 'lf' ? 'lcMul' : init ? 'lcMulTAdd' : 'lcMulT'}(${arr}, ${src}, ${out}, ${dst});`;
  /** E_j at every node from the state in (arr, base), then U_j = LC · E_j. */
  const plainSv = plan.lcTerms.map((e) => (e.kind === 'sym' && svIdx.has(e.name) ? svIdx.get(e.name)! : -1));
  const plain = nLc > 0 && plainSv.every((k) => k >= 0);
  const lcFwd = (arr: string, base: string, U: string) => {
    if (!nLc) return '';
    if (plain) {
      return plainSv.map((k, j) => `for (let m = 0; m < M; m++) {
    const src = ${base === '0' ? '' : `${base} + `}${k * N * M} + m, dst = ${j * N * M} + m;
    ${ellRows('lf', arr, 'src', U, 'dst', false)}
  }`).join('\n  ');
    }
    const fwd = forwardJs(eProg(X), read);
    return `for (let n = 0; n < N; n++) {
    ${hoistMp} ${stateReads(X, arr, base)}
    ${fwd.join(' ')}
    ${Array.from({ length: nLc * M }, (_, q) => `EV[${ix(Math.floor(q / M), 'n', q % M)}] = e${Math.floor(q / M)}_${q % M};`).join(' ')}
  }
  for (let j = 0; j < ${nLc}; j++) for (let m = 0; m < M; m++) {
    const base = j * N * M + m;
    ${ellRows('lf', 'EV', 'base', U, 'base', false)}
  }`;
  };
  /**
   * Reverse of lc_j = STR ∘ (LC · E_j(state)): the strength's cotangent and w = STR ∘ LCB, then
   * E-bars += LCᵀ·w as a gather over the transpose's rows (entries in ascending source row: the
   * order a scatter along LC's rows would add them in), then E's reverse into the state bars.
   */
  const lcBarW = (U: string) => `for (let v = 0; v < N; v++) {
      const lb = LCB[base + ${colAt('v')}];
      STRB[v] += lb * ${U}[base + ${colAt('v')}];
      WV[${colAt('v')}] = STR[v] * lb;
    }`;
  const lcRev = (arr: string, base: string, U: string, bar: string) => {
    if (!nLc) return '';
    if (plain) {
      return plainSv.map((k, j) => `for (let m = 0; m < M; m++) {
    const base = ${j * N * M} + m, dst = ${k * N * M} + m;
    ${lcBarW(U)}
    ${ellRows('lt', 'WV', '0', bar, 'dst', true)}
  }`).join('\n  ');
    }
    const rev = reverseJs(eProg(X), {
      seeds: new Map(Array.from({ length: nLc * M }, (_, q) => [`e${Math.floor(q / M)}_${q % M}`, `EB[${ix(Math.floor(q / M), 'n', q % M)}]`] as [string, string])),
      read,
      inputBar: (name) => {
        const mt = /^x(\d+)_(\d+)$/.exec(name);
        if (mt) return `${bar}[${ix(Number(mt[1]), 'n', Number(mt[2]))}]`;
        if (name.startsWith('mp_') && active.has(name.slice(3))) return `PB_${name.slice(3)}[n]`;
        return undefined;
      },
    });
    return `for (let j = 0; j < ${nLc}; j++) for (let m = 0; m < M; m++) {
    const base = j * N * M + m;
    ${lcBarW(U)}
    ${ellRows('lt', 'WV', '0', 'EB', 'base', false)}
  }
  for (let n = 0; n < N; n++) {
    ${hoistMp} ${stateReads(X, arr, base)}
    ${forwardJs(eProg(X), read).join(' ')}
    ${rev.join(' ')}
  }`;
  };

  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  emit(`"use strict";
const N = ${N}, R = ${R}, M = ${M}, SS = ${SS}, CS = ${CS};
const P = ctx.P, X = ctx.X, HX = ctx.HX, HB = ctx.HB, C = ctx.C, CB = ctx.CB, NZ = ctx.NZ, O = ctx.O, OB = ctx.OB;
const YB = ctx.YB, XB = ctx.XB, STR = ctx.STR, STRB = ctx.STRB;
const regmap = P.regmap, regCount = P.regCount, noiseGain = P.noiseGain, stimW = P.stimW;
const lnkPtr = P.lnkPtr, lnkSrc = P.lnkSrc, lnkDelay = P.lnkDelay, lnkW = P.lnkW;
const lfCol = ctx.LCF.col, lfVal = ctx.LCF.val, lfRowPtr = ctx.LCF.rest.rowPtr, lfRestCol = ctx.LCF.rest.colIndex, lfRestVal = ctx.LCF.rest.values;
// the WebAssembly products (./ell-wasm.ts) where available (one mode), else the loops below
const KF = ctx.KF, KT = ctx.KT;
const ltCol = ctx.LCT.col, ltVal = ctx.LCT.val, ltRowPtr = ctx.LCT.rest.rowPtr, ltRestCol = ctx.LCT.rest.colIndex, ltRestVal = ctx.LCT.rest.values;
const PS = new Float64Array(SS), KD = new Float64Array(SS), PBAR = new Float64Array(SS), KBAR = new Float64Array(SS);
const U1 = new Float64Array(${Math.max(1, nLc) * N * M}), U2 = new Float64Array(${Math.max(1, nLc) * N * M});
const WV = new Float64Array(N * M), EV = new Float64Array(${Math.max(1, nLc) * N * M}), EB = new Float64Array(${Math.max(1, nLc) * N * M}), LCB = new Float64Array(${Math.max(1, nLc) * N * M});
const regSum = new Float64Array(CS);
${mps.map(([n]) => `const MP_${n} = P.mp_${n};`).join('\n')}
${cps.map(([n]) => `const CP_${n} = P.cp_${n};`).join('\n')}
${[...active].map((n) => `const PB_${n} = ctx.PB.${n};`).join('\n')}
${[...grads.coupling].map((n) => `const PC_${n} = ctx.PC.${n};`).join('\n')}
${plan.stimulus?.temporalDecl ?? ''}
${ellFn('lcMul', 'lf', lcWidth.fwd, false)}
${ellFn('lcMulT', 'lt', lcWidth.rev, false)}
${ellFn('lcMulTAdd', 'lt', lcWidth.rev, true)}
function stimAt(t) { return ${plan.stimulus?.temporalJs ?? '0'}; }`);

  // ---------- step ----------
  const toRegion = (k: number, m: number, v: string) => (cvar.includes(k) ? ` regSum[${cvar.indexOf(k) * R * M + m} + ${M === 1 ? 'rn' : `rn * ${M}`}] += ${v};` : '');
  const writeNew = each((k, m) => `X[yo + ${ix(k, 'n', m)}] = ${Y(k, m)}; chk += ${Y(k, m)};${toRegion(k, m, Y(k, m))}`).join(' ');
  const f1 = forwardJs(pass1, read), f2 = forwardJs(pass2, read);
  const keep1 = scheme === 'heun' ? each((k, m) => `PS[${ix(k, 'n', m)}] = ${Pn(k, m)}; KD[${ix(k, 'n', m)}] = h1_d${k}_${m};`).join(' ') : '';
  const reads2 = scheme === 'heun' ? `${stateReads(Pn, 'PS', '0')} ${stateReads(Kd, 'KD', '0')}` : '';
  const predictor = `${lcFwd('X', 'xo', 'U1')}
  for (let n = 0; n < N; n++) {
    ${common} ${stateReads(X, 'X', 'xo')} ${lcReads('U1')}
    ${f1.join('\n    ')}
    ${scheme === 'heun' ? keep1 : writeNew}
  }`;
  emit(`/** State at slot yo from slot xo, the step's coupling (ci) and noise (zi); region means into HX at hw. */
function step(xo, yo, ci, zi, hw, stimT) {
  ${hoistScalar}
  let chk = 0;
  regSum.fill(0);
  ${predictor}
  ${scheme === 'heun' ? `${lcFwd('PS', '0', 'U2')}
  for (let n = 0; n < N; n++) {
    ${common} ${stateReads(X, 'X', 'xo')} ${reads2} ${lcReads('U2')}
    ${f2.join('\n    ')}
    ${writeNew}
  }` : ''}
  for (let q = 0; q < CS; q++) HX[hw + q] = regSum[q] / regCount[Math.floor(q / M) % R];
  return chk;
}`);
  const bars = (extra: (name: string) => string | undefined) => (name: string): string | undefined => {
    let mt = /^x(\d+)_(\d+)$/.exec(name);
    if (mt) return `XB[${ix(Number(mt[1]), 'n', Number(mt[2]))}]`;
    mt = /^c(\d+)_(\d+)$/.exec(name);
    if (mt) return `CB[${Number(mt[1]) * R * M + Number(mt[2])} + ${M === 1 ? 'rn' : `rn * ${M}`}]`;
    mt = /^lc(\d+)_(\d+)$/.exec(name);
    if (mt) return `LCB[${ix(Number(mt[1]), 'n', Number(mt[2]))}]`;
    if (name.startsWith('mp_') && active.has(name.slice(3))) return `pb_${name.slice(3)}`;
    return extra(name);
  };
  const pbDecl = [...active].map((p) => `let pb_${p} = 0;`).join(' ');
  const pbOut = [...active].map((p) => `PB_${p}[n] += pb_${p};`).join(' ');
  const ySeeds = new Map(each((k, m) => [Y(k, m), `YB[${ix(k, 'n', m)}]`] as [string, string]));
  let revBody: string;
  if (scheme === 'euler') {
    const r1 = reverseJs(pass1, { seeds: ySeeds, read, inputBar: bars(() => undefined) });
    revBody = `LCB.fill(0);
  for (let n = 0; n < N; n++) {
    ${common} ${stateReads(X, 'X', 'xo')} ${lcReads('U1')} ${pbDecl}
    ${f1.join('\n    ')}
    ${r1.join('\n    ')}
    ${pbOut}
  }
  ${lcRev('X', 'xo', 'U1', 'XB')}`;
  } else {
    const r2 = reverseJs(pass2, {
      seeds: ySeeds, read,
      inputBar: bars((name) => {
        let mt = /^p(\d+)_(\d+)$/.exec(name);
        if (mt) return `PBAR[${ix(Number(mt[1]), 'n', Number(mt[2]))}]`;
        mt = /^k(\d+)_(\d+)$/.exec(name);
        if (mt) return `KBAR[${ix(Number(mt[1]), 'n', Number(mt[2]))}]`;
        return undefined;
      }),
    });
    const seeds1 = new Map(each((k, m) => [Pn(k, m), `PBAR[${ix(k, 'n', m)}]`] as [string, string]));
    for (let k = 0; k < nsv; k++) for (let m = 0; m < M; m++) seeds1.set(`h1_d${k}_${m}`, `KBAR[${ix(k, 'n', m)}]`);
    const r1 = reverseJs(pass1, { seeds: seeds1, read, inputBar: bars(() => undefined) });
    revBody = `${lcFwd('PS', '0', 'U2')}
  PBAR.fill(0); KBAR.fill(0); LCB.fill(0);
  for (let n = 0; n < N; n++) {
    ${common} ${stateReads(X, 'X', 'xo')} ${reads2} ${lcReads('U2')} ${pbDecl}
    ${f2.join('\n    ')}
    ${r2.join('\n    ')}
    ${pbOut}
  }
  ${lcRev('PS', '0', 'U2', 'PBAR')}
  LCB.fill(0);
  for (let n = 0; n < N; n++) {
    ${common} ${stateReads(X, 'X', 'xo')} ${lcReads('U1')} ${pbDecl}
    ${f1.join('\n    ')}
    ${r1.join('\n    ')}
    ${pbOut}
  }
  ${lcRev('X', 'xo', 'U1', 'XB')}`;
  }
  emit(`/** XB = (∂x_s/∂x_{s-1})ᵀ YB, CB = (∂x_s/∂c_s)ᵀ YB, parameter and strength bars; forward recomputed from slot xo. */
function stepRev(xo, ci, zi, stimT) {
  ${hoistScalar}
  XB.fill(0); CB.fill(0);
  ${scheme === 'heun' ? predictor.replace(writeNew, '') : lcFwd('X', 'xo', 'U1')}
  ${revBody}
}
/** YB += cotangent of the region means written after the step (HB slot hr), then that slot is spent. */
function historyRev(hr) {
  for (let n = 0; n < N; n++) {
    const rn = regmap[n], w = 1 / regCount[rn];
    ${cvar.map((k, c) => Array.from({ length: M }, (_, m) => `YB[${ix(k, 'n', m)}] += HB[hr + ${c * R * M + m} + ${M === 1 ? 'rn' : `rn * ${M}`}] * w;`).join(' ')).join(' ')}
  }
  HB.fill(0, hr, hr + CS);
}`);

  // ---------- observation ----------
  const obsProg: Assign[] = [];
  parsed.vois.forEach((e, v) => { for (let m = 0; m < M; m++) obsProg.push({ name: `o${v}_${m}`, expr: modelExpr(e, m, 'ob', X) }); });
  const obsFwd = forwardJs(obsProg, read);
  const obsRev = reverseJs(obsProg, {
    seeds: new Map(obsProg.map((a) => { const [v, m] = a.name.slice(1).split('_').map(Number); return [a.name, `OB[${ix(v, 'n', m)}]`] as [string, string]; })),
    read,
    inputBar: (name) => {
      const mt = /^x(\d+)_(\d+)$/.exec(name);
      if (mt) return `YB[${ix(Number(mt[1]), 'n', Number(mt[2]))}]`;
      if (name.startsWith('mp_') && active.has(name.slice(3))) return `PB_${name.slice(3)}[n]`;
      return undefined;
    },
  });
  emit(`function observe(xo) {
  ${hoistScalar}
  for (let n = 0; n < N; n++) {
    ${hoistMp} ${stateReads(X, 'X', 'xo')}
    ${obsFwd.join(' ')}
    ${obsProg.map((a) => { const [v, m] = a.name.slice(1).split('_').map(Number); return `O[${ix(v, 'n', m)}] = ${a.name};`; }).join(' ')}
  }
}
function observeRev(xo) {
  ${hoistScalar}
  for (let n = 0; n < N; n++) {
    ${hoistMp} ${stateReads(X, 'X', 'xo')}
    ${obsFwd.join(' ')}
    ${obsRev.join(' ')}
  }
}`);

  // ---------- region coupling from the region history ----------
  const cpl = plan.coupling;
  const cparam = (name: string): Expr | undefined => (plan.couplingParams[name] ? sym(`cp_${name}`) : name in CONSTANTS ? num(CONSTANTS[name]) : undefined);
  const fail = (where: string, name: string): never => { throw new Error(`coupling ${cpl.name}.${where}: unknown name '${name}'`); };
  const pre0 = parseExpr(cpl.pre, { field: `coupling ${cpl.name}.pre` });
  const preFor = (r: number) => substitute(unsquare(pre0), (n) => {
    if (n === 'x_j') return sym(`xj${r}`);
    if (n === 'x_i') return sym(`xi${r}`);
    let mt = /^x_j_(\d+)$/.exec(n);
    if (mt) return Number(mt[1]) < ncv ? sym(`xj${mt[1]}`) : fail('pre', n);
    mt = /^x_i_(\d+)$/.exec(n);
    if (mt) return Number(mt[1]) < ncv ? sym(`xi${mt[1]}`) : fail('pre', n);
    return cparam(n) ?? fail('pre', n);
  });
  const post = substitute(parseExpr(cpl.post, { field: `coupling ${cpl.name}.post` }), (n) => (n === 'gx' ? sym('gx') : cparam(n) ?? fail('post', n)));
  // TVB's 'shared' couplings: one sum (row 0's x_j) feeds every coupling row
  const groups = cpl.rows === 'shared' ? [{ rows: Array.from({ length: ncv }, (_, r) => r), pre: preFor(0) }] : Array.from({ length: ncv }, (_, r) => ({ rows: [r], pre: preFor(r) }));
  const cpHoist = cps.map(([n, p]) => `const cp_${n} = ${paramRead(p.kind, `CP_${n}`, '0', 'i', R)};`).join(' ');
  const genGroup = (g: { rows: number[]; pre: Expr }, m: number, reverse: boolean): string => {
    const fs = freeSymbols(g.pre);
    const jRows = Array.from({ length: ncv }, (_, q) => q).filter((q) => fs.has(`xj${q}`));
    const iRows = Array.from({ length: ncv }, (_, q) => q).filter((q) => fs.has(`xi${q}`));
    const row = (q: number) => q * R * M + m;
    const xiReads = iRows.map((q) => `const xi${q} = HX[si + ${row(q)} + i * M];`).join(' ');
    const preProg: Assign[] = [{ name: 't', expr: g.pre }];
    const postProg: Assign[] = [{ name: 'cv', expr: post }];
    const links = `for (let k = lnkPtr[i], k1 = lnkPtr[i + 1]; k < k1; k++) {
        const so = si - lnkDelay[k] * CS + lnkSrc[k] * M, w = lnkW[k];
        ${jRows.map((q) => `const xj${q} = HX[so + ${row(q)}];`).join(' ')}
        ${forwardJs(preProg, read).join(' ')}`;
    const sum = `let acc = 0;
      ${links}
        acc += w * t;
      }
      const gx = acc;
      ${forwardJs(postProg, read).join(' ')}`;
    if (!reverse) return `{ ${xiReads}
      ${sum}
      ${g.rows.map((r) => `C[ci + ${r * R * M + m} + i * M] = cv;`).join(' ')} }`;
    const postRev = reverseJs(postProg, {
      seeds: new Map([['cv', g.rows.map((r) => `CB[${r * R * M + m} + i * M]`).join(' + ')]]), read,
      inputBar: (n) => (n === 'gx' ? 'bgx' : n.startsWith('cp_') && grads.coupling.has(n.slice(3)) ? `pc_${n.slice(3)}` : undefined),
    });
    const preRev = reverseJs(preProg, {
      seeds: new Map([['t', 'bgx * w']]), read,
      inputBar: (n) => (/^x[ij]\d+$/.test(n) ? `b${n}` : n.startsWith('cp_') && grads.coupling.has(n.slice(3)) ? `pc_${n.slice(3)}` : undefined),
    });
    return `{ ${xiReads}
      ${iRows.map((q) => `let bxi${q} = 0;`).join(' ')}
      ${sum}
      let bgx = 0;
      ${postRev.join(' ')}
      if (bgx !== 0) {
      ${links}
        ${jRows.map((q) => `let bxj${q} = 0;`).join(' ')}
        ${preRev.join(' ')}
        ${jRows.map((q) => `HB[so + ${row(q)}] += bxj${q};`).join(' ')}
      }
      }
      ${iRows.map((q) => `HB[si + ${row(q)} + i * M] += bxi${q};`).join(' ')} }`;
  };
  const couplingFn = (reverse: boolean) => `/** Region coupling of step s into C at ci from the history slots (slot of step t: (t − h0)·CS). */
function coupling${reverse ? 'Rev' : ''}(s, h0, ci) {
  const si = (s - 1 - h0) * CS;
  for (let i = 0; i < R; i++) {
    ${cpHoist}
    ${reverse ? [...grads.coupling].map((p) => `let pc_${p} = 0;`).join(' ') : ''}
    ${groups.flatMap((g) => Array.from({ length: M }, (_, m) => genGroup(g, m, reverse))).join('\n    ')}
    ${reverse ? [...grads.coupling].map((p) => `PC_${p}[i] += pc_${p};`).join(' ') : ''}
  }
}`;
  emit(couplingFn(false));
  emit(couplingFn(true));
  emit('return { step, stepRev, historyRev, observe, observeRev, coupling, couplingRev, stimAt };');
  return { source: L.join('\n'), SS, CS, nvoi, nLc };
}
