/** TVB's temporal equations (stimulus time courses and HRF kernels) as declarative data. */
export type { EquationSpec, EquationParameter, TimeUnit } from './spec.js';
export { EQUATIONS } from './catalogue.js';
export {
  listEquations,
  getEquation,
  resolveParameters,
  equationSource,
  compileEquation,
  evaluateEquation,
  normalizeToMax,
} from './compile.js';
export type { EquationOverrides, CompileOptions } from './compile.js';
