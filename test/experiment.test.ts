/**
 * SimulationExperiment files: validation errors with YAML path and line, the init example run as
 * printed, the four shipped examples run shortened, partial results, rerun, and tvbo mapping.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ExperimentSource, ExperimentError, loadExperiment, runExperiment, EXAMPLE_EXPERIMENT, builtinSensors } from '../src/experiment/index.js';
import { ExperimentResult } from '../src/results/experiment.js';
import { monitorSeries } from '../src/analysis/series.js';
import { functionalConnectivity } from '../src/analysis/fc.js';
import { projectToSensors, rereference, eegGainSphere, readSensors } from '../src/observation/index.js';
import { readTvbConnectivityZip } from '../src/network/tvb-zip.js';
import { loadDkAverage, fcCorr } from '../algorithms/data.js';
import { rmse } from '../src/analysis/losses.js';
import { HAVE_SHARED, SHARED, SKIP_REASON, sharedPath } from './shared.js';
import { vbt } from './cli-helpers.js';

const EX = resolve(__dirname, '../examples/experiments');
const tmp = mkdtempSync(join(tmpdir(), 'vbt-exp-'));

beforeAll(() => {
  if (HAVE_SHARED) process.env.VBT_SHARED = SHARED;
});

/** An example with some values replaced (shorter runs), parsed as if it were the file itself. */
function shortened(name: string, edit: (d: Record<string, any>) => void): ExperimentSource {
  const path = join(EX, name);
  const d = parse(readFileSync(path, 'utf8'));
  edit(d);
  return ExperimentSource.fromText(stringify(d), path);
}

describe('experiment validation', () => {
  it('reports every problem with its YAML path and line before anything runs', () => {
    const text = [
      'id: bad',                                   // 1
      'model:',                                    // 2
      '  name: JansenRit',                         // 3
      '  parameters: {mu: 0.2, nope: 1}',          // 4
      'netwrok: builtin',                          // 5
      'coupling: {name: NoSuchCoupling}',          // 6
      'integration:',                              // 7
      '  step_size: 0.5',                          // 8
      '  duration: -3',                            // 9
      'observations:',                             // 10
      '  tavg: {monitor: TemporalAverage}',        // 11
      '  fc: {source: nothing, function: fc}',     // 12
      'explorations:',                             // 13
      '  sweep:',                                  // 14
      '    parameters:',                           // 15
      '      - {name: zz, domain: {lo: 0, hi: 1, n: 3}}', // 16
      '    observable: fc',                        // 17
    ].join('\n');
    // schema problems are reported first (shape and types), all of them at once
    let e1: ExperimentError | undefined;
    try { loadExperiment(ExperimentSource.fromText(text, 'bad.yaml')); } catch (e) { e1 = e as ExperimentError; }
    expect(e1).toBeInstanceOf(ExperimentError);
    const got1 = e1!.issues.map((i) => `${i.line} ${i.path.join('.')}`);
    expect(got1).toContain('5 netwrok');
    expect(got1).toContain('9 integration.duration');
    expect(e1!.message).toContain("bad.yaml:5  netwrok: unknown key 'netwrok'");

    // with the shape fixed, every reference problem at once
    const fixed = text.replace('netwrok', 'network').replace('duration: -3', 'duration: 10');
    let e2: ExperimentError | undefined;
    try { loadExperiment(ExperimentSource.fromText(fixed, 'bad.yaml')); } catch (e) { e2 = e as ExperimentError; }
    const got2 = e2!.issues.map((i) => `${i.line} ${i.path.join('.')}`);
    expect(got2).toEqual(expect.arrayContaining([
      '4 model.parameters.nope', '6 coupling.name', '11 observations.tavg.period', '12 observations.fc.source', '16 explorations.sweep.parameters.0.name',
    ]));
    expect(e2!.issues.find((i) => i.path.join('.') === 'model.parameters.nope')!.message).toMatch(/JansenRit has no parameter 'nope'/);
  });

  it('rejects a missing network file and a YAML syntax error with lines', () => {
    expect(() => loadExperiment(ExperimentSource.fromText('network: nowhere.zip\nintegration: {duration: 10}\n', join(tmp, 'x.yaml'))))
      .toThrow(/x\.yaml:1  network: network file 'nowhere\.zip' not found/);
    expect(() => ExperimentSource.fromText('a: [1, 2\nb: 3\n', 'syn.yaml')).toThrow(/syn\.yaml:\d+  \(top level\): YAML syntax/);
  });
});

describe('vbt experiment init', () => {
  it('prints an example that runs as printed on the built-in connectome in under a minute', async () => {
    const printed = await (async () => {
      const chunks: string[] = [];
      const w = process.stdout.write.bind(process.stdout);
      (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => (chunks.push(s), true);
      try { await vbt('experiment', 'init'); } finally { (process.stdout as unknown as { write: typeof w }).write = w; }
      return chunks.join('');
    })();
    expect(printed).toBe(EXAMPLE_EXPERIMENT);
    const t0 = performance.now();
    const plan = loadExperiment(ExperimentSource.fromText(printed, join(tmp, 'init.yaml')));
    const { result, complete } = await runExperiment(plan);
    const seconds = (performance.now() - t0) / 1000;
    expect(complete).toBe(true);
    expect(seconds).toBeLessThan(60);
    const sim = result.integration!;
    expect(sim.monitor('TemporalAverage').shape).toEqual([1, 1000, 4, 20, 1]);
    // the stored FC is the FC of the stored monitor (variable 0, 100 samples skipped)
    const fc = functionalConnectivity(monitorSeries(sim.monitor('TemporalAverage')), { skip: 100 });
    expect(Array.from(result.observations.fc.data.data)).toEqual(Array.from(fc.data));
    // EEG = the sphere lead field (average reference) applied to the same 2 ms averages
    const g = rereference(eegGainSphere(builtinSensors(32), { centres: sim.network!.centres }), 'average');
    const proj = projectToSensors(monitorSeries(sim.monitor('TemporalAverage')), g);
    const eeg = monitorSeries(sim.monitor('EEG'));
    let err = 0, scale = 0;
    for (let k = 0; k < eeg.data.length; k++) { err = Math.max(err, Math.abs(eeg.data[k] - proj.data[k])); scale = Math.max(scale, Math.abs(proj.data[k])); }
    expect(err).toBeLessThan(1e-12 * scale);
    expect(result.explorations.coupling_sweep.values('peak').length).toBe(4);
    for (const v of result.explorations.coupling_sweep.values()) expect(v).toBeGreaterThan(0);
  }, 120_000);
});

describe('shipped examples, shortened', () => {
  it.skipIf(!HAVE_SHARED)(`jr-eeg: EEG from TVB's 65 Brainstorm sensors; mean alpha peak 6–11 Hz${HAVE_SHARED ? '' : ` (skipped: ${SKIP_REASON})`}`, async () => {
    const src = shortened('jr-eeg.yaml', (d) => { d.integration.duration = 2000; d.integration.transient_time = 300; d.integration.step_size = 0.125; });
    const { result, complete } = await runExperiment(loadExperiment(src));
    expect(complete).toBe(true);
    const sim = result.integration!;
    const conn = readTvbConnectivityZip(sharedPath('data/tvb/connectivity_76.zip'));
    const g = rereference(eegGainSphere(readSensors(sharedPath('data/tvb/eeg_brainstorm_65.txt')), { centres: conn.centres }), 'average');
    const proj = projectToSensors(monitorSeries(sim.monitor('TemporalAverage'), { v: 0 }), g); // both record y1 − y2
    const eeg = monitorSeries(sim.monitor('EEG'));
    expect(eeg.n).toBe(65);
    let err = 0, scale = 0;
    for (let k = 0; k < eeg.data.length; k++) { err = Math.max(err, Math.abs(eeg.data[k] - proj.data[k])); scale = Math.max(scale, Math.abs(proj.data[k])); }
    expect(err).toBeLessThan(1e-12 * scale);
    const peak = result.observations.alpha_peak.outputs.value.data[0];
    expect(peak).toBeGreaterThan(6);
    expect(peak).toBeLessThan(11);
    expect(result.observations.eeg_peak.outputs.data.coords.node).toHaveLength(65);
  }, 120_000);

  it.skipIf(!HAVE_SHARED)(`rww-bold-fc: fc_corr/RMSE equal a recomputation from the stored BOLD${HAVE_SHARED ? '' : ` (skipped: ${SKIP_REASON})`}`, async () => {
    const src = shortened('rww-bold-fc.yaml', (d) => { d.integration.duration = 40000; d.integration.transient_time = 2000; });
    const { result, complete } = await runExperiment(loadExperiment(src));
    expect(complete).toBe(true);
    const bold = result.integration!.monitor('Bold');
    expect(bold.shape).toEqual([1, 40, 1, 84, 1]);
    const fc = functionalConnectivity(monitorSeries(bold), { skip: 20 });
    const emp = loadDkAverage(sharedPath('data/dk_average')).fc;
    expect(result.observations.fc_corr.outputs.value.data[0]).toBe(fcCorr(fc, emp));
    expect(result.observations.fc_rmse.outputs.value.data[0]).toBe(rmse(fc, emp));
    expect(Array.from(result.observations.empirical_fc.data.data)).toEqual(Array.from(emp.data));
  }, 180_000);

  it.skipIf(!HAVE_SHARED)(`g-noise-exploration: a 2 × 2 grid of fc_corr and RMSE, saved and read back${HAVE_SHARED ? '' : ` (skipped: ${SKIP_REASON})`}`, async () => {
    const src = shortened('g-noise-exploration.yaml', (d) => {
      d.integration.duration = 30000; d.integration.transient_time = 1000;
      d.explorations.g_noise.parameters[0].domain.n = 2; d.explorations.g_noise.parameters[1].domain.n = 2;
    });
    const { result, complete } = await runExperiment(loadExperiment(src));
    expect(complete).toBe(true);
    const ex = result.explorations.g_noise;
    expect(ex.shape).toEqual([2, 2]);
    expect(ex.observables).toEqual(['fc_corr', 'fc_rmse']);
    expect(ex.axes.map((a) => a.name)).toEqual(['coupling.a', 'noise.nsig']);
    expect(ex.axes[1].values[0]).toBeCloseTo(1e-6, 18);
    expect(ex.axes[1].values[1]).toBeCloseTo(1e-4, 16);
    for (const v of [...ex.values('fc_corr'), ...ex.values('fc_rmse')]) expect(Number.isFinite(v)).toBe(true);
    const file = join(tmp, 'g.nc');
    await result.save(file);
    const back = await ExperimentResult.fromFile(file);
    expect(Array.from(back.explorations.g_noise.values('fc_rmse'))).toEqual(Array.from(ex.values('fc_rmse')));
    expect(back.sourceExperiment).toBe(src.text);
    expect(back.partial).toBe(false);
  }, 240_000);

  it.skipIf(!HAVE_SHARED)(`eib-tuning: FIC then EIB on dk_average, J_i per region and per-iteration history${HAVE_SHARED ? '' : ` (skipped: ${SKIP_REASON})`}`, async () => {
    const src = shortened('eib-tuning.yaml', (d) => {
      d.algorithms.fic.n_iterations = 20;
      d.algorithms.eib.n_iterations = 20;
      d.algorithms.eib.hyperparameters = { window: 10, tr: 720, transient: 7200, fic_iterations: 5 };
    });
    const { result, complete } = await runExperiment(loadExperiment(src));
    expect(complete).toBe(true);
    const f = result.algorithms.fic, e = result.algorithms.eib;
    expect((f.state.J_i as number[]).length).toBe(84);
    expect(f.nIterations).toBe(20);
    expect(e.nIterations).toBeGreaterThanOrEqual(20);
    expect(Object.keys(e.history)).toEqual(expect.arrayContaining(['fc_corr']));
    for (const v of f.state.J_i as number[]) expect(v).toBeGreaterThanOrEqual(0);
    // pre- and post-tuning runs observed as the integration: its TemporalAverage (period 4) over its 720 ms
    for (const a of [f, e]) {
      for (const sim of [a.preTuningSimulation!, a.postTuningSimulation!]) {
        expect(sim.monitor('TemporalAverage').shape).toEqual([1, 180, 2, 84, 1]);
        expect(sim.monitor('TemporalAverage').data).not.toEqual(result.integration!.monitor('TemporalAverage').data);
      }
      expect(Array.from(a.postTuningSimulation!.monitor(0).data)).not.toEqual(Array.from(a.preTuningSimulation!.monitor(0).data));
    }
    const file = join(tmp, 'eib.nc');
    await result.save(file);
    const back = await ExperimentResult.fromFile(file);
    expect(Array.from(back.algorithms.eib.postTuningSimulation!.monitor(0).data)).toEqual(Array.from(e.postTuningSimulation!.monitor(0).data));
  }, 240_000);
});

describe('initial state and stimulation', () => {
  it('equal the same SimulationConfig given to simulate()', async () => {
    const { simulate } = await import('../src/simulation/simulate.js');
    const { syntheticConnectome } = await import('../src/network/synthetic.js');
    const conn = syntheticConnectome({ nodes: 5 });
    const text = [
      'model: Generic2dOscillator',
      'network: {source: builtin, nodes: 5}',
      'coupling: {name: Linear, parameters: {a: 0.01}}',
      'integration: {method: Heun, step_size: 0.5, duration: 50}',
      'initial_state: {values: {V: [0.1, 0.2, 0.3, 0.4, 0.5], W: -0.2}}',
      'stimulation: {equation: Sinusoid, parameters: {amp: 0.5, frequency: 0.02}, weights: {nodes: [1, 3], value: 2}, variables: [V]}',
      'observations:',
      '  tavg: {monitor: TemporalAverage, period: 1}',
    ].join('\n');
    const { result } = await runExperiment(loadExperiment(ExperimentSource.fromText(text, join(tmp, 'stim.yaml'))));
    const direct = await simulate({
      model: 'Generic2dOscillator', connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.01 }, integrator: { name: 'Heun', dt: 0.5 }, duration: 50,
      initialConditions: { history: Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, -0.2, -0.2, -0.2, -0.2, -0.2) },
      stimulus: { weights: [0, 2, 0, 2, 0], temporal: { equation: 'Sinusoid', parameters: { amp: 0.5, frequency: 0.02 } }, variables: ['V'] },
      monitors: [{ name: 'TemporalAverage', period: 1 }],
    });
    expect(Array.from(result.integration!.monitor(0).data)).toEqual(Array.from(direct.monitor(0).data));
    // and the stimulus changes the run (not silently dropped)
    const { result: plain } = await runExperiment(loadExperiment(ExperimentSource.fromText(text.replace(/\nstimulation:.*\n/, '\n'), join(tmp, 'plain.yaml'))));
    expect(Array.from(plain.integration!.monitor(0).data)).not.toEqual(Array.from(direct.monitor(0).data));
  });
});

describe('optimizations', () => {
  it('fit coupling.a through the tensor engine to a target FC; scored by a kernel-engine run; saved with the result', async () => {
    const { simulate } = await import('../src/simulation/simulate.js');
    const { syntheticConnectome } = await import('../src/network/synthetic.js');
    const conn = syntheticConnectome({ nodes: 6 });
    // the target: FC of the same network at a = 0.03
    const r = await simulate({ model: 'Linear', parameters: { gamma: -0.1 }, connectivity: conn, coupling: 'Linear', couplingParameters: { a: 0.03 }, integrator: { name: 'Heun', dt: 1, noise: { nsig: 1e-3, seed: 42 } }, duration: 400, monitors: [{ name: 'TemporalAverage', period: 4 }], initialConditions: { seed: 42 } });
    const fc = functionalConnectivity(monitorSeries(r.monitor(0)));
    const fcFile = join(tmp, 'target-fc.json');
    (await import('node:fs')).writeFileSync(fcFile, JSON.stringify({ fc: Array.from({ length: 6 }, (_, i) => Array.from(fc.data.subarray(i * 6, i * 6 + 6))) }));
    const text = [
      'model: {name: Linear, parameters: {gamma: -0.1}}',
      'network: {source: builtin, nodes: 6}',
      'coupling: {name: Linear, parameters: {a: 0.005}}',
      'integration: {method: Heun, step_size: 1, duration: 400, noise: {nsig: 1.0e-3}}',
      'observations:',
      '  tavg: {monitor: TemporalAverage, period: 4}',
      `  target: {data: ${fcFile}}`,
      'optimizations:',
      '  fit:',
      '    free_parameters: [{name: coupling.a, bounds: [0, 0.1]}]',
      '    loss: {function: fc_rmse, observation: tavg, target: target}',
      '    learning_rate: 0.1',
      '    max_iterations: 12',
      'execution: {random_seed: 42}',
    ].join('\n');
    const { result, complete } = await runExperiment(loadExperiment(ExperimentSource.fromText(text, join(tmp, 'opt.yaml'))));
    expect(complete).toBe(true);
    const o = result.optimizations.fit;
    expect(o.nSteps).toBe(12);
    expect(o.finalLoss).toBeLessThan(0.8 * o.initialLoss);
    const a = o.state.a as number;
    expect(a).toBeGreaterThan(0.01);
    expect(a).toBeLessThan(0.035);
    // the tensor engine's float32 loss and the kernel engine's float64 FC RMSE of the kept state agree
    expect(Math.abs(o.observations.fc_rmse - o.lossTrajectory[o.bestStep])).toBeLessThan(2e-3);
    const f = join(tmp, 'opt.nc');
    await result.save(f);
    const back = (await ExperimentResult.fromFile(f)).optimizations.fit;
    expect(back.lossTrajectory).toEqual(o.lossTrajectory);
    expect(back.state).toEqual(o.state);
    expect(back.observations).toEqual(o.observations);
  }, 180_000);
});

describe('partial results and rerun', () => {
  it('a failing part stops the run; what finished is saved and marked partial', async () => {
    // dt = 5 ms is longer than the 2 ms monitor period: the exploration's second group fails
    const text = EXAMPLE_EXPERIMENT.replace('duration: 2000', 'duration: 400')
      .replace('- {name: coupling.a, domain: {lo: 1.0, hi: 20.0, n: 4}}', '- {name: dt, values: [0.5, 5]}');
    const { result, complete, failure } = await runExperiment(loadExperiment(ExperimentSource.fromText(text, join(tmp, 'p.yaml'))));
    expect(complete).toBe(false);
    expect(failure!.part).toBe('explorations.coupling_sweep');
    expect(failure!.error.message).toMatch(/period 2 ms is shorter than dt 5 ms/);
    expect(result.partial).toBe(true);
    const file = join(tmp, 'p.nc');
    await result.save(file);
    const back = await ExperimentResult.fromFile(file);
    expect(back.status).toEqual({ complete: false, completedParts: ['integration'], failedPart: 'explorations.coupling_sweep', error: failure!.error.message });
    expect(back.tree()).toMatch(/PARTIAL: explorations.coupling_sweep failed/);
    expect(back.integration?.monitor('TemporalAverage').shape[1]).toBe(200);
    expect(Object.keys(back.explorations)).toEqual([]);
  }, 60_000);

  it('vbt run then vbt rerun give the same numbers', async () => {
    const text = EXAMPLE_EXPERIMENT.replace('duration: 2000', 'duration: 400').replace('n: 4}', 'n: 2}');
    const f = join(tmp, 'r.yaml');
    (await import('node:fs')).writeFileSync(f, text);
    const a = join(tmp, 'a.nc'), b = join(tmp, 'b.nc');
    const out = await vbt('run', f, '--out', a, '-q');
    expect(out).toMatch(/experiment result written to/);
    await vbt('rerun', a, '--out', b, '-q');
    const [ra, rb] = [await ExperimentResult.fromFile(a), await ExperimentResult.fromFile(b)];
    expect(Array.from(rb.integration!.monitor('EEG').data)).toEqual(Array.from(ra.integration!.monitor('EEG').data));
    expect(Array.from(rb.explorations.coupling_sweep.values())).toEqual(Array.from(ra.explorations.coupling_sweep.values()));
  }, 120_000);
});

describe('tvbo experiment files', () => {
  // written here in tvbo's style (equations, pipelines, map-form couplings, list-form arguments)
  const tvboStyle = `
id: 7
label: tvbo-style RWW
dynamics:
  name: ReducedWongWang
  parameters:
    w: {value: 0.5, label: recurrence, domain: {lo: 0, hi: 1}}
  state_variables:
    S: {equation: {rhs: "-(S / tau_s)"}}
network:
  bids_dir: ../networks/bids/dk_average
  transforms:
    - name: weight
      equation: {rhs: "W / max(W)"}
  coupling:
    FastLinearCoupling:
      delayed: false
      parameters:
        G: {value: 0.4, free: true}
      pre_expression: {rhs: local_states}
      post_expression: {rhs: G * gx}
integration: {method: Heun, step_size: 4.0, duration: 20000, transient_time: 1000}
functions:
  hrf_kernel: {source_code: "kernel(t)"}
observations:
  empirical_fc: {source: network.observations.BoldCorrelation}
  bold:
    source: S
    period: 1000.0
    pipeline:
      - function: hrf_kernel
      - function: volterra_transform
derived_observations:
  fc:
    source_observations: [bold]
    pipeline:
      - callable: {name: compute_fc, module: tvboptim.observations.observation}
        arguments: [{name: skip_t, value: 5}]
  psd:
    source: S
    pipeline:
      - callable: {name: welch, module: jax.scipy.signal}
explorations:
  landscape:
    space:
      - parameter: FastLinearCoupling.G
        domain: {lo: 0.1, hi: 0.5, n: 2}
    observable:
      function: rmse
      arguments: [{name: a, value: fc.data}, {name: b, value: empirical_fc.data}]
optimizations:
  fit: {algorithm: adam}
execution: {n_workers: 2, precision: float64, random_seed: 0}
`;
  it.skipIf(!HAVE_SHARED)(`maps what has a vbt meaning and rejects the rest, each with its line${HAVE_SHARED ? '' : ` (skipped: ${SKIP_REASON})`}`, async () => {
    let err: ExperimentError | undefined;
    try { loadExperiment(ExperimentSource.fromText(tvboStyle, 'tvbo.yaml')); } catch (e) { err = e as ExperimentError; }
    const rejected = err!.issues.map((i) => `${i.line} ${i.path.join('.')}`);
    expect(rejected).toEqual(expect.arrayContaining(['8 dynamics.state_variables', '24 functions.hrf_kernel', '39 derived_observations.psd', '52 optimizations.fit']));
    const plan = loadExperiment(ExperimentSource.fromText(tvboStyle, 'tvbo.yaml'), { dropUnsupported: true });
    const notes = plan.warnings.map((w) => w.message).join('\n');
    expect(notes).toMatch(/FastLinearCoupling mapped to vbt's Linear \(G → a\), without delays/);
    expect(notes).toMatch(/BOLD pipeline .* mapped to vbt's Bold monitor/);
    expect(plan.coupling.name).toBe('Linear');
    expect(plan.config.couplingParameters).toEqual({ a: 0.4 });
    expect(plan.network).toMatchObject({ source: 'dk_average', normalize: 'max', delays: false, empiricalFc: 'dk_average' });
    expect(plan.explorations[0].space.names).toEqual(['coupling.a']);
    expect(plan.observations.map((o) => `${o.name}:${o.kind}`)).toEqual(['empirical_fc:data', 'bold:monitor', 'fc:derived', 'landscape_observable:derived']);
    const { result, complete } = await runExperiment(plan);
    expect(complete).toBe(true);
    expect(result.explorations.landscape.values().length).toBe(2);
  }, 120_000);

  const TVBO = process.env.TVBO_ROOT;
  it.skipIf(!TVBO)(`tvbo's published EI, RWW and JR experiments parse with a list of mapped and dropped keys${TVBO ? '' : ' (skipped: set TVBO_ROOT to a tvbo checkout)'}`, () => {
    for (const f of ['EI_Tuning_FIC_EIB_Optimization.yaml', 'RWW_BOLD_FC_Optimization.yaml', 'JR_MEG_FrequencyGradient_Optimization.yaml']) {
      const p = join(TVBO!, 'tvbo/database/experiments', f);
      if (!existsSync(p)) continue;
      let e: unknown;
      try { loadExperiment(ExperimentSource.fromFile(p)); } catch (x) { e = x; }
      expect(e).toBeInstanceOf(ExperimentError);
      for (const i of (e as ExperimentError).issues) expect(i.line).toBeGreaterThan(0);
    }
  });
});
