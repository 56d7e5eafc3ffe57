#!/usr/bin/env python3
"""Write TVB stochastic runs as fixtures for vbt's noise tests.

Usage:
    /usr/bin/python3 tools/make_tvb_noise_fixtures.py --tvb /path/to/tvb_library

Each case simulates Generic2dOscillator on a small fixed 5-node connectivity (speed 3 mm/ms, delays up to
a few ms) from a given random initial history, with a stochastic integrator and TVB's noise classes
seeded explicitly, and records the Raw monitor. Cases: Heun and Euler with additive white noise,
additive coloured noise (ntau > 0), multiplicative noise with a Linear b(x) = a*x + b.

JSON layout (per file ``test/fixtures/tvb-noise/<case>.json``)::

    {case, tvb_commit, integrator, dt, steps, noise: {kind, nsig, ntau, seed, a, b},
     coupling_a, weights, tract_lengths, speed,             # weights[i][j]: to i from j (TVB's layout)
     model_parameters: {name: value},
     history_shape: [H, nsv, N, M], history: [...],         # TVB initial_conditions, flat C order
     time: [...], data: [...], data_shape: [T, nsv, N, M]}  # Raw monitor output, flat C order
"""
import argparse, json, os, subprocess, sys
import numpy as np

CASES = [
    dict(case='heun_additive', integrator='HeunStochastic', noise='Additive', nsig=[1e-3, 5e-4], ntau=0.0),
    dict(case='euler_additive', integrator='EulerStochastic', noise='Additive', nsig=[1e-3, 5e-4], ntau=0.0),
    dict(case='heun_coloured', integrator='HeunStochastic', noise='Additive', nsig=[1e-3, 5e-4], ntau=2.0),
    dict(case='heun_multiplicative', integrator='HeunStochastic', noise='Multiplicative', nsig=[1e-3, 5e-4], ntau=0.0, a=0.5, b=0.2),
]
N, DT, STEPS, SEED = 5, 0.1, 200, 1234


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tvb', required=True)
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'tvb-noise'))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.tvb))
    from tvb.simulator import models, coupling, integrators, monitors, noise, simulator
    from tvb.datatypes import connectivity, equations
    try:
        commit = subprocess.run(['git', '-C', args.tvb, 'rev-parse', 'HEAD'], capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        commit = '0ada1f922e72aa5551f0ffcb486a80fa0ac7626a'
    rng = np.random.RandomState(7)
    w = rng.uniform(0, 1, (N, N)); np.fill_diagonal(w, 0)
    L = rng.uniform(1, 12, (N, N)); L = (L + L.T) / 2; np.fill_diagonal(L, 0)
    os.makedirs(args.out, exist_ok=True)
    for c in CASES:
        conn = connectivity.Connectivity(weights=w, tract_lengths=L, centres=rng.uniform(-50, 50, (N, 3)) * 0,
                                         region_labels=np.array(['r%d' % k for k in range(N)]), speed=np.array([3.0]))
        conn.configure()
        model = models.Generic2dOscillator(variables_of_interest=('V', 'W'))
        kw = dict(nsig=np.array(c['nsig']), ntau=c['ntau'], noise_seed=SEED)
        if c['noise'] == 'Multiplicative':
            kw['b'] = equations.Linear(parameters={'a': c['a'], 'b': c['b']})
            nz = noise.Multiplicative(**kw)
        else:
            nz = noise.Additive(**kw)
        integ = getattr(integrators, c['integrator'])(dt=DT, noise=nz)
        H = int(np.max(np.rint(L / 3.0 / DT).astype(int))) + 1
        hist = np.random.RandomState(99).uniform(-1, 1, (H, 2, N, 1))
        sim = simulator.Simulator(model=model, connectivity=conn, coupling=coupling.Linear(a=np.array([0.1])),
                                  integrator=integ, monitors=(monitors.Raw(),), initial_conditions=hist,
                                  simulation_length=STEPS * DT)
        sim.configure()
        (t, d), = sim.run()
        params = {k: float(np.asarray(getattr(model, k)).ravel()[0]) for k in ['tau', 'I', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'alpha', 'beta', 'gamma']}
        out = dict(case=c['case'], tvb_commit=commit, integrator=c['integrator'], dt=DT, steps=STEPS,
                   noise=dict(kind=c['noise'], nsig=c['nsig'], ntau=c['ntau'], seed=SEED, a=c.get('a'), b=c.get('b')),
                   coupling_a=0.1, weights=w.tolist(), tract_lengths=L.tolist(), speed=3.0, model_parameters=params,
                   history_shape=list(hist.shape), history=hist.ravel().tolist(),
                   time=t.tolist(), data=d.ravel().tolist(), data_shape=list(d.shape))
        with open(os.path.join(args.out, c['case'] + '.json'), 'w') as f:
            json.dump(out, f)
        print(c['case'], d.shape, float(np.abs(d).max()))


if __name__ == '__main__':
    main()
