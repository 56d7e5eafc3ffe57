/** Stimuli applied to the network during a simulation. */
export { RegionStimulus } from './region.js';
export type { RegionStimulusSpec, RegionStimulusOptions } from './region.js';
