#!/usr/bin/env python3
"""Write TVB cortical-surface reference runs for vbt (test/fixtures/surface/*.h5).

Usage:
    /usr/bin/python3 tools/make_tvb_surface_references.py --tvb /path/to/tvb_library \
        --data ../shared/data/tvb --out test/fixtures/surface [case ...]

Every case is one deterministic (or fixed-seed stochastic) surface simulation run with TVB's own
Simulator on cortex_16384 + regionMapping_16k_76 + connectivity_76 (+ local_connectivity_16384).
The layout extends the region reference format of ../shared/reference (see
docs/surface-reference-format.md): the mesh, mapping and local-connectivity files are referred to by
name and sha256 instead of being embedded; the region-level initial history and the vertex-level
initial state are stored; Raw outputs keep a fixed subset of vertices (`monitors/k/vertex_index`).

Each case is run twice with TVB: as TVB runs it (float32 delay history and weights) and with the
history descriptors patched to float64; the per-sample largest difference is `float64_deviation`.
An independent numpy re-implementation of the surface step (own history, region means, coupling,
local-coupling product, Heun, monitors; only the model derivative is TVB's) re-runs the float64
variant and must agree to 1e-10 relative: that is what confirms the semantics the files encode.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np

V_STRIDE = 128  # Raw outputs keep vertices 0, 128, 256, ... (128 of 16384)
SPEED = 30.0    # mm/ms: short horizons keep the stored region history small


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


CASES = {
    'g2d_surface_lc': dict(
        model='Generic2dOscillator', model_params={}, coupling=('Linear', {'a': 0.1}),
        dt=0.1, length=10.0, lc_strength=1.0, noise=None, stimulus=None,
        monitors=[('Raw', None), ('SpatialAverage', 1.0)],
        description='G2D on the 16k cortex with the stored local connectivity (strength 1), Raw + region averages'),
    'g2d_surface_nolc': dict(
        model='Generic2dOscillator', model_params={}, coupling=('Linear', {'a': 0.1}),
        dt=0.1, length=10.0, lc_strength=0.0, noise=None, stimulus=None,
        monitors=[('Raw', None), ('SpatialAverage', 1.0)],
        description='same without local coupling (coupling_strength 0)'),
    'g2d_surface_noise': dict(
        model='Generic2dOscillator', model_params={}, coupling=('Linear', {'a': 0.1}),
        dt=0.1, length=10.0, lc_strength=1.0, noise={'nsig': [0.001, 0.0005], 'seed': 7}, stimulus=None,
        monitors=[('Raw', None), ('SpatialAverage', 1.0)],
        description='G2D + local coupling + additive white noise (HeunStochastic)'),
    'g2d_surface_stim': dict(
        model='Generic2dOscillator', model_params={}, coupling=('Linear', {'a': 0.1}),
        dt=0.1, length=10.0, lc_strength=1.0, noise=None,
        stimulus={'focal_vertices': [1000, 9000], 'spatial': ('Gaussian', {'amp': 1.0, 'sigma': 10.0, 'midpoint': 0.0, 'offset': 0.0}),
                  'temporal': ('PulseTrain', {'onset': 2.0, 'T': 4.0, 'tau': 1.0, 'amp': 2.0})},
        monitors=[('Raw', None), ('SpatialAverage', 1.0)],
        description='G2D + local coupling + a surface stimulus (Gaussian of geodesic distance to two focal vertices x pulse train)'),
    'jr_surface_lc': dict(
        model='JansenRit', model_params={}, coupling=('SigmoidalJansenRit', {'a': 1.0}),
        dt=2 ** -4, length=8.0, lc_strength=0.5, noise=None, stimulus=None,
        monitors=[('TemporalAverage', 1.0), ('SpatialAverage', 0.5)],
        description='JansenRit on the 16k cortex with local coupling on y1 - y2, TemporalAverage on vertices + region averages'),
}


def patch_history_float64(hist_mod):
    """Make TVB's history store float64 (history buffer and weights)."""
    for cls, names in ((hist_mod.DenseHistory, ('es_weights', 'buffer', 'current_state', 'delayed_state')),
                       (hist_mod.SparseHistory, ('nnz_weights',))):
        for n in names:
            cls.__dict__[n].dtype = 'd'


def geodesic_to(vertices, triangles, sources):
    """Shortest paths along mesh edges (Dijkstra): stands in for TVB's gdist, which is not packaged here."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra
    e = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    w = np.linalg.norm(vertices[e[:, 0]] - vertices[e[:, 1]], axis=1)
    nv = len(vertices)
    g = sp.coo_matrix((w, (e[:, 0], e[:, 1])), shape=(nv, nv)).tocsr()
    g = g.maximum(g.T)
    return dijkstra(g, indices=np.asarray(sources), min_only=True)


def build(case, args, float64):
    from tvb.simulator import simulator, models, coupling, integrators, monitors, noise as noise_mod
    from tvb.datatypes import connectivity, cortex, patterns, equations
    c = CASES[case]
    conn = connectivity.Connectivity.from_file(os.path.join(args.data, 'connectivity_76.zip'))
    conn.speed = np.array([SPEED])
    ctx = cortex.Cortex.from_file(source_file=os.path.join(args.data, 'cortex_16384.zip'),
                                  region_mapping_file=os.path.join(args.data, 'regionMapping_16k_76.txt'),
                                  local_connectivity_file=os.path.join(args.data, 'local_connectivity_16384.mat'))
    ctx.region_mapping_data.connectivity = conn
    ctx.coupling_strength = np.array([c['lc_strength']])
    model = getattr(models, c['model'])(**{k: np.array([v]) for k, v in c['model_params'].items()})
    model.variables_of_interest = list(model.state_variables) if c['model'] != 'JansenRit' else list(model.variables_of_interest)
    cname, cparams = c['coupling']
    cpl = getattr(coupling, cname)(**{k: np.array([v]) for k, v in cparams.items()})
    if c['noise']:
        nz = noise_mod.Additive(nsig=np.array(c['noise']['nsig']), noise_seed=c['noise']['seed'])
        integ = integrators.HeunStochastic(dt=c['dt'], noise=nz)
    else:
        integ = integrators.HeunDeterministic(dt=c['dt'])
    mons = []
    for name, period in c['monitors']:
        mons.append(monitors.Raw() if name == 'Raw' else getattr(monitors, name)(period=period))
    stim = None
    if c['stimulus']:
        s = c['stimulus']
        surf = ctx.region_mapping_data.surface
        surf.configure()  # number_of_vertices is set here; the stimulus needs it before the simulator configures
        # TVB takes a focal point as the first vertex of a focal triangle: pick triangles whose first vertex is the wanted one
        tri_idx = [int(np.nonzero(surf.triangles[:, 0] == v)[0][0]) for v in s['focal_vertices']]
        sp_name, sp_par = s['spatial']
        tp_name, tp_par = s['temporal']
        stim = patterns.StimuliSurface(surface=surf, focal_points_triangles=np.array(tri_idx),
                                       spatial=getattr(equations, sp_name)(parameters=dict(sp_par)),
                                       temporal=getattr(equations, tp_name)(parameters=dict(tp_par)))
        surf.geodesic_distance = lambda foci, max_dist=None, targets=None, _s=surf: geodesic_to(_s.vertices, _s.triangles, foci)
    sim = simulator.Simulator(model=model, connectivity=conn, coupling=cpl, integrator=integ, monitors=mons,
                              surface=ctx, stimulus=stim, simulation_length=c['length'])
    sim.conduction_speed = SPEED
    return sim


def initial_conditions(sim, seed):
    """(H, nsv, V, 1): uniform in each variable's range, independent at every vertex and history step."""
    rng = np.random.RandomState(seed)
    H = sim.connectivity.horizon
    nsv = sim.model.nvar
    V = sim.number_of_nodes
    ic = np.empty((H, nsv, V, 1))
    for k, sv in enumerate(sim.model.state_variables):
        lo, hi = sim.model.state_variable_range[sv]
        ic[:, k, :, 0] = rng.uniform(lo, hi, size=(H, V))
    return ic


def run_tvb(case, args, float64):
    import tvb.simulator.history as hist_mod
    if float64:
        patch_history_float64(hist_mod)
    # a first simulator only to learn the horizon (its configure draws a random history from the
    # noise stream); the run uses a fresh one with explicit initial conditions
    probe = build(case, args, float64)
    probe.configure()
    ic = initial_conditions(probe, 1234)
    sim = build(case, args, float64)
    sim.initial_conditions = ic
    sim.configure()
    t0 = time.time()
    outs = sim.run()
    wall = time.time() - t0
    return sim, ic, outs, wall


def independent_rerun(sim, ic, c):
    """A float64 surface loop of its own; only model.dfun is TVB's."""
    import scipy.sparse as sp
    rm = sim.surface.region_mapping
    R = sim.connectivity.number_of_regions
    V = len(rm)
    H = sim.connectivity.horizon
    dt = sim.integrator.dt
    cvar = np.asarray(sim.model.cvar)
    counts = np.bincount(rm, minlength=R).astype(float)
    avg = sp.csr_matrix((1.0 / counts[rm], (rm, np.arange(V))), shape=(R, V))
    W = sim.connectivity.weights
    D = sim.connectivity.idelays
    hist = np.stack([avg @ ic[k, :, :, 0].T for k in range(H)])  # (H, V->R, nsv)^T
    hist = hist.transpose(0, 2, 1)  # (H, nsv, R)
    buf = hist[:, cvar].copy()  # (H, ncv, R)
    X = ic[-1].copy()
    lc = sim.surface.prepare_local_coupling(V) if c['lc_strength'] else 0.0
    cname, cparams = c['coupling']
    rows = np.arange(R)

    def region_coupling(step):
        xj = buf[(step - 1 - D) % H, :, np.broadcast_to(rows, (R, R))]  # (R, R, ncv)
        if cname == 'Linear':
            return cparams['a'] * np.einsum('ij,ijc->ci', W, xj)
        if cname == 'SigmoidalJansenRit':
            p = sim.coupling
            d = xj[..., 0] - xj[..., 1]
            s = p.cmin + (p.cmax - p.cmin) / (1.0 + np.exp(p.r * (p.midpoint - d)))
            g = cparams['a'] * np.einsum('ij,ij->i', W, s)
            return np.stack([g, g])
        raise NotImplementedError(cname)

    stim = np.zeros((sim.model.nvar, V, 1))
    pattern = sim.stimulus.spatial_pattern[:, 0] if sim.stimulus is not None else None
    tp = sim.stimulus.temporal_pattern[0] if sim.stimulus is not None else None
    rng = np.random.RandomState(c['noise']['seed']) if c['noise'] else None
    gfun = np.sqrt(2.0 * np.asarray(c['noise']['nsig'])).reshape(-1, 1, 1) if c['noise'] else 0
    n_steps = int(np.ceil(c['length'] / dt))
    obs = []
    cpl = region_coupling(H)[:, rm, None]
    for step in range(H, H + n_steps):
        if pattern is not None:
            stim[sim.model.stvar] = (pattern * tp[step - H]).reshape(1, -1, 1)
        k1 = sim.model.dfun(X, cpl, lc)
        nz = gfun * np.sqrt(dt) * rng.normal(size=X.shape) if rng is not None else 0
        P = X + dt * (k1 + stim) + nz
        k2 = sim.model.dfun(P, cpl, lc)
        X = X + (k1 + k2) * dt / 2.0 + dt * stim + nz
        buf[step % H] = (avg @ X[cvar, :, 0].T).T
        cpl = region_coupling(step + 1)[:, rm, None]
        obs.append(sim.model.observe(X)[:, :, 0] if hasattr(sim.model, 'observe') else X[:, :, 0])
    return np.array(obs)  # (n_steps, nvoi, V)


def monitor_meta(m, sim):
    meta = {'class': type(m).__name__, 'period': float(m.period), 'istep': int(m.istep),
            'voi': [int(v) for v in m.voi], 'voi_names': [sim.model.variables_of_interest[v] for v in m.voi]}
    if meta['class'] == 'SpatialAverage':
        meta['spatial_mask'] = 'region_mapping'
    meta['sampling_rule'] = {
        'Raw': 'every step s, time s*dt, all nodes (stored: vertex_index subset)',
        'SpatialAverage': 'when s % istep == 0: mean over the vertices of each region (region mapping), time s*dt',
        'TemporalAverage': 'mean of the istep rows of a buffer (see region README), all nodes (stored: vertex_index subset)',
    }[meta['class']]
    return meta


def write_case(case, args, tvb_commit):
    c = CASES[case]
    sim, ic, outs, wall = run_tvb(case, args, False)
    # the float64 variant runs in a fresh interpreter (descriptor dtypes are class-level)
    tmp = os.path.join(args.out, f'.{case}.f64.npz')
    subprocess.run([sys.executable, __file__, '--tvb', args.tvb, '--data', args.data, '--out', args.out,
                    '--float64-only', case], check=True)
    f64 = np.load(tmp, allow_pickle=False)
    os.remove(tmp)
    rm = sim.surface.region_mapping
    V = len(rm)
    R = sim.connectivity.number_of_regions
    H = sim.connectivity.horizon
    vsub = np.arange(0, V, V_STRIDE)
    counts = np.bincount(rm, minlength=R)
    reg_hist = np.zeros((H, sim.model.nvar, R))
    for k in range(H):
        np.add.at(reg_hist[k].T, rm, ic[k, :, :, 0].T)
    reg_hist /= counts[None, None, :]
    # independent check against the float64 TVB run (every step, every vertex)
    check = {}
    first = c['monitors'][0][0]
    if first in ('Raw', 'TemporalAverage'):
        ind = independent_rerun(sim, ic, c)
        if first == 'TemporalAverage':
            # TVB's rule: mean of the last istep observations, rows before the first step count as 0
            istep = sim.monitors[0].istep
            ends = [s for s in range(H, H + len(ind)) if s % istep == 0]
            ind = np.array([sum(ind[k - H] for k in range(e - istep + 1, e + 1) if k >= H) / istep for e in ends])
            ind = ind[:, sim.monitors[0].voi]
        ref64 = f64['m0_data'][:, :, :, 0]
        scale = np.abs(ref64).max()
        check = {'what': f'own numpy float64 surface loop (TVB dfun only) vs TVB with float64 history, {first}, all vertices',
                 'max_abs': float(np.abs(ind - ref64).max()), 'max_rel': float(np.abs(ind - ref64).max() / scale)}
        print(case, 'independent check', check)
        if check['max_rel'] > 1e-10:
            raise SystemExit(f'{case}: independent re-run disagrees with TVB: {check}')
    path = os.path.join(args.out, f'{case}.h5')
    tmp_path = path + '.tmp'
    with h5py.File(tmp_path, 'w') as f:
        A = f.attrs
        A['format_version'] = 'surface-1'
        A['case'] = case
        A['set'] = 'surface'
        A['description'] = c['description']
        A['tvb_commit'] = tvb_commit
        A['numpy_version'] = np.__version__
        A['python_version'] = sys.version.split()[0]
        A['created_utc'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        A['generator'] = 'tools/make_tvb_surface_references.py'
        A['model'] = c['model']
        mp = {}
        for k in type(sim.model).declarative_attrs:
            v = getattr(sim.model, k)
            if isinstance(v, np.ndarray) and v.dtype.kind in 'fib' and k not in ('cvar', 'stvar', 'state_variable_mask'):
                mp[k] = v.ravel().tolist()
        A['model_parameters'] = json.dumps(mp)
        A['model_parameters_overridden'] = json.dumps(sorted(c['model_params']))
        A['per_node_parameters'] = json.dumps([])
        A['model_derived_parameters'] = json.dumps({})
        A['state_variables'] = json.dumps(list(sim.model.state_variables))
        A['variables_of_interest'] = json.dumps(list(sim.model.variables_of_interest))
        A['cvar'] = json.dumps([int(x) for x in sim.model.cvar])
        A['number_of_modes'] = int(sim.model.number_of_modes)
        A['state_variable_range'] = json.dumps({k: [float(x) for x in v] for k, v in sim.model.state_variable_range.items()})
        b = sim.model.state_variable_boundaries
        A['state_variable_boundaries'] = json.dumps({k: [float(x) for x in v] for k, v in b.items()} if b else None)
        A['coupling'] = c['coupling'][0]
        A['coupling_parameters'] = json.dumps({k: getattr(sim.coupling, k).ravel().tolist() for k in type(sim.coupling).declarative_attrs if isinstance(getattr(sim.coupling, k), np.ndarray)})
        A['integrator'] = type(sim.integrator).__name__
        A['dt'] = float(sim.integrator.dt)
        A['noise'] = json.dumps({'class': 'Additive', 'nsig': c['noise']['nsig'], 'seed': c['noise']['seed'], 'ntau': 0.0,
                                 'draws': 'numpy RandomState(seed).normal(size=(nsv, nodes, 1)) each step, times sqrt(dt); g = sqrt(2 nsig)'}
                                if c['noise'] else None)
        A['connectivity'] = 'connectivity_76.zip'
        A['number_of_regions'] = R
        A['conduction_speed'] = SPEED
        A['delay_rule'] = 'rint(tract_lengths / conduction_speed / dt)'
        A['horizon'] = H
        n_steps = int(np.ceil(c['length'] / sim.integrator.dt))
        A['simulation_length'] = float(c['length'])
        A['n_steps'] = n_steps
        A['first_step'] = H
        A['first_time'] = H * float(sim.integrator.dt)
        # surface extension
        A['surface_file'] = 'cortex_16384.zip'
        A['surface_sha256'] = sha256(os.path.join(args.data, 'cortex_16384.zip'))
        A['region_mapping_file'] = 'regionMapping_16k_76.txt'
        A['region_mapping_sha256'] = sha256(os.path.join(args.data, 'regionMapping_16k_76.txt'))
        A['local_connectivity_file'] = 'local_connectivity_16384.mat'
        A['local_connectivity_sha256'] = sha256(os.path.join(args.data, 'local_connectivity_16384.mat'))
        A['local_coupling_strength'] = float(c['lc_strength'])
        A['number_of_vertices'] = V
        A['number_of_nodes'] = int(sim.number_of_nodes)
        A['initial_history_kind'] = 'random_per_step'
        A['initial_history_semantics'] = ('TVB got (H, nsv, vertices, 1) uniform draws; initial_history is their per-region '
                                          'mean (float64, what its history buffer was initialised with, then stored as float32); '
                                          'initial_state is the last step at every vertex (the current state)')
        A['stimulus'] = json.dumps(None if not c['stimulus'] else {
            'class': 'StimuliSurface', 'focal_vertices': c['stimulus']['focal_vertices'],
            'spatial': {'equation': c['stimulus']['spatial'][0], 'parameters': c['stimulus']['spatial'][1]},
            'temporal': {'equation': c['stimulus']['temporal'][0], 'parameters': c['stimulus']['temporal'][1]},
            'distance': 'shortest path along mesh edges (scipy dijkstra; TVB would use gdist, not packaged here)',
            'stvar': [int(x) for x in sim.model.stvar],
            'applied': 'stimulus[stvar, v] = spatial_pattern[v] * temporal(t_k), t_k = k*dt for the k-th computed step (k = 0 first)'})
        A['monitors'] = json.dumps([monitor_meta(m, sim) for m in sim.monitors])
        A['independent_check'] = json.dumps(check)
        A['tvb_wall_seconds'] = wall
        z = dict(compression='gzip', shuffle=True)
        f.create_dataset('weights', data=sim.connectivity.weights, **z)
        f.create_dataset('tract_lengths', data=sim.connectivity.tract_lengths, **z)
        f.create_dataset('region_labels', data=np.array([str(x) for x in sim.connectivity.region_labels], dtype=h5py.string_dtype()))
        f.create_dataset('centres', data=sim.connectivity.centres)
        f.create_dataset('idelays', data=sim.connectivity.idelays.astype(np.int32), **z)
        f.create_dataset('initial_history', data=reg_hist[:, :, :, None], **z)
        f.create_dataset('initial_state', data=ic[-1], **z)
        if c['stimulus']:
            f.create_dataset('stimulus_spatial_pattern', data=sim.stimulus.spatial_pattern[:, 0], **z)
        for k, ((t, d), (mname, _)) in enumerate(zip(outs, c['monitors'])):
            g = f.create_group(f'monitors/{k}')
            for kk, vv in monitor_meta(sim.monitors[k], sim).items():
                g.attrs[kk] = json.dumps(vv) if isinstance(vv, (list, dict)) else vv
            d64 = f64[f'm{k}_data']
            dev = np.abs(d - d64).reshape(len(t), -1).max(axis=1)
            g.attrs['float64_deviation_max_abs'] = float(dev.max())
            g.attrs['float64_deviation_max_rel'] = float(dev.max() / max(np.abs(d).max(), 1e-300))
            keep = mname in ('Raw', 'TemporalAverage')
            g.create_dataset('time', data=t)
            g.create_dataset('data', data=d[:, :, vsub] if keep else d, **z)
            if keep:
                g.create_dataset('vertex_index', data=vsub.astype(np.int32))
            g.create_dataset('float64_deviation', data=dev)
    os.replace(tmp_path, path)
    print(case, 'written', path, os.path.getsize(path), 'bytes; tvb wall', round(wall, 1), 's')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tvb', required=True)
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--float64-only', action='store_true')
    ap.add_argument('cases', nargs='*')
    args = ap.parse_args()
    args.data = os.path.abspath(args.data)
    sys.path.insert(0, os.path.abspath(args.tvb))
    os.makedirs(args.out, exist_ok=True)
    cases = args.cases or list(CASES)
    if args.float64_only:
        (case,) = cases
        sim, ic, outs, wall = run_tvb(case, args, True)
        np.savez(os.path.join(args.out, f'.{case}.f64.npz'), **{f'm{k}_data': d for k, (t, d) in enumerate(outs)})
        return
    try:
        commit = subprocess.run(['git', '-C', args.tvb, 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ''
    commit = commit or os.environ.get('TVB_COMMIT', 'unknown')
    for case in cases:
        write_case(case, args, commit)


if __name__ == '__main__':
    main()
