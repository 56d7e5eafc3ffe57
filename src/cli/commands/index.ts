/**
 * Subcommands that live in their own modules. Each module exports `register(program)`; add one
 * line here per module so `vbt --help` lists it. Keeping them apart lets each feature own its CLI.
 */
import type { Command } from 'commander';
import { register as registerIo } from './io.js';
import { register as registerPlot } from './plot.js';
import { register as registerSpikes } from './spikes.js';
import { register as registerTensor } from './tensor.js';
import { register as registerAlgorithms } from './algorithms.js';
import { register as registerObserve } from './observe.js';
import { register as registerEibGradient } from './eib-gradient.js';
import { register as registerDistributed } from './distributed.js';
import { register as registerExperiment } from './experiment.js';

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerObserve,
  registerTensor,
  registerIo,
  registerSpikes,
  registerPlot,
  registerAlgorithms,
  registerEibGradient,
  registerDistributed,
  registerExperiment,
];
