/**
 * BIDS BEP034 export: layout, dataset_description, sidecars, TSV values against the result, the
 * HDF5 and netCDF time-series variants opened by h5py/xarray, appending a second subject, and bad
 * labels failing before anything is written.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { HAVE_PY, PY_SKIP, py } from '../tools/python-clients.js';
import { simulateSync } from '../src/simulation/simulate.js';
import { syntheticConnectome } from '../src/network/synthetic.js';
import { ExperimentResult } from '../src/results/experiment.js';
import { execFileSync } from 'node:child_process';

function findNibabel(): { py?: string; why: string } {
  const tried: string[] = [];
  for (const c of [process.env.VBT_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    try { execFileSync(c, ['-c', 'import nibabel'], { stdio: 'pipe', timeout: 60000 }); return { py: c, why: '' }; } catch (e) { tried.push(`${c}: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()}`); }
  }
  return { why: `no python with nibabel (${tried.join('; ')}); apt-get install python3-nibabel` };
}
const { py: NIB, why: NIB_WHY } = findNibabel();
const HAVE_NIB = !!NIB;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vbt-bids-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conn = syntheticConnectome({ nodes: 5 });
const res = simulateSync({
  model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', integrator: { name: 'Heun', dt: 0.1 }, duration: 10,
  monitors: [{ name: 'TemporalAverage', period: 1 }],
}).withNetwork(conn);

describe('BIDS BEP034 export', () => {
  it("writes tvbo's layout: experiment YAML per subject, ts-sim_State, a _BOLD file per observation, sidecar per data file", async () => {
    const root = join(dir, 'ds');
    const withBold = simulateSync({
      model: 'JansenRit', connectivity: conn, coupling: 'SigmoidalJansenRit', integrator: { name: 'Heun', dt: 0.1 }, duration: 600,
      monitors: [{ name: 'TemporalAverage', period: 1 }, { name: 'Bold', period: 100 }],
    }).withNetwork(conn);
    const exp = new ExperimentResult({ id: 'jr1', integration: withBold, sourceExperiment: 'id: jr1\nmodel: JansenRit\n' });
    const files = await exp.export(root, { subject: '01', session: 'A', run: 3, timeseriesFormat: 'tsv' });
    const stem = 'sub-01_ses-A_run-3_desc-tvbsim';
    expect(files).toEqual(expect.arrayContaining([
      'dataset_description.json', 'participants.tsv', 'participants.json', 'README', '.bidsignore',
      `sub-01/ses-A/${stem}_experiment.yaml`, `sub-01/ses-A/${stem}_experiment.json`,
      `sub-01/ses-A/ts/${stem}_ts-sim_State.tsv`, `sub-01/ses-A/ts/${stem}_ts-sim_State.json`,
      `sub-01/ses-A/ts/${stem}_ts-bold_BOLD.tsv`, `sub-01/ses-A/ts/${stem}_ts-bold_BOLD.json`,
      `eq/eq-JansenRit_desc-tvbsim_model.yaml`, `eq/eq-JansenRit_desc-tvbsim_model.json`,
      `sub-01/ses-A/net/${stem}_net-weights_SC.tsv`, `sub-01/ses-A/coord/${stem}_coord-centres_nodes.tsv`,
      'sub-01/sub-01_sessions.tsv', 'sub-01/ses-A/sub-01_ses-A_scans.tsv',
    ]));
    // every data file has its JSON sidecar
    for (const f of files.filter((x) => /\/(ts|net|coord)\/.*\.(tsv|nii|nc|h5)$/.test(x) || x.endsWith('_experiment.yaml') || x.startsWith('eq/') && x.endsWith('.yaml'))) {
      expect(files).toContain(f.replace(/(\.ptseries\.nii|\.tsv|\.nc|\.h5|\.yaml)$/, '.json'));
    }
    const d = JSON.parse(readFileSync(join(root, 'dataset_description.json'), 'utf8'));
    expect(d).toMatchObject({ BIDSVersion: '1.9.0', DatasetType: 'derivative', BEP034Version: '1.0.0' });
    expect(d.GeneratedBy[0].Name).toBe('vbt');
    const m = withBold.monitor(0);
    const [, T, V, N] = m.shape;
    const side = JSON.parse(readFileSync(join(root, `sub-01/ses-A/ts/${stem}_ts-sim_State.json`), 'utf8'));
    expect(side).toMatchObject({ SamplingFrequency: 1000, SamplingPeriod: 1, SamplingPeriodUnits: 'ms', NumberOfTimepoints: T, NumberOfNodes: N, NodeLabels: conn.labels, StateVariables: m.variables });
    const rows = readFileSync(join(root, `sub-01/ses-A/ts/${stem}_ts-sim_State.tsv`), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(rows[0]).toEqual(['time', ...m.variables.flatMap((sv) => conn.labels.map((r) => `${sv}:${r}`))]);
    expect(rows.length).toBe(T + 1);
    for (const t of [0, T - 1]) {
      expect(Number(rows[t + 1][0])).toBe(m.time[t]);
      for (let v = 0; v < V; v++) for (let n = 0; n < N; n++) expect(Number(rows[t + 1][1 + v * N + n])).toBe(m.data[(t * V + v) * N + n]);
    }
    const w = readFileSync(join(root, `sub-01/ses-A/net/${stem}_net-weights_SC.tsv`), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    expect(w[0]).toEqual(['', ...conn.labels]);
    expect(Number(w[3][4])).toBe(conn.weights[2 * 5 + 3]);
    const eq = yaml.load(readFileSync(join(root, 'eq/eq-JansenRit_desc-tvbsim_model.yaml'), 'utf8')) as { name: string; state_variables: Record<string, unknown> };
    expect(Object.keys(eq.state_variables)).toHaveLength(6);
    expect(readFileSync(join(root, `sub-01/ses-A/${stem}_experiment.yaml`), 'utf8')).toBe('id: jr1\nmodel: JansenRit\n');

    // include_model / include_connectivity off; a second subject extends the dataset
    const f2 = await res.toTimeSeries().toBids(root, { subject: '02', timeseriesFormat: 'h5', includeConnectivity: false, includeModel: false });
    expect(f2.some((f) => f.includes('/net/') || f.startsWith('eq/'))).toBe(false);
    expect(readFileSync(join(root, 'participants.tsv'), 'utf8')).toBe('participant_id\nsub-01\nsub-02\n');
    await res.toTimeSeries().toBids(root, { subject: '02', timeseriesFormat: 'nc' });
    expect(readFileSync(join(root, 'participants.tsv'), 'utf8')).toBe('participant_id\nsub-01\nsub-02\n');
    expect(readdirSync(dir).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it.skipIf(!HAVE_NIB)(`CIFTI-2 (the default): nibabel loads a parcellated series with the region labels and the values${HAVE_NIB ? '' : ` (skipped: ${NIB_WHY})`}`, async () => {
    const root = join(dir, 'dscifti');
    const files = await new ExperimentResult({ id: 'c', integration: res }).export(root, { subject: '01' });
    const f = files.filter((x) => x.endsWith('.ptseries.nii'));
    const m = res.monitor(0);
    const [, T, V, N] = m.shape;
    expect(f).toHaveLength(V); // one file per state variable
    const r = JSON.parse(execFileSync(NIB!, ['-c', `
import sys, json, nibabel as nib
out = []
for p in sys.argv[1:]:
    img = nib.load(p)
    a0, a1 = img.header.get_axis(0), img.header.get_axis(1)
    out.append({'cls': type(img).__name__, 'shape': list(img.shape), 'ax0': type(a0).__name__, 'start': a0.start, 'step': a0.step, 'unit': a0.unit,
                'ax1': type(a1).__name__, 'names': [str(x) for x in a1.name], 'data': img.get_fdata().tolist(), 'intent': int(img.nifti_header['intent_code'])})
print(json.dumps(out))`, ...f.map((x) => join(root, x))], { encoding: 'utf8' }));
    r.forEach((img: any, v: number) => {
      expect(img).toMatchObject({ cls: 'Cifti2Image', shape: [T, N], ax0: 'SeriesAxis', unit: 'SECOND', ax1: 'ParcelsAxis', names: conn.labels, intent: 3004 });
      expect(img.step).toBeCloseTo(m.period / 1000, 12);
      expect(img.start).toBeCloseTo(m.time[0] / 1000, 12);
      for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) expect(img.data[t][n]).toBe(Math.fround(m.data[(t * V + v) * N + n]));
    });
  });

  it(`passes the npm bids-validator with no errors and no warnings (BEP034 folders in .bidsignore)`, async (ctx) => {
    const bin = join(__dirname, '..', 'node_modules', '.bin', 'bids-validator');
    if (!existsSync(bin)) { console.warn('bids-validator is not installed (npm devDependency)'); ctx.skip(); return; }
    const root = join(dir, 'dsval');
    await new ExperimentResult({ id: 'v', integration: res }).export(root, { subject: '01', authors: ['A. Modeller', 'B. Modeller'] });
    await res.toTimeSeries().toBids(root, { subject: '02', run: 1, timeseriesFormat: 'nc' });
    let out: string;
    try {
      out = execFileSync(bin, [root, '--json'], { encoding: 'utf8', timeout: 120000 });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? '');
      if (!out.trim().startsWith('{')) { console.warn(`bids-validator could not run: ${String(e)}`); ctx.skip(); return; }
    }
    const issues = JSON.parse(out).issues as { errors: { key: string }[]; warnings: { key: string }[] };
    expect(issues.errors.map((i) => i.key)).toEqual([]);
    expect(issues.warnings.map((i) => i.key)).toEqual([]);
  }, 180_000);

  it.skipIf(!HAVE_PY)(`HDF5 and netCDF time-series files open in h5py and xarray ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const root = join(dir, 'ds2');
    const ts = res.toTimeSeries();
    await ts.toBids(root, { subject: '01', timeseriesFormat: 'h5', label: 'tavg' });
    await ts.toBids(root, { subject: '03', timeseriesFormat: 'nc', label: 'tavg' });
    await ts.toBids(root, { subject: '04', label: 'tavg', timeseriesFormat: 'tsv' });
    const pd = py(`
import sys, json, pandas as pd
w = pd.read_csv(sys.argv[1], sep='\\t', index_col=0)
t = pd.read_csv(sys.argv[2], sep='\\t')
print(json.dumps({'w_shape': list(w.shape), 'w_index': list(w.index), 'w_cols': list(w.columns), 'w23': float(w.iloc[2, 3]),
  't_cols': list(t.columns), 't_shape': list(t.shape), 't_last': float(t.iloc[-1, 2])}))
`, join(root, 'sub-04/net/sub-04_desc-tvbsim_net-weights_SC.tsv'), join(root, 'sub-04/ts/sub-04_desc-tvbsim_ts-tavg_State.tsv'));
    const [T, V, N] = ts.shape;
    expect(pd).toEqual({ w_shape: [5, 5], w_index: conn.labels, w_cols: conn.labels, w23: conn.weights[2 * 5 + 3], t_cols: ['time', ...ts.variables.flatMap((sv) => conn.labels.map((r) => `${sv}:${r}`))], t_shape: [T, V * N + 1], t_last: ts.data[((T - 1) * V + 0) * N + 1] });
    const r = py(`
import sys, json, h5py, xarray as xr
f = h5py.File(sys.argv[1], 'r')
d = xr.open_dataset(sys.argv[2])
print(json.dumps({'fmt': f.attrs['format'], 'ver': f.attrs['version'], 'dtype': str(f['data'].dtype), 'shape': list(f['data'].shape),
  'dims': [str(x) for x in f['data'].attrs['dimensions']], 'sp': float(f['data'].attrs['sample_period']), 'space': [x.decode() if isinstance(x, bytes) else x for x in f['labels/Space'][()]],
  'comp': f['data'].compression, 'x0': float(f['data'][0, 0, 0, 0]), 'xr_dims': dict(d.sizes), 'xr_v': d['data'].values.ravel().tolist(), 'region': [str(x) for x in d['region'].values]}))
`, join(root, 'sub-01/ts/sub-01_desc-tvbsim_ts-tavg_State.h5'), join(root, 'sub-03/ts/sub-03_desc-tvbsim_ts-tavg_State.nc'));
    expect(r.fmt).toBe('BIDS-BEP034-HDF5');
    expect(r.ver).toBe('1.0.0');
    expect(r.dtype).toBe('float32');
    expect(r.shape).toEqual(ts.shape);
    expect(r.dims).toEqual(['Time', 'State Variable', 'Space', 'Mode']);
    expect(r.sp).toBe(1);
    expect(r.space).toEqual(conn.labels);
    expect(r.comp).toBe('gzip');
    expect(r.x0).toBe(Math.fround(ts.data[0]));
    expect(r.xr_dims).toEqual({ time: ts.shape[0], state_variable: ts.shape[1], region: 5, mode: 1 });
    expect(r.xr_v).toEqual(Array.from(ts.data));
    expect(r.region).toEqual(conn.labels);
  });

  it('refuses non-alphanumeric labels before writing anything', async () => {
    const root = join(dir, 'ds3');
    await expect(res.toTimeSeries().toBids(root, { subject: 'sub_01' })).rejects.toThrow(/subject label 'sub_01' must be alphanumeric/);
    await expect(new ExperimentResult({ integration: res }).export(root, { subject: '01', description: 'my-desc' })).rejects.toThrow(/description label 'my-desc' must be alphanumeric/);
    expect(existsSync(root)).toBe(false);
  });
});
