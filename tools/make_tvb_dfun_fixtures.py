#!/usr/bin/env python3
"""Write test vectors of TVB model derivatives for vbt's catalogue checks.

Usage:
    /usr/bin/python3 tools/make_tvb_dfun_fixtures.py --tvb /path/to/tvb_library Model1 Model2 ...

For every named TVB model class this instantiates the model with its default parameters, configures
it, draws a fixed-seed state inside ``state_variable_range`` (shape (nsv, nodes, modes)) and a small
fixed-seed coupling array (shape (ncvar, nodes, modes)), evaluates ``model.dfun(state, coupling)``
(local coupling 0) and writes ``test/fixtures/tvb-dfun/<Model>.json``.

A second file ``<Model>.pernode.json`` is written with a couple of parameters given one value per
node (reshaped to (nodes, 1) as TVB's simulator does for spatialised parameters): those listed in
PER_NODE below, else the model's first two nonzero scalar float parameters (--no-pernode skips it).

JSON layout::

    {model, tvb_commit, nodes, modes, state_variables, cvar,
     parameters: {name: [values]},   # every numeric parameter as TVB used it (flattened)
     derived: {name: [values]},      # arrays the model computed at configure time (flattened)
     derived_shapes: {name: [dims]},
     variant, per_node_parameters, per_node_layout,     # what the pernode file changed, and how
     state_range_override, coupling_range,              # where the draws differ from the defaults
     state: [...], coupling: [...], value: [...]}   # flat, C order

The numbers depend only on the model name (seeds are derived from it), so rerunning reproduces them.
"""
import argparse
import json
import os
import subprocess
import sys
import zlib

NODES = 5
# the TVB source these fixtures were made from, when the tree is not a git checkout
DEFAULT_COMMIT = '0ada1f922'

# Parameters made per-node in the "pernode" variant. Chosen so that configure-time derived arrays do
# not depend on them (the ReducedSet coefficient tables are computed for the defaults).
PER_NODE = {
    'CoombesByrne': ['eta', 'Delta'],
    'CoombesByrne2D': ['eta', 'Delta'],
    'GastSchmidtKnosche_SD': ['tau_A', 'cv'],
    'GastSchmidtKnosche_SF': ['alpha', 'cv'],
    'DumontGutkin': ['J_ee', 'J_ie'],
    'KIonEx': ['K_bath', 'J'],
    'ZerlautAdaptationFirstOrder': ['b_e', 'tau_e'],
    'ZerlautAdaptationSecondOrder': ['b_e', 'tau_e'],
    'ReducedSetFitzHughNagumo': ['tau', 'K11'],
    'ReducedSetHindmarshRose': ['r', 'K12'],
    # these compute configure-time arrays from other parameters (ZetterbergJansen: He*ke...; the
    # Codim3 models: great-arc vectors from node 0's start/stop points), so spatialise ones outside them
    'ZetterbergJansen': ['rho_2', 'gamma_1'],
    'EpileptorCodim3': ['R', 'dstar'],
    'EpileptorCodim3SlowMod': ['R', 'cA'],
}

# State ranges replacing the model's own state_variable_range: narrower where that range reaches
# states where dfun is not finite (KIonEx: extracellular K+ goes negative inside a log for Kg < -5),
# wider where it is degenerate.
STATE_RANGE = {
    'KIonEx': {'Kg': (-4.0, 0.0)},
    # Zerlaut: W_i and ou_drift have the range [0, 0]; widen them so their terms are exercised
    'ZerlautAdaptationFirstOrder': {'W_i': (0.0, 20.0), 'ou_drift': (-0.002, 0.002)},
    'ZerlautAdaptationSecondOrder': {'W_i': (0.0, 20.0), 'ou_drift': (-0.002, 0.002)},
}

# Coupling ranges other than the default (-0.1, 0.1): Zerlaut's input is a rate in kHz multiplied by
# K_ext_e = 400 synapses, so +-0.1 saturates every transfer function.
COUPLING_RANGE = {
    'ZerlautAdaptationFirstOrder': (-0.002, 0.01),
    'ZerlautAdaptationSecondOrder': (-0.002, 0.01),
}

# instance attributes that are bookkeeping, not numbers the equations use
NOT_DERIVED = {'stvar', 'cvar', 'state_variable_mask', '_nintvar', '_nvar', 'state_variable_boundaries'}


def tvb_commit(tvb_path, given):
    if given:
        return given
    try:
        out = subprocess.run(['git', '-C', tvb_path, 'rev-parse', 'HEAD'], capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except Exception:
        return DEFAULT_COMMIT


def numeric_params(np, model):
    params = {}
    for name in type(model).declarative_attrs:
        v = getattr(model, name)
        if isinstance(v, np.ndarray) and v.dtype.kind in 'fiub':
            params[name] = [float(x) for x in np.asarray(v, dtype=float).ravel()]
    return params


def derived_arrays(np, model):
    decl = set(type(model).declarative_attrs)
    out, shapes = {}, {}
    for name, v in sorted(vars(model).items()):
        if name in decl or name in NOT_DERIVED:
            continue
        if isinstance(v, np.ndarray) and v.dtype.kind in 'fiu':
            out[name] = [float(x) for x in np.asarray(v, dtype=float).ravel()]
            shapes[name] = list(v.shape)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name] = [float(v)]
            shapes[name] = []
    return out, shapes


def per_node_names(np, model, name):
    """The parameters to spatialise: the table above, else the first two nonzero scalar floats."""
    if name in PER_NODE:
        return PER_NODE[name]
    picked = []
    for p in type(model).declarative_attrs:
        v = getattr(model, p)
        if isinstance(v, np.ndarray) and v.dtype.kind == 'f' and v.size == 1 and float(v.ravel()[0]) != 0.0:
            picked.append(p)
        if len(picked) == 2:
            break
    return picked


def make(np, models_mod, name, per_node, commit):
    cls = getattr(models_mod, name)
    model = cls()
    spatial = per_node_names(np, model, name) if per_node else []
    seed = zlib.crc32(name.encode()) + (1 if per_node else 0)
    rng = np.random.default_rng(seed)
    if per_node:
        for p in spatial:
            base = np.asarray(getattr(model, p), dtype=float).ravel()
            if base.size != 1:
                raise SystemExit(f'{name}.{p}: per-node variant needs a scalar parameter')
            b = float(base[0])
            vals = b * rng.uniform(0.8, 1.2, size=NODES) if b != 0.0 else rng.uniform(-0.5, 0.5, size=NODES)
            setattr(model, p, vals)
    model.configure()
    if per_node:
        # what the simulator does with spatialised parameters
        for p in spatial:
            setattr(model, p, np.asarray(getattr(model, p)).reshape(-1, 1))
    svs = list(model.state_variables)
    modes = int(model.number_of_modes)
    cvar = [int(c) for c in np.asarray(model.cvar).ravel()]
    state = np.empty((len(svs), NODES, modes))
    for i, sv in enumerate(svs):
        lo, hi = STATE_RANGE.get(name, {}).get(sv, model.state_variable_range[sv])
        state[i] = rng.uniform(lo, hi, size=(NODES, modes))
    clo, chi = COUPLING_RANGE.get(name, (-0.1, 0.1))
    coupling = rng.uniform(clo, chi, size=(len(cvar), NODES, modes))
    value = np.asarray(model.dfun(state.copy(), coupling.copy(), 0.0), dtype=float)
    spatial_layout = '(nodes, 1)' if spatial else None
    if spatial and value.shape != state.shape:
        # numba guvectorize dfuns (e.g. JansenRit) broadcast (nodes, 1) parameters into an extra
        # axis; they take per-node parameters as flat (nodes,) arrays instead
        for p in spatial:
            setattr(model, p, np.asarray(getattr(model, p)).reshape(-1))
        value = np.asarray(model.dfun(state.copy(), coupling.copy(), 0.0), dtype=float)
        spatial_layout = '(nodes,)'
    if value.shape != state.shape:
        raise SystemExit(f'{name}: dfun returned shape {value.shape}, expected {state.shape}')
    if not np.all(np.isfinite(value)):
        raise SystemExit(f'{name}: dfun returned non-finite values')
    derived, shapes = derived_arrays(np, model)
    return {
        'model': name,
        'tvb_commit': commit,
        'nodes': NODES,
        'modes': modes,
        'state_variables': svs,
        'cvar': cvar,
        'variant': 'pernode' if per_node else 'default',
        'per_node_parameters': spatial,
        'per_node_layout': spatial_layout,
        'state_range_override': {k: list(v) for k, v in STATE_RANGE.get(name, {}).items()},
        'coupling_range': list(COUPLING_RANGE.get(name, (-0.1, 0.1))),
        'parameters': numeric_params(np, model),
        'derived': derived,
        'derived_shapes': shapes,
        'state': [float(x) for x in state.ravel()],
        'coupling': [float(x) for x in coupling.ravel()],
        'value': [float(x) for x in value.ravel()],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--tvb', required=True, help='path to tvb_library (the folder holding the tvb package)')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'tvb-dfun'))
    ap.add_argument('--commit', help='TVB commit to record (default: git rev-parse of --tvb, else %s)' % DEFAULT_COMMIT)
    ap.add_argument('--no-pernode', action='store_true', help='write only the default-parameter files')
    ap.add_argument('models', nargs='+')
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.tvb))
    import numpy as np
    import tvb.simulator.models as models_mod

    commit = tvb_commit(args.tvb, args.commit)
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        if not hasattr(models_mod, name):
            raise SystemExit(f'no TVB model named {name}')
        variants = [False] + ([] if args.no_pernode else [True])
        for per_node in variants:
            data = make(np, models_mod, name, per_node, commit)
            fn = os.path.join(args.out, name + ('.pernode' if per_node else '') + '.json')
            with open(fn, 'w') as f:
                json.dump(data, f, indent=None, separators=(',', ':'))
                f.write('\n')
            print(f'wrote {os.path.relpath(fn)}')


if __name__ == '__main__':
    main()
