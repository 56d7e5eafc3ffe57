#!/usr/bin/env python3
"""Time TVB's own surface simulation for bench/sections/surface.ts.

Usage: /usr/bin/python3 tools/tvb_surface_bench.py TVB_LIBRARY DATA_DIR CORTEX MAPPING LC CONNECTIVITY LENGTH_MS
Prints one JSON line: CPU seconds of sim.run() alone (after configure), wall seconds, nodes, steps,
peak RSS (MB). Case: Generic2dOscillator defaults, Linear a=0.1, Heun dt 0.1 ms, speed 3 mm/ms,
local coupling strength 1, TemporalAverage 1 ms (TVB's random initial history).
"""
import json, os, resource, sys, time, warnings
warnings.filterwarnings('ignore')
import logging; logging.disable(logging.WARNING)
tvb, data, cortex_f, mapping_f, lc_f, conn_f, length = sys.argv[1:8]
sys.path.insert(0, tvb)
import numpy as np
from tvb.simulator import simulator, models, coupling, integrators, monitors
from tvb.datatypes import connectivity, cortex
conn = connectivity.Connectivity.from_file(os.path.join(data, conn_f))
conn.speed = np.array([3.0])
ctx = cortex.Cortex.from_file(source_file=os.path.join(data, cortex_f), region_mapping_file=os.path.join(data, mapping_f),
                              local_connectivity_file=os.path.join(data, lc_f))
ctx.region_mapping_data.connectivity = conn
ctx.coupling_strength = np.array([1.0])
sim = simulator.Simulator(model=models.Generic2dOscillator(), connectivity=conn, coupling=coupling.Linear(a=np.array([0.1])),
                          integrator=integrators.HeunDeterministic(dt=0.1), monitors=[monitors.TemporalAverage(period=1.0)],
                          surface=ctx, simulation_length=float(length))
sim.configure()
c0, w0 = time.process_time(), time.time()
(t, d), = sim.run()
cpu, wall = time.process_time() - c0, time.time() - w0
print(json.dumps({'cpu': cpu, 'wall': wall, 'nodes': int(sim.number_of_nodes), 'steps': int(round(float(length) / 0.1)),
                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'samples': int(d.shape[0])}))
