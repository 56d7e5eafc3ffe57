/** A stimulus's temporal profile from the plan's data, for back ends that evaluate it per step. */
import { evalExpr, CONSTANTS } from '../expr/index.js';
import { compileEquation, getEquation } from '../equations/index.js';
import type { StimulusTemporal } from './types.js';

/** f(t), t in ms from the start of the run: the expression interpreted, or the catalogue equation. */
export function stimulusTimeCourse(temporal: StimulusTemporal): (t: number) => number {
  if ('equation' in temporal) return compileEquation(getEquation(temporal.equation), temporal.parameters);
  const e = temporal.expression;
  return (t: number) => evalExpr(e, (name) => (name === 't' ? t : CONSTANTS[name]));
}
