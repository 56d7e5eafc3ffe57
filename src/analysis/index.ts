/**
 * Analysis of simulated and empirical time series: functional connectivity, its dynamics, spectra,
 * and the losses used to fit models to data. Pure float64 functions on [T, N] series.
 */
export * from './series.js';
export * from './fc.js';
export * from './losses.js';
export * from './fft.js';
export * from './spectra.js';
export * from './fcd.js';
export * from './distances.js';
export * from './summary.js';
export * from './tensor.js';
export * from './tf-gradients.js';
export * from './decomposition.js';
export * from './cross-spectra.js';
export * from './correlation.js';
export * from './wavelet.js';
