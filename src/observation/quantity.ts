/**
 * What a monitor's samples measure, so the file and the figure label them alike. Most monitors record
 * the model's state variables in their own units; the BOLD monitors record a haemodynamic signal
 * (TVB's k₁V₀(…) forms: a dimensionless, per-cent-signal-change-like quantity) whatever variable
 * drives them, sampled every TR of seconds.
 */

/** Monitors whose samples are a BOLD signal. */
export const BOLD_MONITORS: readonly string[] = ['Bold', 'BalloonWindkessel', 'BoldRegionROI'];

/** Unit of a BOLD sample: dimensionless, in arbitrary units like TVB's. */
export const BOLD_UNIT = 'a.u.';

export function isBoldMonitor(monitor: string): boolean {
  return BOLD_MONITORS.includes(monitor);
}

/** Unit of one recorded variable: BOLD_UNIT for BOLD monitors, else the state variable's unit (a.u. when none). */
export function monitorVariableUnit(monitor: string, stateUnit: string | undefined): string {
  return isBoldMonitor(monitor) ? BOLD_UNIT : stateUnit ?? 'a.u.';
}

/**
 * What the values of `variable` are, for an axis title: "BOLD" (or "BOLD of S" when the monitor reads
 * several variables) for BOLD monitors, else the variable's own name.
 */
export function monitorQuantity(monitor: string, variable: string, nVariables: number): string {
  if (!isBoldMonitor(monitor)) return variable;
  return nVariables > 1 ? `BOLD of ${variable}` : 'BOLD';
}

/** Unit figures show a monitor's time in: seconds for BOLD (TRs of 0.5–3 s), else ms, the engines' unit. */
export function monitorDisplayTimeUnit(monitor: string): 'ms' | 's' {
  return isBoldMonitor(monitor) ? 's' : 'ms';
}
