/**
 * Float64 optimisers (`{ init, update }` on a flat Float64Array) and learning-rate schedules, shared by every float64
 * fitter (the linearised and BOLD RWW fits, the E/I gradient fit) and by `fit` when it is given one.
 */
export {
  adam, adamW, adamax, adamaxW, sgd, rmsprop, applyUpdates,
  type Optimizer, type OptimizerState, type AdamOptions, type WeightDecayOptions, type SgdOptions,
  type RmsPropOptions, type AdamState, type AdaMaxState, type SgdState, type RmsPropState,
} from './optimizers.js';
export { schedules, type Schedule } from './schedules.js';
