/** GlobalAverage: the mean over all nodes every `period` ms. */
export interface GlobalAverageMonitorSpec { name: 'GlobalAverage'; period: number; voi?: number[] }

/**
 * SpatialAverage: the mean over each area of a mask (one area index per node, contiguous from 0)
 * every `period` ms; without a mask, the connectivity's cortical or hemisphere split.
 */
export interface SpatialAverageMonitorSpec {
  name: 'SpatialAverage';
  period: number;
  voi?: number[];
  mask?: ArrayLike<number>;
  defaultMask?: 'cortical' | 'hemispheres';
}
