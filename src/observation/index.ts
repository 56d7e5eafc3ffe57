/**
 * Observation models: how simulated neural activity becomes what a monitor records (sub-sampled or
 * averaged activity, fMRI BOLD, M/EEG). One folder per model, each with its spec, its float64
 * reference where it has one, its kernel-engine emitter and its tensor form; `registry.ts` is the
 * one list of monitors.
 */
export * from './registry.js';
export { istepOf, type MonitorContext, type MonitorEmit } from './kernel.js';
export type { TensorMonitor, TensorMonitorContext } from './tensor-monitor.js';
export type { AdjointMonitor, MonitorGeometry } from './adjoint-monitor.js';
export * from './bold/hrf.js';
export * from './bold/reference.js';
export * from './bold/tensor.js';
export * from './balloon/reference.js';
export * from './balloon/tensor.js';
export * from './sensors/sensors.js';
export * from './sensors/gain.js';
export * from './sensors/projection.js';
export * from './sensors/tensor.js';
export * from './sensors/surface-gain.js';
