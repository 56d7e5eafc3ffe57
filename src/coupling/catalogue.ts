/**
 * Long-range couplings as declarative data, with TVB's parameters and semantics.
 *
 * A coupling computes, for each target node i and each coupling row (one per model `cvar`):
 *   c_i = post( Σ_j w_ij · pre(x_i, x_j) )
 * where x_j is the delayed value of source j (step s−1−d_ij) and x_i the target's own latest stored
 * value. In `pre`, `x_j`/`x_i` are the values of the row being computed; `x_j_0`, `x_j_1`, … name
 * specific rows (for multi-variable couplings such as Jansen–Rit's y1 − y2). In `post`, `gx` is the
 * weighted sum. With `rows: shared` one value is computed and returned in every row (TVB's
 * SigmoidalJansenRit). `links` selects TVB's unusual PreSigmoidal gathering (see README of the
 * reference data); everything else uses ordinary afferent links.
 */
import type { ParameterSpec } from '../models/spec.js';

export interface CouplingSpec {
  name: string;
  description: string;
  parameters: Record<string, ParameterSpec>;
  pre: string;
  post: string;
  rows?: 'each' | 'shared';
  links?: 'afferent' | 'tvb-presigmoidal';
  /** Extra expression for PreSigmoidal's second row (dynamic threshold). */
  notes?: string;
}

const p = (d: number, description: string, range?: [number, number]): ParameterSpec => ({ default: d, description, ...(range ? { range } : {}) });

export const COUPLINGS: Record<string, CouplingSpec> = {
  Linear: {
    name: 'Linear',
    description: 'Weighted sum of delayed activity, rescaled and shifted: c = a·Σ w x_j + b.',
    parameters: {
      a: p(0.00390625, 'Rescales the summed input (global coupling strength G).', [0, 1]),
      b: p(0.0, 'Shifts the rescaled input.', [-1, 1]),
    },
    pre: 'x_j',
    post: 'a * gx + b',
  },
  Scaling: {
    name: 'Scaling',
    description: 'Weighted sum of delayed activity times a: c = a·Σ w x_j.',
    parameters: { a: p(0.00390625, 'Rescales the summed input.', [0, 1]) },
    pre: 'x_j',
    post: 'a * gx',
  },
  Difference: {
    name: 'Difference',
    description: 'Diffusive coupling: c_i = a·Σ_j w_ij (x_j − x_i).',
    parameters: { a: p(0.1, 'Rescales the summed differences.', [0, 10]) },
    pre: 'x_j - x_i',
    post: 'a * gx',
  },
  Kuramoto: {
    name: 'Kuramoto',
    description:
      'Phase coupling: c_i = a·Σ_j w_ij sin(x_j − x_i). TVB divides by the number of coupling variables (1), not by the number of nodes; so does vbt, so that G has the same meaning.',
    parameters: { a: p(1.0, 'Rescales the summed phase differences.', [0, 1]) },
    pre: 'sin(x_j - x_i)',
    post: 'a * gx',
  },
  HyperbolicTangent: {
    name: 'HyperbolicTangent',
    description: 'Each delayed input passes through a tanh before the weighted sum: c = Σ w·a(1 + tanh((b x_j − midpoint)/σ)).',
    parameters: {
      a: p(1.0, 'Amplitude of the per-link tanh.', [-1000, 1000]),
      b: p(1.0, 'Gain applied to the input before the tanh.', [-1000, 1000]),
      midpoint: p(0.0, 'Midpoint of the tanh.', [-1000, 1000]),
      sigma: p(1.0, 'Width of the tanh.', [0.01, 1000]),
    },
    pre: 'a * (1 + tanh((b * x_j - midpoint) / sigma))',
    post: 'gx',
  },
  Sigmoidal: {
    name: 'Sigmoidal',
    description: 'A sigmoid of the weighted sum: c = cmin + (cmax − cmin)/(1 + exp(−a((Σ w x_j − midpoint)/σ))).',
    parameters: {
      cmin: p(-1.0, 'Lower asymptote.', [-1000, 1000]),
      cmax: p(1.0, 'Upper asymptote.', [-1000, 1000]),
      midpoint: p(0.0, 'Input at which the sigmoid is half way.', [-1000, 1000]),
      a: p(1.0, 'Steepness (π/√3 makes it the logistic approximation of an erf).', [0.01, 1000]),
      sigma: p(230.0, 'Width of the sigmoid.', [0.01, 1000]),
    },
    pre: 'x_j',
    post: 'cmin + (cmax - cmin) / (1.0 + exp(-a * ((gx - midpoint) / sigma)))',
  },
  SigmoidalJansenRit: {
    name: 'SigmoidalJansenRit',
    description:
      "Jansen–Rit's firing-rate sigmoid of each source's pyramidal potential (y1 − y2), weighted and summed: c = a·Σ w (cmin + (cmax − cmin)/(1 + exp(r(midpoint − (y1_j − y2_j))))). The same value is delivered in every coupling row.",
    parameters: {
      cmin: p(0.0, 'Minimum firing rate.', [-1000, 1000]),
      cmax: p(0.005, 'Maximum firing rate (2·nu_max).', [-1000, 1000]),
      midpoint: p(6.0, 'Potential at half-maximal firing (v0).', [-1000, 1000]),
      r: p(0.56, 'Steepness of the sigmoid.', [-1000, 1000]),
      a: p(1.0, 'Global coupling scale.', [-1000, 1000]),
    },
    pre: 'cmin + (cmax - cmin) / (1.0 + exp(r * (midpoint - (x_j_0 - x_j_1))))',
    post: 'a * gx',
    rows: 'shared',
  },
  PreSigmoidal: {
    name: 'PreSigmoidal',
    description:
      "TVB's PreSigmoidal coupling for the Hopfield model: A = H(Q + tanh(G(P·x − θ))) per link. With dynamic = 1 (threshold from the second coupling variable) row 0 is Σ_i w_ik A_ik and row 1 is the node's own output A_kk; with dynamic = 0 each row is Σ_i w_ki H(Q + tanh(G(P x_k − θ))). vbt reproduces TVB's gathering exactly, including its use of the target's own delayed values (see the reference README).",
    parameters: {
      H: p(0.5, 'Global factor.', [-100, 100]),
      Q: p(1.0, 'Average.', [-100, 100]),
      G: p(60.0, 'Gain.', [-1000, 1000]),
      P: p(1.0, 'Excitation-inhibition ratio.', [-100, 100]),
      theta: p(0.5, 'Static threshold (used when dynamic = 0).', [-100, 100]),
      dynamic: { default: 1, type: 'bool', description: 'Use the dynamic threshold from the second coupling variable.' },
      globalT: { default: 0, type: 'bool', description: 'Global threshold (only 0 is supported).' },
    },
    pre: 'H * (Q + tanh(G * (P * x_j - theta)))',
    post: 'gx',
    links: 'tvb-presigmoidal',
  },
};

/** Look up a coupling by name (case-insensitive); unknown names list the valid ones. */
export function getCoupling(name: string | CouplingSpec): CouplingSpec {
  if (typeof name !== 'string') return name;
  const key = Object.keys(COUPLINGS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new Error(`unknown coupling '${name}'; expected one of: ${Object.keys(COUPLINGS).join(', ')}`);
  return COUPLINGS[key];
}

export function listCouplings(): string[] {
  return Object.keys(COUPLINGS);
}
