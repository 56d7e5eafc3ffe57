export { AdjointSimulator, type AdjointOptions, type AdjointForward, type AdjointOutput } from './run.js';
export { ADJOINT_MONITORS } from './monitors.js';
