/** The commented example that `vbt experiment init` prints: runs as printed on the built-in connectome. */
export const EXAMPLE_EXPERIMENT = `# A vbt SimulationExperiment (keys follow tvbo's). Run it with:  vbt run experiment.yaml --out result.nc
id: jr_example
label: Jansen-Rit alpha rhythm on the built-in connectome
description: >
  Jansen-Rit neural masses coupled through vbt's synthetic 20-node connectome, with a
  1 ms temporal average, an EEG projection, the FC of the average, and a small sweep of
  the global coupling against the spread of alpha peak frequencies.

model:                          # also: local_dynamics / dynamics
  name: JansenRit               # a catalogue name (vbt models) or a path to a model YAML
  parameters:
    mu: 0.22                    # a number, one value per node, or tvbo's {value: 0.22}

network:                        # also: connectivity
  source: builtin               # builtin | dk_average | a TVB ZIP/H5 | a tvbo Network YAML | an .npz
  conduction_speed: 3.0         # mm/ms

coupling:
  name: SigmoidalJansenRit
  parameters: {a: 10.0}

integration:
  method: Heun                  # Euler | Heun | RK4
  step_size: 0.5                # ms (tvbo: step_size; also dt)
  duration: 2000                # ms recorded
  transient_time: 500           # ms simulated first and discarded
  noise: {nsig: 1.0e-6}         # TVB's D (or sigma, with nsig = sigma^2/2); seed from execution.random_seed

observations:                   # also: monitors
  tavg: {monitor: TemporalAverage, period: 2}
  eeg: {monitor: EEG, period: 2, sensors: "builtin:32", reference: average}
  fc: {source: tavg, function: fc, arguments: {skip: 100}}
  peak: {source: tavg, function: peak_frequency, arguments: {skip: 100}}

explorations:
  coupling_sweep:
    parameters:
      - {name: coupling.a, domain: {lo: 1.0, hi: 20.0, n: 4}}
    observable: peak              # scalar observations (their 'value') evaluated per point

execution:
  random_seed: 42
`;
