/**
 * Temporal equations as data: a formula in vbt's expression language of the one variable `t`, plus
 * named parameters with TVB's defaults. Kept declarative so they can be listed, documented, serialised
 * next to a simulation config, and compiled by any engine that understands the expression language.
 */

export type TimeUnit = 'ms' | 's';

export interface EquationParameter {
  /** TVB's default value. */
  default: number;
  /** What the parameter means, with its unit where it has one. */
  doc: string;
}

export interface EquationSpec {
  /** TVB's class name (tvb.datatypes.equations). */
  name: string;
  /** Expression of `t` and the parameters (and derived values). */
  expression: string;
  /**
   * Unit of `t`. Stimulus equations get the simulation time in ms; TVB's Bold monitor evaluates its
   * HRF kernels on a time axis in seconds, so their time constants are in seconds too.
   */
  timeUnit: TimeUnit;
  /** 'temporal': usable as a stimulus time course; 'hrf': a haemodynamic response kernel. */
  kind: 'temporal' | 'hrf';
  parameters: Record<string, EquationParameter>;
  /**
   * Values TVB computes from the parameters before evaluating (its expression engine lacked the
   * function), each an expression of the parameters. TVB overwrites whatever the caller passed for
   * them, so overrides of these names are accepted and ignored.
   */
  derived?: Record<string, string>;
  /**
   * TVB rescales some kernels over the evaluation grid: y ← (y / max(y)) · amplitude, where max is
   * taken over the evaluated samples. A pointwise function cannot do this; see evaluateEquation.
   */
  normalize?: { amplitude: string };
  /** One or two sentences on what the curve is for. */
  description: string;
}
