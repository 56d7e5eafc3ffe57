/** Balloon–Windkessel constants (times in s). */
export interface BalloonParameters {
  /** Signal decay time (s). */
  tau_s: number;
  /** Autoregulatory feedback time (s). */
  tau_f: number;
  /** Mean transit time (s). */
  tau_o: number;
  /** Grubb's stiffness exponent. */
  alpha: number;
  /** Resting oxygen extraction fraction. */
  E0: number;
  /** Resting blood volume fraction. */
  V0: number;
  k1: number;
  k2: number;
  k3: number;
}

/** Balloon–Windkessel BOLD: the haemodynamic ODE driven by the observation (meant in Hz), sampled every TR. */
export interface BalloonMonitorSpec {
  name: 'BalloonWindkessel';
  /** Sampling period (TR) in ms; default 2000. */
  period?: number;
  voi?: number[];
  /** Balloon Euler step in ms (default 1); a whole multiple or divisor of dt. */
  dtBw?: number;
  parameters?: Partial<BalloonParameters>;
}
