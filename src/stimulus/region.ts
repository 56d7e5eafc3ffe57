/**
 * Region-level stimulus, as TVB's StimuliRegion: a fixed spatial weight per node times one temporal
 * equation, stimulus(node, t) = weights[node] · f(t), added to the model's stimulated state variables.
 *
 * Time convention (TVB's simulator): the stimulus is sampled on the grid k·dt, k = 0, 1, … counted from
 * the start of the run, and the k-th integration step of the run uses sample k — so the first step sees
 * f(0). Pass t = k·dt (computed as a product, not accumulated) to reproduce TVB's samples exactly.
 */
import { compileEquation, getEquation, listEquations } from '../equations/index.js';
import type { EquationSpec } from '../equations/index.js';

export interface RegionStimulusSpec {
  /** One weight per node (region); 0 leaves a node unstimulated. */
  weights: Float64Array | readonly number[];
  temporal: {
    /** A catalogued stimulus equation's name (e.g. 'PulseTrain') or a spec of one. */
    equation: string | EquationSpec;
    /** Parameter values overriding the equation's defaults. */
    parameters?: Record<string, number>;
  };
  /**
   * State variables the stimulus is added to. Omitted: the model's default stimulated variables
   * (TVB's `model.stvar`), which the simulator resolves since this module does not know the model.
   */
  variables?: string[];
}

export interface RegionStimulusOptions {
  /** Expected number of nodes: weights must have exactly this many entries. */
  nodes?: number;
  /** The model's state variables, to check `variables` against. */
  stateVariables?: readonly string[];
}

export class RegionStimulus {
  readonly weights: Float64Array;
  readonly equation: EquationSpec;
  readonly parameters: Record<string, number>;
  readonly variables: string[] | undefined;
  /** The temporal factor f(t), t in ms from the start of the run. */
  readonly temporal: (t: number) => number;

  constructor(spec: RegionStimulusSpec, options: RegionStimulusOptions = {}) {
    this.weights = checkWeights(spec?.weights, options.nodes);
    if (!spec.temporal || typeof spec.temporal !== 'object') {
      throw new Error('stimulus.temporal: expected { equation, parameters? }');
    }
    this.equation = resolveEquation(spec.temporal.equation);
    this.parameters = { ...(spec.temporal.parameters ?? {}) };
    try {
      this.temporal = compileEquation(this.equation, this.parameters);
    } catch (e) {
      throw new Error(`stimulus.temporal.parameters: ${(e as Error).message}`);
    }
    this.variables = checkVariables(spec.variables, options.stateVariables);
  }

  /** Number of nodes the stimulus covers. */
  get nodes(): number {
    return this.weights.length;
  }

  /** Fill `out` (one entry per node) with the stimulus at time t (ms from the start of the run). */
  valueAt(t: number, out: Float64Array): Float64Array {
    const w = this.weights;
    if (out.length !== w.length) {
      throw new Error(`RegionStimulus.valueAt: out must have length ${w.length} (one per node), got ${out.length}`);
    }
    const f = this.temporal(t);
    for (let i = 0; i < w.length; i++) out[i] = w[i] * f;
    return out;
  }
}

function checkWeights(weights: unknown, nodes: number | undefined): Float64Array {
  if (!(weights instanceof Float64Array) && !Array.isArray(weights)) {
    throw new Error(`stimulus.weights: expected an array of numbers (one per node)${nodes !== undefined ? ` of length ${nodes}` : ''}`);
  }
  if (nodes !== undefined && weights.length !== nodes) {
    throw new Error(`stimulus.weights: expected length ${nodes} (one per node), got ${weights.length}`);
  }
  const w = Float64Array.from(weights as ArrayLike<number>);
  for (let i = 0; i < w.length; i++) {
    const v = (weights as ArrayLike<unknown>)[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`stimulus.weights[${i}]: expected a finite number, got ${JSON.stringify(v)}`);
    }
  }
  return w;
}

function resolveEquation(eq: string | EquationSpec): EquationSpec {
  let spec: EquationSpec;
  if (typeof eq === 'string') {
    try {
      spec = getEquation(eq);
    } catch (e) {
      throw new Error(`stimulus.temporal.equation: ${(e as Error).message}`);
    }
  } else if (eq && typeof eq === 'object' && typeof eq.expression === 'string') {
    spec = eq;
  } else {
    throw new Error('stimulus.temporal.equation: expected an equation name or an equation spec');
  }
  if (spec.kind !== 'temporal' || spec.timeUnit !== 'ms') {
    const ok = listEquations().filter((n) => getEquation(n).kind === 'temporal');
    throw new Error(
      `stimulus.temporal.equation: '${spec.name}' is a haemodynamic kernel (t in ${spec.timeUnit}), not a stimulus time course; expected one of: ${ok.join(', ')}`,
    );
  }
  return spec;
}

function checkVariables(vars: unknown, stateVariables: readonly string[] | undefined): string[] | undefined {
  if (vars === undefined) return undefined;
  if (!Array.isArray(vars) || vars.length === 0 || !vars.every((v) => typeof v === 'string')) {
    throw new Error('stimulus.variables: expected a non-empty array of state-variable names');
  }
  if (new Set(vars).size !== vars.length) throw new Error(`stimulus.variables: duplicate names in ${JSON.stringify(vars)}`);
  if (stateVariables) {
    for (const v of vars) {
      if (!stateVariables.includes(v)) {
        throw new Error(`stimulus.variables: unknown state variable '${v}'; expected one of: ${stateVariables.join(', ')}`);
      }
    }
  }
  return [...vars];
}
