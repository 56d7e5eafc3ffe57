export { AdjointSimulator, type AdjointOptions, type AdjointForward, type AdjointOutput } from './run.js';
export { ADJOINT_MONITORS } from '../../observation/registry.js';
export { AdjointRunOp, ADJOINT_RUN_KERNEL } from './tfjs-op.js';
export { richardsonDerivative, type FdEstimate } from './fd.js';
