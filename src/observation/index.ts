/**
 * Observation models: how simulated neural activity becomes measurable signals (fMRI BOLD, M/EEG).
 */
export * from './hrf.js';
export * from './bold.js';
export * from './balloon.js';
export * from './tensor.js';
export * from './sensors.js';
export * from './gain.js';
export * from './projection.js';
export * from './surface-gain.js';
