/** numpy-compatible seeded randomness (legacy RandomState / MT19937). */
export { RandomState } from './random-state.js';
export type { RandomStateSnapshot } from './random-state.js';
export { MT_N, seedKey, twist, temper } from './mt19937.js';
export { logCR } from './exact-log.js';
