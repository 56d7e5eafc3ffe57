#!/usr/bin/python3
"""Write test/fixtures/tvb-equations/*.json: TVB's own evaluation of its temporal equations.

Run with the system python (Debian numpy/scipy):
    /usr/bin/python3 tools/make_tvb_equation_fixtures.py [path/to/tvb_library]

TVB is imported from /work/tvb-src/tvb_library (or the path given) by putting it on sys.path; nothing
else is needed. TVB evaluates equation strings with numexpr when it is installed and with numpy's eval
otherwise; the file records which one was used.

Each fixture: the equation's class name, TVB's equation string and default parameters, and a list of
cases {parameters (as passed to TVB), times, values}. Stimulus equations are sampled on a ms grid like
a simulation's, HRF kernels on the seconds grid TVB's Bold monitor uses (20 s, 0.25 ms steps,
subsampled to keep the files small after normalisation, which uses the full grid's maximum).
Also _special.json: scipy.special.gamma and Python factorials for the expression language's gamma()
and factorial().
"""
import json
import math
import os
import sys

TVB = sys.argv[1] if len(sys.argv) > 1 else "/work/tvb-src/tvb_library"
sys.path.insert(0, TVB)

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.special import gamma as sp_gamma  # noqa: E402
from tvb.datatypes import equations as eq  # noqa: E402
from tvb.simulator.backend.ref import RefBase  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "tvb-equations")

# Simulation-like ms grid: 0 .. 400 ms, dt = 0.1 (numpy.r_[0:L:dt], as the simulator builds it),
# subsampled every 11th point, plus a few hand-picked instants (edges of pulses, onsets, negatives).
MS_GRID = np.r_[0.0:400.0:0.1][::11]
MS_EXTRA = np.array([-5.0, -0.5, 0.0, 0.5, 0.50001, 1.0, 29.9, 30.0, 30.1, 43.0, 72.0, 85.0, 1000.0, 12345.6])
MS_TIMES = np.concatenate([MS_EXTRA, MS_GRID])

# Bold's HRF grid: numpy.arange(0, hrf_length/1000, step) with hrf_length = 20000 ms and 0.25 samples/ms.
STEPS = int(np.ceil(2.0 ** -2 * 20000.0))
S_STEP = (20000.0 / 1000.0) / STEPS
S_TIMES = np.arange(0.0, 20000.0 / 1000.0, S_STEP)
S_KEEP_EVERY = 17

CASES = {
    "Linear": [{}, {"a": -0.25, "b": 3.0}],
    "Gaussian": [{}, {"amp": 2.5, "sigma": 12.0, "midpoint": 150.0, "offset": -0.3}],
    "DoubleGaussian": [{}, {"amp_1": 1.5, "sigma_1": 35.0, "midpoint_1": 120.0, "amp_2": 0.75, "sigma_2": 8.0, "midpoint_2": 140.0}],
    "Sigmoid": [{}, {"amp": 3.0, "radius": 180.0, "sigma": 25.0, "offset": 0.5}],
    "GeneralizedSigmoid": [{}, {"low": -1.0, "high": 2.0, "midpoint": 200.0, "sigma": 15.0}],
    "Sinusoid": [{}, {"amp": 0.7, "frequency": 0.04}],
    "Cosine": [{}, {"amp": 1.3, "frequency": 0.025}],
    "Alpha": [{}, {"onset": 50.0, "alpha": 0.05, "beta": 0.2}],
    "PulseTrain": [{}, {"T": 25.0, "tau": 5.0, "amp": 2.0, "onset": 10.0}, {"T": 0.7, "tau": 0.3, "amp": -1.0, "onset": 0.0}],
    "FirstOrderVolterra": [{}, {"tau_s": 1.2, "tau_f": 0.5, "k_1": 5.6, "V_0": 0.02}],
    "Gamma": [{}, {"tau": 0.9, "n": 5.0, "a": 1.0}, {"tau": 1.5, "n": 3.7, "a": 0.5}],
    "DoubleExponential": [{}, {"tau_1": 4.0, "f_1": 0.08, "amp_1": 0.3, "tau_2": 6.0, "f_2": 0.2, "amp_2": 0.1, "a": 1.0}],
    "MixtureOfGammas": [{}, {"a_1": 5.5, "a_2": 11.25, "l": 1.3, "c": 0.5}],
}

HRF = {"FirstOrderVolterra", "Gamma", "DoubleExponential", "MixtureOfGammas"}


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


def make(name):
    cls = getattr(eq, name)
    default = cls()
    fx = {"name": name, "tvbEquation": default.equation,
          "tvbDefaults": {k: float(v) for k, v in default.parameters.items()},
          "timeUnit": "s" if name in HRF else "ms", "cases": []}
    for over in CASES[name]:
        e = cls()
        params = dict(e.parameters)
        params.update(over)
        e.parameters = params
        if name in HRF:
            # Evaluate on Bold's full grid (normalisation uses its maximum), keep a subsample.
            vals = e.evaluate(S_TIMES.copy())
            t, v = S_TIMES[::S_KEEP_EVERY], np.asarray(vals)[::S_KEEP_EVERY]
            grid = {"step": S_STEP, "n": len(S_TIMES), "keepEvery": S_KEEP_EVERY}
        else:
            t = MS_TIMES
            v = e.evaluate(MS_TIMES.copy())
            grid = None
        # grid (HRF kernels): times are i*step for i < n, of which every keepEvery-th is stored.
        fx["cases"].append({"overrides": over, "grid": grid, "times": floats(t), "values": floats(v)})
    return fx


def special():
    xs = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.7, 5.5, 6.0, 11.25, 13.0, 20.0, 33.0, 34.0, 50.5, 100.0, 150.3, 170.5, 171.0,
          1e-8, 0.1, 0.25, -0.5, -1.5, -2.5, -10.3, -20.7, 7.123456789]
    return {"scipy": scipy.__version__,
            "gamma": [{"x": x, "value": float(sp_gamma(x))} for x in xs],
            "factorial": [{"n": n, "value": float(math.factorial(n))} for n in range(0, 171, 1)]}


def main():
    os.makedirs(OUT, exist_ok=True)
    engine = "numexpr" if getattr(RefBase.evaluate, "__module__", "").startswith("numexpr") else "numpy eval"
    for name in CASES:
        fx = make(name)
        fx["tvbEvaluator"] = engine
        fx["numpy"] = np.__version__
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(fx, f, separators=(",", ":"))
    with open(os.path.join(OUT, "_special.json"), "w") as f:
        json.dump(special(), f, indent=0)
    print("wrote", len(CASES) + 1, "fixtures to", os.path.normpath(OUT), "evaluator:", engine)


if __name__ == "__main__":
    main()
