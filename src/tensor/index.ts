export { TensorSimulator } from './engine.js';
export type { TensorEngineOptions, TensorMonitorOutput, TensorRunResult, TensorParam } from './engine.js';
export { compileTensorExpr, ScalarPool } from './expr.js';
export type { CompiledTensorExpr, TensorSymbol } from './expr.js';
export { DelayRing, stopGradient, vjp, customOp, memoryProbe } from './ops.js';
export { createTensorMonitor } from './monitors.js';
export type { TensorMonitor, TensorMonitorContext } from './monitors.js';
export { gradcheck, tensorLoss, finiteDifference } from './gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
