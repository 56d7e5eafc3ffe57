/** Network layer: region connectivity, TVB ZIP reading, and the embedded synthetic fallback. */
export {
  Connectivity,
  DEFAULT_SPEED,
  computeDelays,
  defaultLabels,
  deriveHemispheres,
  euclideanTractLengths,
  gatherCsr,
  rint,
  toCsr,
} from './connectivity.js';
export type { ConnectivityInit, CsrWeights, Delays, WeightNormalization } from './connectivity.js';
export { readTvbConnectivityZip, selectTvbMembers, tokenize } from './tvb-zip.js';
export type { ReadTvbZipOptions, TvbField } from './tvb-zip.js';
export { SYNTHETIC_NAME, seededUniform, syntheticConnectome } from './synthetic.js';
export type { SyntheticOptions } from './synthetic.js';
export { tvbConnectivityZipBytes, writeTvbConnectivityZip } from './tvb-zip-write.js';
export { readRegionMapping, readTvbSurfaceZip } from './surface.js';
export type { Surface } from './surface.js';
export { NETWORK_SCHEMA_VERSION, Network } from './network.js';
export type { Mesh, MatrixFormat, NetworkEdge, NetworkInit, NetworkNode } from './network.js';
