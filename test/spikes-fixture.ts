/** The small two-population report the spike tests share (the same spikes as tools/make_sonata_fixtures.py's bmtk.h5). */
import { SpikeReport, NodeTable } from '../src/spikes/index.js';

export const smallReport = () =>
  SpikeReport.fromSpikes(
    {
      cortex: { timestamps: [0.5, 1.0, 1.0, 2.5, 3.0, 7.25, 9.0, 12.0], nodeIds: [0, 2, 1, 0, 5, 2, 0, 3] },
      thalamus: { timestamps: [1.5, 4.0, 2.0, 6.0, 8.0], nodeIds: [0, 0, 1, 1, 2] },
    },
    {
      nodes: {
        cortex: new NodeTable({ layer: [2, 3, 5, 5, 6, 6], x: new Float64Array([0, 10, 30, 20, 40, 50]), y: new Float64Array([0, 5, 15, 10, 20, 25]) }),
        thalamus: new NodeTable({ x: new Float64Array([0, 1, 2]), y: new Float64Array([2, 1, 0]) }),
      },
    },
  );
