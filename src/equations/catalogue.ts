/**
 * TVB 2.11's temporal equations (tvb/datatypes/equations.py) in vbt's expression language.
 * Formulas, parameter names and defaults follow TVB so that a TVB stimulus or Bold configuration
 * carries over unchanged; operation order follows TVB's strings too, so results agree to rounding.
 * TVB's variable `var` is `t` here.
 */
import type { EquationSpec } from './spec.js';

/** π/√3: scales a logistic so that `sigma` is the standard deviation of its derivative's bell. */
const LOGISTIC_SCALE = '1.8137993642342178';

export const EQUATIONS: Record<string, EquationSpec> = {
  Linear: {
    name: 'Linear',
    expression: 'a * t + b',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      a: { default: 1.0, doc: 'slope (per ms)' },
      b: { default: 0.0, doc: 'value at t = 0' },
    },
    description: 'A ramp: grows (or decays) at a constant rate from an initial value.',
  },

  Gaussian: {
    name: 'Gaussian',
    expression: 'amp * exp(-((t - midpoint)^2 / (2.0 * sigma^2))) + offset',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      amp: { default: 1.0, doc: 'peak height above the offset' },
      sigma: { default: 1.0, doc: 'width (standard deviation, ms)' },
      midpoint: { default: 0.0, doc: 'time of the peak (ms)' },
      offset: { default: 0.0, doc: 'baseline added everywhere' },
    },
    description: 'A single bell-shaped bump centred on `midpoint`, on top of a constant baseline.',
  },

  DoubleGaussian: {
    name: 'DoubleGaussian',
    expression:
      'amp_1 * exp(-((t - midpoint_1)^2 / (2.0 * sigma_1^2))) - amp_2 * exp(-((t - midpoint_2)^2 / (2.0 * sigma_2^2)))',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      amp_1: { default: 0.5, doc: 'height of the first (positive) bell' },
      sigma_1: { default: 20.0, doc: 'width of the first bell (ms)' },
      midpoint_1: { default: 0.0, doc: 'centre of the first bell (ms)' },
      amp_2: { default: 1.0, doc: 'height of the subtracted bell' },
      sigma_2: { default: 10.0, doc: 'width of the subtracted bell (ms)' },
      midpoint_2: { default: 0.0, doc: 'centre of the subtracted bell (ms)' },
    },
    description:
      'Difference of two bells ("Mexican hat" when the narrow one is subtracted from the wide one): a dip flanked by shoulders, or the reverse.',
  },

  Sigmoid: {
    name: 'Sigmoid',
    expression: `amp / (1.0 + exp(-${LOGISTIC_SCALE} * (radius - t) / sigma)) + offset`,
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      amp: { default: 1.0, doc: 'height of the plateau above the offset' },
      radius: { default: 5.0, doc: 'time of the half-way point (ms)' },
      sigma: { default: 1.0, doc: 'steepness: width of the transition (ms)' },
      offset: { default: 0.0, doc: 'baseline added everywhere' },
    },
    description: 'A smooth step down: on at `amp + offset` early, falling to `offset` around `radius`.',
  },

  GeneralizedSigmoid: {
    name: 'GeneralizedSigmoid',
    expression: `low + (high - low) / (1.0 + exp(-${LOGISTIC_SCALE} * (t - midpoint) / sigma))`,
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      low: { default: 0.0, doc: 'level long before the midpoint' },
      high: { default: 1.0, doc: 'level long after the midpoint' },
      midpoint: { default: 1.0, doc: 'time of the half-way point (ms)' },
      sigma: { default: 0.3, doc: 'steepness: width of the transition (ms)' },
    },
    description: 'A smooth step up from `low` to `high`, centred on `midpoint`.',
  },

  Sinusoid: {
    name: 'Sinusoid',
    expression: 'amp * sin(6.283185307179586 * frequency * t)',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      amp: { default: 1.0, doc: 'amplitude' },
      frequency: { default: 0.01, doc: 'cycles per ms (0.01 = 10 Hz)' },
    },
    description: 'A sine wave starting at zero at t = 0.',
  },

  Cosine: {
    name: 'Cosine',
    expression: 'amp * cos(6.283185307179586 * frequency * t)',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      amp: { default: 1.0, doc: 'amplitude' },
      frequency: { default: 0.01, doc: 'cycles per ms (0.01 = 10 Hz)' },
    },
    description: 'A cosine wave, at its maximum at t = 0.',
  },

  Alpha: {
    name: 'Alpha',
    expression:
      'where(t - onset > 0, alpha * beta / (beta - alpha) * (exp(-alpha * (t - onset)) - exp(-beta * (t - onset))), 0.0 * t)',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      onset: { default: 0.5, doc: 'start time (ms); zero before it' },
      alpha: { default: 13.0, doc: 'slower rate (per ms): sets the decay' },
      beta: { default: 42.0, doc: 'faster rate (per ms): sets the rise' },
    },
    description:
      'A transient that switches on at `onset`, rises quickly and decays slowly: the difference of two exponentials, like a synaptic current.',
  },

  PulseTrain: {
    name: 'PulseTrain',
    expression: 'where(t > onset && mod(t - onset, T) < tau, amp, 0)',
    timeUnit: 'ms',
    kind: 'temporal',
    parameters: {
      T: { default: 42.0, doc: 'period between pulse starts (ms)' },
      tau: { default: 13.0, doc: 'duration of each pulse (ms)' },
      amp: { default: 1.0, doc: 'height of the pulses' },
      onset: { default: 30.0, doc: 'start of the first pulse (ms); zero up to and including it' },
    },
    description: 'Rectangular pulses of height `amp`, `tau` long, repeating every `T` after `onset`.',
  },

  FirstOrderVolterra: {
    name: 'FirstOrderVolterra',
    expression:
      '1 / 3.0 * exp(-0.5 * (t / tau_s)) * sin(sqrt(1.0 / tau_f - 1.0 / (4.0 * tau_s^2)) * t) / sqrt(1.0 / tau_f - 1.0 / (4.0 * tau_s^2))',
    timeUnit: 's',
    kind: 'hrf',
    parameters: {
      tau_s: { default: 0.8, doc: 'decay time constant of the damped oscillation (s)' },
      tau_f: { default: 0.4, doc: 'oscillation time constant (s); needs 1/tau_f > 1/(4 tau_s^2)' },
      k_1: { default: 5.6, doc: 'first Volterra coefficient: not used by the kernel, scales the Bold output (k_1·V_0)' },
      V_0: { default: 0.02, doc: 'resting blood volume fraction: not used by the kernel, scales the Bold output' },
    },
    description:
      "The first-order Volterra kernel of the Balloon–Windkessel haemodynamics (Friston 2000): a damped oscillation. TVB's default Bold kernel; t in seconds.",
  },

  Gamma: {
    name: 'Gamma',
    expression: '(t / tau)^(n - 1) * exp(-(t / tau)) / (tau * factorial)',
    timeUnit: 's',
    kind: 'hrf',
    parameters: {
      tau: { default: 1.08, doc: 'time constant (s)' },
      n: { default: 3.0, doc: 'shape: the peak is at (n - 1)·tau' },
      a: { default: 0.1, doc: 'height of the kernel after normalisation to its maximum' },
    },
    derived: { factorial: 'factorial(n - 1)' },
    normalize: { amplitude: 'a' },
    description:
      'A gamma-shaped HRF (Boynton et al. 1996), scaled so its largest sampled value is `a`; t in seconds.',
  },

  DoubleExponential: {
    name: 'DoubleExponential',
    expression: 'amp_1 * exp(-t / tau_1) * sin(2.0 * pi * f_1 * t) - amp_2 * exp(-t / tau_2) * sin(2.0 * pi * f_2 * t)',
    timeUnit: 's',
    kind: 'hrf',
    parameters: {
      tau_1: { default: 7.22, doc: 'decay time of the first damped sine (s)' },
      f_1: { default: 0.03, doc: 'frequency of the first sine (Hz)' },
      amp_1: { default: 0.1, doc: 'amplitude of the first damped sine' },
      tau_2: { default: 7.4, doc: 'decay time of the second damped sine (s)' },
      f_2: { default: 0.12, doc: 'frequency of the second sine (Hz)' },
      amp_2: { default: 0.1, doc: 'amplitude of the second damped sine' },
      a: { default: 0.1, doc: 'height of the kernel after normalisation to its maximum' },
      pi: { default: Math.PI, doc: 'π (TVB lists it among the parameters)' },
    },
    normalize: { amplitude: 'a' },
    description:
      'Difference of two exponentially damped sines (Polonsky et al. 2000), scaled so its largest sampled value is `a`; t in seconds.',
  },

  MixtureOfGammas: {
    name: 'MixtureOfGammas',
    expression: '(l * t)^(a_1 - 1) * exp(-l * t) / gamma_a_1 - c * (l * t)^(a_2 - 1) * exp(-l * t) / gamma_a_2',
    timeUnit: 's',
    kind: 'hrf',
    parameters: {
      a_1: { default: 6.0, doc: 'shape of the main (positive) gamma density' },
      a_2: { default: 13.0, doc: 'shape of the later (undershoot) gamma density' },
      l: { default: 1.0, doc: 'rate λ (per s) of both densities' },
      c: { default: 0.4, doc: 'relative size of the undershoot' },
    },
    derived: { gamma_a_1: 'gamma(a_1)', gamma_a_2: 'gamma(a_2)' },
    description:
      'An SPM-like HRF (after Glover 1999): a gamma density minus a smaller, later one that gives the post-stimulus undershoot; t in seconds.',
  },
};
