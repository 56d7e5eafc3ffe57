/**
 * `vbt fc` (functional connectivity of a saved result, optionally compared with an empirical FC),
 * `vbt spectrum` (Welch spectra, dominant frequencies) and `vbt gain` (EEG/MEG/iEEG lead field
 * from a sensor file and a connectivity's region centres).
 */
import { Command, Option } from 'commander';
import { readAnyConnectivity, readSimulationResult } from '../../io/files.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { emit } from '../output.js';
import { defaultSegment } from '../../plot/spectrum.js';
import {
  functionalConnectivity, fcCorrLossUpper, fcCorrLossFull, rmse, monitorSeries, welch, dominantFrequency, formatFrequency, frequencyResolution, fcd, fcdValues,
  type SquareMatrix,
} from '../../analysis/index.js';
import { readSensors, eegGainSphere, megGainSphere, ieegGain, rereference, surfaceRegionGain, type GainMatrix } from '../../observation/index.js';
import { readTvbSurfaceZip, readRegionMapping } from '../../network/surface.js';
import { parseInteger } from '../parse.js';


import { readMatrix } from '../../io/matrix.js';

const rowsOf = (m: { data: Float64Array; n: number }, cols = m.n) => Array.from({ length: m.data.length / cols }, (_, i) => Array.from(m.data.subarray(i * cols, (i + 1) * cols)));

export function register(program: Command): void {
  program
    .command('fc')
    .description('Functional connectivity (Pearson, zero diagonal) of one monitor of a saved result; with --empirical, the fit metrics.')
    .argument('<result>', 'simulation result (.json, .h5, .nc)')
    .option('--monitor <name>', 'monitor name or index', '0')
    .option('--variable <k>', 'variable index within the monitor', '0')
    .option('--skip <samples>', 'leading samples to drop (transient)', '0')
    .option('--empirical <file>', 'empirical FC (.npz with array fc, or .json) to compare with')
    .option('--fcd <window>', 'also compute FCD with this window (samples)')
    .option('--fcd-step <samples>', 'FCD window stride', '1')
    .option('--out <file.json>', 'write FC (and metrics) as JSON')
    .action(async (file: string, o) => {
      const res = await readSimulationResult(file);
      const which = /^\d+$/.test(o.monitor) ? Number(o.monitor) : o.monitor;
      const mon = res.monitor(which);
      const x = monitorSeries(mon, { v: parseInteger(o.variable, '--variable', 0) });
      const fc = functionalConnectivity(x, { skip: parseInteger(o.skip, '--skip', 0) });
      const off = fcdValues(fc);
      const meanFc = off.reduce((a, b) => a + b, 0) / off.length;
      const lines = [`FC of ${mon.name} (${x.t} samples, ${x.n} nodes, skip ${o.skip}): mean off-diagonal ${meanFc.toFixed(4)}`];
      const out: Record<string, unknown> = { monitor: mon.name, samples: x.t, skip: Number(o.skip), meanOffDiagonal: meanFc, fc: rowsOf(fc) };
      if (o.empirical) {
        const emp = readMatrix(o.empirical);
        if (emp.n !== fc.n) throw new Error(`--empirical ${o.empirical}: ${emp.n}×${emp.n}, but the result has ${fc.n} nodes`);
        const m = { corrUpper: 1 - fcCorrLossUpper(fc, emp), corrFull: 1 - fcCorrLossFull(fc, emp), rmse: rmse(fc, emp) };
        lines.push(`vs ${o.empirical}: r(upper triangle) ${m.corrUpper.toFixed(4)}, r(full matrix) ${m.corrFull.toFixed(4)}, RMSE ${m.rmse.toFixed(4)}`);
        out.metrics = m;
      }
      if (o.fcd) {
        const f = fcd(x, { window: parseInteger(o.fcd, '--fcd', 2), step: parseInteger(o.fcdStep, '--fcd-step', 1), skip: parseInteger(o.skip, '--skip', 0) });
        const v = fcdValues(f);
        lines.push(`FCD: ${f.n} windows, mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(4)}`);
        out.fcd = rowsOf(f);
      }
      if (o.out) { writeFileAtomic(o.out, JSON.stringify(out)); lines.push(`written to ${o.out}`); }
      emit(out, lines.join('\n'));
    });

  program
    .command('spectrum')
    .description('Welch power spectra of one monitor of a saved result: dominant frequency per node.')
    .argument('<result>', 'simulation result (.json, .h5, .nc)')
    .option('--monitor <name>', 'monitor name or index', '0')
    .option('--variable <k>', 'variable index within the monitor', '0')
    .option('--skip <samples>', 'leading samples to drop', '0')
    .option('--nperseg <n>', 'Welch segment length (default: the largest power of two ≤ T/1.5, at most 1024, as vbt report)')
    .option('--out <file.json>', 'write frequencies, power and dominant frequencies as JSON')
    .action(async (file: string, o) => {
      const res = await readSimulationResult(file);
      const which = /^\d+$/.test(o.monitor) ? Number(o.monitor) : o.monitor;
      const mon = res.monitor(which);
      const x = monitorSeries(mon, { v: parseInteger(o.variable, '--variable', 0) });
      const skip = parseInteger(o.skip, '--skip', 0);
      if (skip >= x.t) throw new Error(`--skip ${skip}: the monitor has only ${x.t} samples`);
      const xs = { data: x.data.subarray(skip * x.n), t: x.t - skip, n: x.n };
      const fs = 1000 / mon.period;
      const nperseg = o.nperseg ? parseInteger(o.nperseg, '--nperseg', 2) : defaultSegment(xs.t);
      const sp = welch(xs, fs, { nperseg });
      const dom = dominantFrequency(sp);
      const sorted = Array.from(dom).sort((a, b) => a - b);
      const df = frequencyResolution(sp);
      const median = sorted[Math.floor(sorted.length / 2)];
      const lines = [`${mon.name}: fs ${fs} Hz, ${sp.freqs.length} bins of ${+df.toPrecision(4)} Hz (${nperseg}-sample segments); dominant frequency median ${formatFrequency(median, df)} (min ${formatFrequency(sorted[0], df)}, max ${formatFrequency(sorted[sorted.length - 1], df)})`];
      if (o.out) {
        writeFileAtomic(o.out, JSON.stringify({ monitor: mon.name, fs, resolution: df, nperseg, freqs: Array.from(sp.freqs), power: rowsOf({ data: sp.power, n: sp.n }, sp.freqs.length), dominant: Array.from(dom) }));
        lines.push(`written to ${o.out}`);
      }
      emit({ monitor: mon.name, fs, resolution: df, nperseg, bins: sp.freqs.length, dominant: Array.from(dom), median, min: sorted[0], max: sorted[sorted.length - 1] }, lines.join('\n'));
    });

  program
    .command('gain')
    .description('Lead field (sensors × regions) from a TVB sensor file and a connectivity\'s region centres, with a spherical/homogeneous head model.')
    .requiredOption('--sensors <file>', 'TVB sensor text file (label x y z [ox oy oz])')
    .requiredOption('-c, --connectivity <file>', 'connectivity with region centres (.zip, .h5, .npz, network)')
    .addOption(new Option('--modality <m>', 'head model').choices(['eeg', 'meg', 'ieeg']).default('eeg'))
    .addOption(new Option('--orientation <o>', "dipole orientation ('connectivity' = its average orientations)").choices(['radial', 'free', 'connectivity']))
    .option('--sigma <S/m>', 'conductivity (EEG, iEEG)', '1')
    .option('--reference <ref>', "re-reference the gain: 'average' or a sensor label")
    .option('--surface <zip>', 'cortical surface (TVB .zip): vertex dipoles along the normals, summed per region')
    .option('--region-mapping <txt>', 'region index per surface vertex (with --surface)')
    .requiredOption('--out <file.json>', 'where to write {labels, gain: [[...]]}')
    .action(async (o) => {
      const sensors = readSensors(o.sensors);
      const conn = await readAnyConnectivity(o.connectivity);
      if (o.surface || o.regionMapping) {
        if (!o.surface || !o.regionMapping) throw new Error('--surface and --region-mapping go together');
        if (o.orientation) throw new Error('--orientation does not apply with --surface (the vertex normals are the orientations)');
        const surface = readTvbSurfaceZip(o.surface);
        const regionMapping = readRegionMapping(o.regionMapping, surface.vertices.length / 3, conn.n);
        let g = surfaceRegionGain(sensors, { surface, regionMapping, regions: conn.n, modality: o.modality, sigma: Number(o.sigma) });
        if (o.reference) g = rereference(g, o.reference === 'average' ? 'average' : o.reference, sensors.labels);
        writeFileAtomic(o.out, JSON.stringify({ modality: o.modality, labels: sensors.labels, regions: conn.labels, gain: rowsOf({ data: g.data, n: g.regions }) }));
        console.log(`${o.modality} gain (surface, ${surface.vertices.length / 3} vertices) ${g.sensors} sensors × ${g.regions} regions written to ${o.out}`);
        return;
      }
      if (!conn.centres || conn.centres.length !== 3 * conn.n) throw new Error(`${o.connectivity}: no region centres; a lead field needs them`);
      let orientation: 'radial' | 'free' | Float64Array | undefined = o.orientation;
      if (o.orientation === 'connectivity') {
        if (!conn.orientations || conn.orientations.length !== 3 * conn.n) throw new Error(`${o.connectivity}: no orientations; use --orientation radial or free`);
        orientation = Float64Array.from(conn.orientations);
      }
      const sigma = Number(o.sigma);
      const opts = { centres: conn.centres, orientation, sigma };
      let g: GainMatrix = o.modality === 'meg' ? megGainSphere(sensors, opts) : o.modality === 'ieeg' ? ieegGain(sensors, opts) : eegGainSphere(sensors, opts);
      if (o.reference) g = rereference(g, o.reference === 'average' ? 'average' : o.reference, sensors.labels);
      writeFileAtomic(o.out, JSON.stringify({ modality: o.modality, labels: sensors.labels, regions: conn.labels, gain: rowsOf({ data: g.data, n: g.regions }) }));
      console.log(`${o.modality} gain ${g.sensors} sensors × ${g.regions} regions${sensors.dropped.length ? ` (dropped placeholder channels: ${sensors.dropped.join(', ')})` : ''} written to ${o.out}`);
    });
}
