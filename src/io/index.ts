/** File interop: HDF5 helpers, netCDF-4, TVB H5, numpy npy/npz, BIDS export, file summaries. */
export { writeFileAtomic } from './atomic.js';
export { attr, attrOpt, checkHdf5File, getDataset, has, openH5, putAttr, readNumeric, readStrings, withH5, writeH5Atomic } from './h5.js';
export type { H5Dataset, H5File, H5Group, H5WriteOptions, NumericArray } from './h5.js';
export { boolEnumDatatype, convertToBoolEnums, objectAddress } from './h5-enum.js';
export { NC_NOT_A_VARIABLE, fillNetcdf, ncDimensionMarker, readNetcdf, readNetcdfGroup, writeNetcdf } from './netcdf.js';
export type { NcAttr, NcDataset, NcDim, NcVariable, NcWriteOptions } from './netcdf.js';
export {
  TVB_DATA_VERSION, TVB_WRITTEN_BY, fillTvbConnectivity, fillTvbTimeSeries, gidHex, newTvbGid, pyJson, readTvbConnectivityH5, readTvbH5, tvbDate,
  writeTvbConnectivityH5, writeTvbExport, writeTvbTimeSeriesH5, readTvbExperiment,
} from './tvb-h5.js';
export type { PendingBool, TvbH5Content, TvbTimeSeriesWriteOptions, TvbWriteOptions, TvbVbtProvenance } from './tvb-h5.js';
export { npyScalar, parseNpy, readNpy, readNpz } from './npy.js';
export type { NpyArray } from './npy.js';
export { BEP034_VERSION, BIDS_VERSION, BIDS_TS_FORMATS, BEP034_IGNORE, bidsSuffixOf, exportBids, readBidsProvenance } from './bids.js';
export { ptseriesBytes, ptseriesXml, CIFTI_INTENT_PTSERIES } from './cifti.js';
export type { BidsContent, BidsOptions, BidsTimeSeries, BidsTimeSeriesFormat } from './bids.js';
export {
  RESULT_FORMATS, connectivityFromNpz, describeFile, inferResultFormat, readAnyConnectivity, readSimulationResult, simulationResultFromJSON, writeConnectivity,
  writeSimulationResult,
} from './files.js';
export type { ConnectivityTarget, ResultFormat, WriteResultOptions } from './files.js';
