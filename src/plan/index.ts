/** The backend-neutral run plan: built once from a SimulationConfig, lowered by every back end. */
export { prepareRun, prepareRun as buildRunPlan, projectionLinkWeights, type PreparedRun } from './build.js';
export type { RunPlan, NoisePlan, StimulusPlan, StimulusTemporal, ProjectionPlan } from './types.js';
export { TABLEAUX, planIntegrator, integratorName, type ButcherTableau, type TableauRow, type Combination, type IntegratorPlan, type IntegratorScheme } from './integrator.js';
export { classifyCoupling, couplingSymbols, type CouplingClass, type CouplingKind, type CouplingSymbols } from './coupling.js';
export { resolveSymbols, type ResolvedSymbol, type SymbolKind, type SymbolLayout } from './symbols.js';
export { stimulusTimeCourse } from './stimulus.js';
