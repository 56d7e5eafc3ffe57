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
  it('writes the dataset, sidecars and TSVs that match the result', async () => {
    const root = join(dir, 'ds');
    const exp = new ExperimentResult({ id: 'jr1', integration: res });
    const files = await exp.export(root, { subject: '01', session: 'A' });
    expect(files).toContain('dataset_description.json');
    expect(files).toContain('participants.tsv');
    expect(files).toContain('exp-jr1_experiment.yaml');
    expect(files).toContain('eq/eq-JansenRit_desc-jansenrit.yaml');
    expect(files).toContain('sub-01/ses-A/net/sub-01_ses-A_desc-jansenrit_net-weights.tsv');
    expect(files).toContain('sub-01/ses-A/coord/sub-01_ses-A_desc-jansenrit_coord-centres.tsv');
    const d = JSON.parse(readFileSync(join(root, 'dataset_description.json'), 'utf8'));
    expect(d).toMatchObject({ BIDSVersion: '1.9.0', DatasetType: 'derivative', BEP034Version: '1.0.0' });
    expect(d.GeneratedBy[0].Name).toBe('vbt');
    const m = res.monitor(0);
    const [, T, V, N] = m.shape;
    m.variables.forEach((sv, v) => {
      const stem = join(root, 'sub-01/ses-A/ts', `sub-01_ses-A_desc-jansenrit_ts-TemporalAverage${sv.replace(/[^A-Za-z0-9]/g, '')}`);
      const side = JSON.parse(readFileSync(`${stem}.json`, 'utf8'));
      expect(side).toMatchObject({ StateVariable: sv, SamplingFrequency: 1000, SamplingPeriod: 1, SamplingPeriodUnits: 'ms', NumberOfTimepoints: T, NumberOfNodes: N, NodeLabels: conn.labels });
      const rows = readFileSync(`${stem}.tsv`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
      expect(rows[0]).toEqual(['time', ...conn.labels]);
      expect(rows.length).toBe(T + 1);
      for (const t of [0, T - 1]) {
        expect(Number(rows[t + 1][0])).toBe(m.time[t]);
        for (let n = 0; n < N; n++) expect(Number(rows[t + 1][n + 1])).toBe(m.data[(t * V + v) * N + n]);
      }
    });
    const w = readFileSync(join(root, 'sub-01/ses-A/net/sub-01_ses-A_desc-jansenrit_net-weights.tsv'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    expect(w[0]).toEqual(['', ...conn.labels]);
    expect(w[3][0]).toBe(conn.labels[2]);
    expect(Number(w[3][4])).toBe(conn.weights[2 * 5 + 3]);
    const eq = yaml.load(readFileSync(join(root, 'eq/eq-JansenRit_desc-jansenrit.yaml'), 'utf8')) as { name: string; state_variables: Record<string, unknown> };
    expect(eq.name).toBe('JansenRit');
    expect(Object.keys(eq.state_variables)).toHaveLength(6);
    const ex = yaml.load(readFileSync(join(root, 'exp-jr1_experiment.yaml'), 'utf8')) as { model: string; integrator: { dt: number } };
    expect(ex).toMatchObject({ model: 'JansenRit', integrator: { dt: 0.1 } });

    // a second subject extends the dataset
    await res.toTimeSeries().toBids(root, { subject: '02', timeseriesFormat: 'h5' });
    expect(readFileSync(join(root, 'participants.tsv'), 'utf8')).toBe('participant_id\nsub-01\nsub-02\n');
    await res.toTimeSeries().toBids(root, { subject: '02', timeseriesFormat: 'nc' });
    expect(readFileSync(join(root, 'participants.tsv'), 'utf8')).toBe('participant_id\nsub-01\nsub-02\n');
    expect(readdirSync(dir).filter((f) => f.includes('staging'))).toEqual([]);
  });

  it.skipIf(!HAVE_PY)(`HDF5 and netCDF time-series files open in h5py and xarray ${HAVE_PY ? '' : PY_SKIP}`, async () => {
    const root = join(dir, 'ds2');
    const ts = res.toTimeSeries();
    await ts.toBids(root, { subject: '01', timeseriesFormat: 'h5', label: 'tavg' });
    await ts.toBids(root, { subject: '03', timeseriesFormat: 'nc', label: 'tavg' });
    await ts.toBids(root, { subject: '04', label: 'tavg' });
    const pd = py(`
import sys, json, pandas as pd
w = pd.read_csv(sys.argv[1], sep='\\t', index_col=0)
t = pd.read_csv(sys.argv[2], sep='\\t')
print(json.dumps({'w_shape': list(w.shape), 'w_index': list(w.index), 'w_cols': list(w.columns), 'w23': float(w.iloc[2, 3]),
  't_cols': list(t.columns), 't_shape': list(t.shape), 't_last': float(t.iloc[-1, 2])}))
`, join(root, 'sub-04/net/sub-04_net-weights.tsv'), join(root, 'sub-04/ts/sub-04_ts-tavgy0.tsv'));
    const [T, V, N] = ts.shape;
    expect(pd).toEqual({ w_shape: [5, 5], w_index: conn.labels, w_cols: conn.labels, w23: conn.weights[2 * 5 + 3], t_cols: ['time', ...conn.labels], t_shape: [T, N + 1], t_last: ts.data[((T - 1) * V + 0) * N + 1] });
    const r = py(`
import sys, json, h5py, xarray as xr
f = h5py.File(sys.argv[1], 'r')
d = xr.open_dataset(sys.argv[2])
print(json.dumps({'fmt': f.attrs['format'], 'ver': f.attrs['version'], 'dtype': str(f['data'].dtype), 'shape': list(f['data'].shape),
  'dims': [str(x) for x in f['data'].attrs['dimensions']], 'sp': float(f['data'].attrs['sample_period']), 'space': [x.decode() if isinstance(x, bytes) else x for x in f['labels/Space'][()]],
  'comp': f['data'].compression, 'x0': float(f['data'][0, 0, 0, 0]), 'xr_dims': dict(d.sizes), 'xr_v': d['data'].values.ravel().tolist(), 'region': [str(x) for x in d['region'].values]}))
`, join(root, 'sub-01/ts/sub-01_ts-tavg.h5'), join(root, 'sub-03/ts/sub-03_ts-tavg.nc'));
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
