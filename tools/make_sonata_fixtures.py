#!/usr/bin/env python3
"""Write SONATA spike and node files with h5py, in the layouts other tools produce, for vbt's tests.

Usage: make_sonata_fixtures.py OUTDIR

Files (all spike times in ms unless stated):
  bmtk.h5       bmtk-style: root @magic=0x0A7A, @version=[0,1]; /spikes/cortex with @sorting as a
                plain string "by_time"; /spikes/thalamus with an HDF5 enum @sorting = by_id
                (uint8 base, libsonata's enum {none:0, by_id:1, by_time:2}); node_ids uint64
  gzip.h5       /spikes/pop, 5000 spikes (t = k/4 ms, id = 7919 k mod 1000) in gzip-compressed,
                shuffled, chunked datasets
  unsorted.h5   /spikes/pop without @sorting, times out of order
  seconds.h5    /spikes/pop with units "s"
  bad_lengths.h5, bad_sorted.h5 (claims by_time, is not), bad_by_id.h5 (enum by_id, is not),
  bad_units.h5 (units "fortnight"), no_units.h5, no_node_ids.h5, no_spikes.h5, bad_enum.h5 (value 7)
  nodes.h5 + node_types.csv: /nodes/cortex (6 nodes, two groups "0" and "1") with x, y (float),
                layer (int), mtype through an @library enumeration; /nodes/thalamus (3 nodes)
The arrays are the literal values in this file; the tests state the same values by hand.
"""
import os
import sys

import h5py
import numpy as np

SORT = h5py.enum_dtype({"none": 0, "by_id": 1, "by_time": 2}, basetype=np.uint8)


def pop(f, name, ts, ids, units="ms", sorting=None, ids_dtype=np.uint64):
    g = f.create_group(f"spikes/{name}")
    if isinstance(sorting, str):
        g.attrs["sorting"] = sorting
    elif isinstance(sorting, int):
        g.attrs.create("sorting", sorting, dtype=SORT)
    d = g.create_dataset("timestamps", data=np.asarray(ts, dtype=np.float64))
    if units is not None:
        d.attrs["units"] = units
    if ids is not None:
        g.create_dataset("node_ids", data=np.asarray(ids, dtype=ids_dtype))
    return g


def main(out):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    with h5py.File(p("bmtk.h5"), "w") as f:
        f.attrs["magic"] = np.uint32(0x0A7A)
        f.attrs["version"] = np.array([0, 1], dtype=np.uint32)
        pop(f, "cortex", [0.5, 1.0, 1.0, 2.5, 3.0, 7.25, 9.0, 12.0], [0, 2, 1, 0, 5, 2, 0, 3], sorting="by_time")
        pop(f, "thalamus", [1.5, 4.0, 2.0, 6.0, 8.0], [0, 0, 1, 1, 2], sorting=1)
    with h5py.File(p("gzip.h5"), "w") as f:
        g = f.create_group("spikes/pop")
        g.attrs.create("sorting", 2, dtype=SORT)
        ts = np.arange(5000, dtype=np.float64) * 0.25
        d = g.create_dataset("timestamps", data=ts, chunks=(1000,), compression="gzip", compression_opts=6)
        d.attrs["units"] = "ms"
        g.create_dataset("node_ids", data=(np.arange(5000) * 7919 % 1000).astype(np.uint64), chunks=(1000,), compression="gzip", shuffle=True)
    with h5py.File(p("unsorted.h5"), "w") as f:
        pop(f, "pop", [5.0, 1.0, 3.0, 1.0, 0.25], [1, 0, 2, 3, 1])
    with h5py.File(p("seconds.h5"), "w") as f:
        pop(f, "pop", [0.001, 0.0025, 0.004], [0, 1, 0], units="s", sorting=2)
    with h5py.File(p("bad_lengths.h5"), "w") as f:
        pop(f, "pop", [1.0, 2.0, 3.0], [0, 1])
    with h5py.File(p("bad_sorted.h5"), "w") as f:
        pop(f, "pop", [1.0, 3.0, 2.0], [0, 1, 2], sorting=2)
    with h5py.File(p("bad_by_id.h5"), "w") as f:
        pop(f, "pop", [1.0, 3.0, 2.0], [0, 2, 1], sorting=1)
    with h5py.File(p("bad_units.h5"), "w") as f:
        pop(f, "pop", [1.0], [0], units="fortnight")
    with h5py.File(p("no_units.h5"), "w") as f:
        pop(f, "pop", [1.0, 2.0], [0, 1], units=None)
    with h5py.File(p("no_node_ids.h5"), "w") as f:
        pop(f, "pop", [1.0], None)
    with h5py.File(p("no_spikes.h5"), "w") as f:
        f.create_group("report")
    with h5py.File(p("bad_enum.h5"), "w") as f:
        g = pop(f, "pop", [1.0], [0])
        g.attrs.create("sorting", 7, dtype=np.uint8)

    with h5py.File(p("nodes.h5"), "w") as f:
        c = f.create_group("nodes/cortex")
        c.create_dataset("node_type_id", data=np.array([100, 100, 101, 100, 101, 101], dtype=np.int64))
        c.create_dataset("node_group_id", data=np.array([0, 0, 1, 0, 1, 1], dtype=np.uint32))
        c.create_dataset("node_group_index", data=np.array([0, 1, 0, 2, 1, 2], dtype=np.uint64))
        g0 = c.create_group("0")
        g0.create_dataset("x", data=np.array([0.0, 10.0, 20.0]))
        g0.create_dataset("y", data=np.array([0.0, 5.0, 10.0]))
        g0.create_dataset("layer", data=np.array([2, 3, 5], dtype=np.int32))
        g0.create_dataset("mtype", data=np.array([0, 1, 0], dtype=np.uint32))
        g0.create_dataset("@library/mtype", data=np.array([b"L23_PC", b"L23_BC"], dtype=h5py.string_dtype()))
        g1 = c.create_group("1")
        g1.create_dataset("x", data=np.array([30.0, 40.0, 50.0]))
        g1.create_dataset("y", data=np.array([15.0, 20.0, 25.0]))
        g1.create_dataset("layer", data=np.array([5, 6, 6], dtype=np.int32))
        g1.create_dataset("mtype", data=np.array(["L5_TPC", "L6_IPC", "L6_IPC"], dtype=h5py.string_dtype()))
        t = f.create_group("nodes/thalamus")
        t.create_dataset("node_type_id", data=np.array([200, 200, 200], dtype=np.int64))
        t.create_dataset("node_group_id", data=np.array([0, 0, 0], dtype=np.uint32))
        t.create_dataset("node_group_index", data=np.array([0, 1, 2], dtype=np.uint64))
        t0 = t.create_group("0")
        t0.create_dataset("x", data=np.array([0.0, 1.0, 2.0]))
        t0.create_dataset("y", data=np.array([2.0, 1.0, 0.0]))
    with open(p("node_types.csv"), "w") as fh:
        fh.write("node_type_id model_type ei\n100 biophysical e\n101 biophysical i\n200 virtual e\n")


if __name__ == "__main__":
    main(sys.argv[1])
