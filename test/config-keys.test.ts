/** SimulationConfig and experiment files refuse keys they do not have, naming the key and the keys it was close to. */
import { describe, it, expect } from 'vitest';
import { closeNames, checkConfigKeys, type SimulationConfig } from '../src/simulation/config.js';
import { simulate, simulateSync } from '../src/simulation/simulate.js';
import { TensorSimulator } from '../src/tensor/engine.js';
import { ExperimentSource, ExperimentError, loadExperiment } from '../src/experiment/index.js';
import { keysAt } from '../src/experiment/keys.js';
import { ExperimentSchema } from '../src/experiment/schema.js';

const ok: SimulationConfig = { model: 'Generic2dOscillator', integrator: { name: 'Heun', dt: 0.1 }, duration: 5, monitors: [{ name: 'Raw' }] };
const bad = (extra: Record<string, unknown>) => ({ ...ok, ...extra }) as unknown as SimulationConfig;

describe('closeNames (did-you-mean)', () => {
  it('finds typos, case slips and prefixes, nearest first, and nothing for unrelated names', () => {
    expect(closeNames('trasient', ['transient', 'duration', 'threads'])).toEqual(['transient']);
    expect(closeNames('Duration', ['duration', 'transient'])).toEqual(['duration']);
    expect(closeNames('nsigma', ['kind', 'nsig', 'ntau', 'seed'])).toEqual(['nsig']);
    expect(closeNames('monitor', ['monitors', 'model', 'kernel'])).toEqual(['monitors']);
    expect(closeNames('couplingParams', ['coupling', 'couplingParameters', 'connectivity'])).toEqual(['couplingParameters', 'coupling']);
    expect(closeNames('zzzzzz', ['duration', 'transient'])).toEqual([]);
  });
});

describe('SimulationConfig: unknown keys are errors before any work', () => {
  it('top level, integrator, noise, initial conditions and stimulus', () => {
    expect(() => checkConfigKeys(ok)).not.toThrow();
    expect(() => simulateSync(bad({ trasient: 100 }))).toThrow(/^config: unknown key 'trasient'; did you mean 'transient'\? \(valid keys: .*batch, .*transient/);
    expect(() => simulateSync(bad({ couplingParams: { a: 1 } }))).toThrow(/unknown key 'couplingParams'; did you mean 'couplingParameters' or 'coupling'\?/);
    expect(() => simulateSync(bad({ integrator: { dt: 0.1, nosie: { nsig: 0.01 } } }))).toThrow(/^integrator: unknown key 'nosie'; did you mean 'noise'\? \(valid keys: dt, name, noise\)/);
    expect(() => simulateSync(bad({ integrator: { dt: 0.1, noise: { nsigma: 0.01 } } }))).toThrow(/^integrator\.noise: unknown key 'nsigma'; did you mean 'nsig'\?/);
    expect(() => simulateSync(bad({ initialConditions: { sed: 3 } }))).toThrow(/^initialConditions: unknown key 'sed'; did you mean 'seed'\?/);
    expect(() => simulateSync(bad({ stimulus: { weights: [1], temporal: { expression: 't' }, variable: ['V'] } }))).toThrow(/^stimulus: unknown key 'variable'; did you mean 'variables'\?/);
    // a key far from every valid one still lists them all
    expect(() => simulateSync(bad({ zzzzzz: 1 }))).toThrow(/^config: unknown key 'zzzzzz' \(valid keys: batch, connectivity, coupling/);
  });

  it('every entry point: simulate, the tensor engine', async () => {
    await expect(simulate(bad({ durration: 10 }))).rejects.toThrow(/unknown key 'durration'; did you mean 'duration'\?/);
    expect(() => new TensorSimulator(bad({ historyPrecison: 'float32' }))).toThrow(/unknown key 'historyPrecison'; did you mean 'historyPrecision'\?/);
  });

  it('a config read from JSON (as a rerun or a script would) is checked the same way', () => {
    const fromFile = JSON.parse('{"model": "Generic2dOscillator", "integrator": {"dt": 0.1}, "duration": 5, "seed": 3}') as SimulationConfig;
    expect(() => simulateSync(fromFile)).toThrow(/^config: unknown key 'seed'/);
  });
});

describe('experiment files: unknown keys say which key was meant', () => {
  it('reads the valid keys from the schema at the key\'s place', () => {
    expect(keysAt(ExperimentSchema, [])).toEqual(expect.arrayContaining(['model', 'network', 'integration', 'observations']));
    expect(keysAt(ExperimentSchema, ['integration'])).toEqual(expect.arrayContaining(['duration', 'step_size', 'transient_time']));
    expect(keysAt(ExperimentSchema, ['observations', 'tavg'])).toEqual(expect.arrayContaining(['monitor', 'period']));
  });

  it('line, path, the key and its close valid keys', () => {
    const text = ['model: JansenRit', 'integration:', '  step_size: 0.5', '  duraton: 10', 'netwrok: builtin'].join('\n');
    let err: ExperimentError | undefined;
    try { loadExperiment(ExperimentSource.fromText(text, 'typo.yaml')); } catch (e) { err = e as ExperimentError; }
    expect(err).toBeInstanceOf(ExperimentError);
    const byPath = Object.fromEntries(err!.issues.map((i) => [i.path.join('.'), i]));
    expect(byPath['integration.duraton'].line).toBe(4);
    expect(byPath['integration.duraton'].message).toMatch(/unknown key 'duraton'; did you mean 'duration'\? \(valid here: .*step_size/);
    expect(byPath.netwrok.line).toBe(5);
    expect(byPath.netwrok.message).toMatch(/unknown key 'netwrok'; did you mean 'network'\?/);
  });
});
