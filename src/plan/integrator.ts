/**
 * Integrators as Butcher tableaux, and the stepping rule every back end emits from them.
 *
 * Coefficients are kept as integer weights over a divisor (RK4's b = [1, 2, 2, 1] / 6) so that the
 * emitted arithmetic is `x + (dt/6)·(k1 + 2k2 + 2k3 + k4)`, the rounding TVB's and vbt's kernels have
 * always had. TVB's conventions ride on the tableau: the coupling is frozen through the stages;
 * every stage input and the result are clamped into the state boundaries; Heun's predictor
 * carries the noise increment and the stimulus as its result does, RK4's intermediate stages
 * carry neither.
 */

/** One row of a tableau: Σ_l weights[l]·k_l / divisor. */
export interface TableauRow { weights: number[]; divisor: number }

export interface ButcherTableau {
  name: IntegratorName;
  /** a[j] for stages j = 1 … s−1 (stage 0 reads the step's start state). */
  a: TableauRow[];
  b: TableauRow;
  /** c[j]: the time fraction of stage j (no model reads time yet; kept for the adjoint and stimuli). */
  c: number[];
  /** Whether stage inputs carry the step's noise increment and stimulus (TVB's Heun: yes; RK4: no). */
  stagesCarryForcing: boolean;
}

export type IntegratorName = 'Euler' | 'Heun' | 'RK4';
/** The lower-case scheme names the kernel plan has always used. */
export type IntegratorScheme = 'euler' | 'heun' | 'rk4';

export const TABLEAUX: Record<IntegratorName, ButcherTableau> = {
  Euler: { name: 'Euler', a: [], b: { weights: [1], divisor: 1 }, c: [0], stagesCarryForcing: true },
  Heun: { name: 'Heun', a: [{ weights: [1], divisor: 1 }], b: { weights: [1, 1], divisor: 2 }, c: [0, 1], stagesCarryForcing: true },
  RK4: {
    name: 'RK4',
    a: [{ weights: [1], divisor: 2 }, { weights: [0, 1], divisor: 2 }, { weights: [0, 0, 1], divisor: 1 }],
    b: { weights: [1, 2, 2, 1], divisor: 6 },
    c: [0, 0.5, 0.5, 1],
    stagesCarryForcing: false,
  },
};

/**
 * One linear combination of the stepping rule:
 *   clamp( x + factor·(Σ weight·k_stage [+ stim]) [+ dt·stim] [+ noise] )
 * `stimulus: 'inside'` adds the stimulus inside the bracket (single-derivative rules, factor = dt),
 * `'after'` as dt·stim after it, `'none'` not at all.
 */
export interface Combination {
  factor: number;
  terms: { stage: number; weight: number }[];
  stimulus: 'inside' | 'after' | 'none';
  noise: boolean;
}

export interface IntegratorPlan {
  name: IntegratorName;
  scheme: IntegratorScheme;
  tableau: ButcherTableau;
  dt: number;
  /** stages[j − 1] is the (clamped) state at which stage j ≥ 1 evaluates the derivative. */
  stages: Combination[];
  /** The new state. */
  result: Combination;
}

const ALIASES: Record<string, IntegratorName> = {
  euler: 'Euler', eulerdeterministic: 'Euler', eulerstochastic: 'Euler',
  heun: 'Heun', heundeterministic: 'Heun', heunstochastic: 'Heun',
  rk4: 'RK4', rungekutta4thorderdeterministic: 'RK4',
};

/** An integrator name (TVB's class names included, any case) → its tableau name, or a clear error. */
export function integratorName(name: string | undefined): IntegratorName {
  const n = ALIASES[(name ?? 'Heun').toLowerCase()];
  if (!n) throw new Error(`integrator.name: unknown integrator '${name}'; expected one of: ${Object.keys(TABLEAUX).join(', ')}`);
  return n;
}

function combination(row: TableauRow, dt: number, forcing: boolean): Combination {
  const terms = row.weights.map((weight, stage) => ({ stage, weight })).filter((t) => t.weight !== 0);
  const factor = row.divisor === 1 ? dt : dt / row.divisor;
  const single = terms.length === 1 && terms[0].weight === 1 && row.divisor === 1;
  return { factor, terms, stimulus: forcing ? (single ? 'inside' : 'after') : 'none', noise: forcing };
}

/** The stepping rule of a tableau at step dt. */
export function planIntegrator(name: string | undefined, dt: number): IntegratorPlan {
  const n = integratorName(name);
  const tableau = TABLEAUX[n];
  return {
    name: n,
    scheme: n.toLowerCase() as IntegratorScheme,
    tableau,
    dt,
    stages: tableau.a.map((row) => combination(row, dt, tableau.stagesCarryForcing)),
    result: combination(tableau.b, dt, true),
  };
}
