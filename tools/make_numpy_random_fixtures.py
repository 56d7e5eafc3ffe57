#!/usr/bin/env python3
"""Write test/fixtures/numpy-random/*.json: streams from numpy's legacy RandomState for vbt's RandomState.

Run with a python3 that has numpy (and mpmath, to classify libm logarithms):
    python3 tools/make_numpy_random_fixtures.py

Why the "shadow" generator below: numpy's legacy normals use the C library's log(), and glibc's log is not
correctly rounded for about 1 input in 4000. vbt uses a correctly rounded log, so at those draws the two
normals of the pair differ by an ulp. The shadow re-derives every normal from the uniform stream with the
same polar method, checks each log() against a 120-bit reference, and records which outputs came from a
misrounded log, so the test can demand exact equality everywhere else. The shadow is itself checked to
reproduce numpy's outputs exactly before anything is written.
"""
import ctypes
import ctypes.util
import hashlib
import json
import math
import os
import sys

import mpmath
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "numpy-random")
SEEDS = [0, 42, 2**32 - 1]

_libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
_libm.log.restype = ctypes.c_double
_libm.log.argtypes = [ctypes.c_double]
mpmath.mp.prec = 120


def correctly_rounded_log(x):
    exact = mpmath.log(mpmath.mpf(x))
    y = float(exact)
    cands = [math.nextafter(y, -math.inf), y, math.nextafter(y, math.inf)]
    return min(cands, key=lambda c: abs(mpmath.mpf(c) - exact))


class Shadow:
    """numpy's legacy polar Box-Muller re-done on top of a RandomState's uniform stream."""

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)
        self.has_gauss = False
        self.gauss = 0.0
        self.flag_cached = False  # the cached value came from a misrounded log

    def random_sample(self):
        return float(self.rs.random_sample())

    def gauss_one(self):
        """(value, came_from_misrounded_log)"""
        if self.has_gauss:
            self.has_gauss = False
            return self.gauss, self.flag_cached
        while True:
            x1 = 2.0 * self.random_sample() - 1.0
            x2 = 2.0 * self.random_sample() - 1.0
            r2 = x1 * x1 + x2 * x2
            if r2 < 1.0 and r2 != 0.0:
                break
        lg = _libm.log(r2)
        bad = lg != correctly_rounded_log(r2)
        f = math.sqrt(-2.0 * lg / r2)
        self.gauss, self.has_gauss, self.flag_cached = f * x1, True, bad
        return f * x2, bad


def draw(rs, shadow, call, args):
    """Run one call on numpy and on the shadow; return (values, misrounded indices)."""
    n = args.get("size", 1)
    if call == "random_sample":
        got = rs.random_sample(n)
        exp, flags = [shadow.random_sample() for _ in range(n)], []
    elif call == "uniform":
        got = rs.uniform(args["low"], args["high"], n)
        rng = args["high"] - args["low"]
        exp, flags = [args["low"] + rng * shadow.random_sample() for _ in range(n)], []
    elif call in ("standard_normal", "normal"):
        if call == "standard_normal":
            got = rs.standard_normal(n)
            loc, scale = 0.0, 1.0
        else:
            got = rs.normal(args["loc"], args["scale"], n)
            loc, scale = args["loc"], args["scale"]
        exp, flags = [], []
        for i in range(n):
            g, bad = shadow.gauss_one()
            exp.append(loc + scale * g)
            if bad:
                flags.append(i)
    elif call == "uint32":
        got = rs.randint(0, 2**32, size=n, dtype=np.uint32)
        exp = [int(w) for w in shadow.rs.randint(0, 2**32, size=n, dtype=np.uint32)]
        flags = []
    else:
        raise ValueError(call)
    vals = [int(v) for v in got] if call == "uint32" else [float(v) for v in got]
    if vals != exp:
        sys.exit(f"shadow generator disagrees with numpy for {call}{args}")
    return vals, flags


def section(seed, call, args):
    rs, sh = np.random.RandomState(seed), Shadow(seed)
    vals, flags = draw(rs, sh, call, args)
    return {"call": call, "args": args, "values": vals, "logMisrounded": flags}


def state_json(rs):
    name, key, pos, has_gauss, gauss = rs.get_state()
    return {"algorithm": name, "key": [int(k) for k in key], "pos": int(pos), "hasGauss": bool(has_gauss), "gauss": float(gauss)}


INTERLEAVED = [
    ("standard_normal", {"size": 1}),  # leaves the pair's partner cached
    ("random_sample", {"size": 3}),    # uniform draws do not touch the cache
    ("standard_normal", {"size": 2}),
    ("uniform", {"low": -2.0, "high": 5.0, "size": 3}),
    ("normal", {"loc": 10.0, "scale": 0.5, "size": 3}),
    ("uint32", {"size": 2}),
    ("standard_normal", {"size": 5}),
    ("random_sample", {"size": 1}),
    ("standard_normal", {"size": 2}),  # 13 normals in all: the checkpoint below carries a cached one
]


def seed_fixture(seed):
    fx = {"seed": seed, "numpy": np.__version__,
          "initialKeyHead": [int(k) for k in np.random.RandomState(seed).get_state()[1][:8]],
          "sections": [
              section(seed, "uint32", {"size": 16}),
              section(seed, "random_sample", {"size": 100}),
              section(seed, "standard_normal", {"size": 101}),
              section(seed, "uniform", {"low": -3.5, "high": 2.25, "size": 50}),
              section(seed, "normal", {"loc": 1.5, "scale": 0.3, "size": 51}),
          ]}
    rs, sh = np.random.RandomState(seed), Shadow(seed)
    steps = []
    for call, args in INTERLEAVED:
        vals, flags = draw(rs, sh, call, args)
        steps.append({"call": call, "args": args, "values": vals, "logMisrounded": flags})
    fx["interleaved"] = steps
    # Checkpoint: numpy's state after the interleaved calls (a normal is cached: odd count), then more draws.
    fx["stateAfterInterleaved"] = state_json(rs)
    vals, flags = draw(rs, sh, "standard_normal", {"size": 7})
    fx["afterState"] = {"call": "standard_normal", "args": {"size": 7}, "values": vals, "logMisrounded": flags}
    return fx


def long_stream(seed, n):
    """A long normal stream, summarised: SHA-256 of its float64 little-endian bytes plus the misrounded spots."""
    rs, sh = np.random.RandomState(seed), Shadow(seed)
    got = rs.standard_normal(n)
    flagged = []
    for i in range(n):
        g, bad = sh.gauss_one()
        if g != got[i]:
            sys.exit(f"shadow disagrees with numpy at normal {i}")
        if bad:
            flagged.append({"index": i, "numpy": float(got[i])})
    return {"seed": seed, "numpy": np.__version__, "call": "standard_normal", "n": n,
            "sha256": hashlib.sha256(got.astype("<f8").tobytes()).hexdigest(),
            "logMisrounded": flagged}


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed in SEEDS:
        with open(os.path.join(OUT, f"seed-{seed}.json"), "w") as f:
            json.dump(seed_fixture(seed), f, separators=(",", ":"))
    with open(os.path.join(OUT, "long-stream-seed-42.json"), "w") as f:
        json.dump(long_stream(42, 1_000_000), f, indent=1)
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
