/**
 * CIFTI-2 parcellated time series (`.ptseries.nii`): a NIfTI-2 header, the CIFTI XML as a NIfTI
 * extension (code 32), then float32 data. Rows (matrix dimension 0) are the series (time), columns
 * (dimension 1) the parcels, named by region labels. No npm library writes CIFTI (the NIfTI
 * packages only read), so the ~100 bytes of header are laid out here from the NIfTI-2 and
 * CIFTI-2 specifications.
 */

/** NIfTI intent code of a parcellated series (NIFTI_INTENT_CONNECTIVITY_PARCELLATED_SERIES). */
export const CIFTI_INTENT_PTSERIES = 3004;
const NIFTI2_HEADER = 540;
const ECODE_CIFTI = 32;

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface PtseriesInit {
  /** [T, N] row-major: data[t * N + n]. */
  data: ArrayLike<number>;
  t: number;
  /** Parcel (region) names, length N. */
  parcels: string[];
  /** Time of the first sample and the step, in ms. */
  start: number;
  step: number;
  /** Extra metadata (MD name → value) in the CIFTI Matrix. */
  metadata?: Record<string, string>;
}

/** The CIFTI-2 XML of a parcellated series (series axis in ms: SECOND with exponent −3). */
export function ptseriesXml(o: PtseriesInit): string {
  const md = Object.entries(o.metadata ?? {}).map(([k, v]) => `<MD><Name>${xmlEscape(k)}</Name><Value>${xmlEscape(v)}</Value></MD>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<CIFTI Version="2">
<Matrix>
${md ? `<MetaData>${md}</MetaData>\n` : ''}<MatrixIndicesMap AppliesToMatrixDimension="0" IndicesMapToDataType="CIFTI_INDEX_TYPE_SERIES" NumberOfSeriesPoints="${o.t}" SeriesExponent="-3" SeriesStart="${o.start}" SeriesStep="${o.step}" SeriesUnit="SECOND"/>
<MatrixIndicesMap AppliesToMatrixDimension="1" IndicesMapToDataType="CIFTI_INDEX_TYPE_PARCELS">
${o.parcels.map((p) => `<Parcel Name="${xmlEscape(p)}"/>`).join('\n')}
</MatrixIndicesMap>
</Matrix>
</CIFTI>
`;
}

/**
 * The bytes of a `.ptseries.nii` file.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from 'vbt';
 * import { ptseriesBytes } from 'vbt/internals';
 * writeFileAtomic('x.ptseries.nii', ptseriesBytes({ data: [1, 2, 3, 4], t: 2, parcels: ['a', 'b'], start: 0, step: 1 }));
 * ```
 */
export function ptseriesBytes(o: PtseriesInit): Uint8Array {
  const N = o.parcels.length, T = o.t;
  if (o.data.length !== T * N) throw new Error(`ptseries: ${o.data.length} values for ${T} time points × ${N} parcels`);
  if (new Set(o.parcels).size !== N) throw new Error('ptseries: parcel names must be unique');
  if (!(o.step > 0)) throw new Error(`ptseries: step must be > 0 ms, got ${o.step}`);
  const xml = new TextEncoder().encode(ptseriesXml(o));
  const esize = Math.ceil((8 + xml.length) / 16) * 16;
  const voxOffset = NIFTI2_HEADER + 4 + esize;
  const buf = new ArrayBuffer(voxOffset + 4 * T * N);
  const v = new DataView(buf), u8 = new Uint8Array(buf);
  v.setInt32(0, NIFTI2_HEADER, true);
  u8.set([0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
  v.setInt16(12, 16, true); // float32
  v.setInt16(14, 32, true);
  const dim = [6, 1, 1, 1, 1, T, N, 1];
  dim.forEach((d, k) => v.setBigInt64(16 + 8 * k, BigInt(d), true));
  for (let k = 0; k < 8; k++) v.setFloat64(104 + 8 * k, 1, true); // pixdim (qfac 1)
  v.setBigInt64(168, BigInt(voxOffset), true);
  v.setFloat64(176, 1, true); // scl_slope
  u8.set(new TextEncoder().encode('vbt CIFTI-2 parcellated series'), 240);
  v.setInt32(504, CIFTI_INTENT_PTSERIES, true);
  u8.set(new TextEncoder().encode('ConnParcelSries'), 508);
  u8[NIFTI2_HEADER] = 1; // an extension follows
  v.setInt32(NIFTI2_HEADER + 4, esize, true);
  v.setInt32(NIFTI2_HEADER + 8, ECODE_CIFTI, true);
  u8.set(xml, NIFTI2_HEADER + 12);
  // NIfTI order: the first dimension (time) varies fastest, so each parcel's series is contiguous
  for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) v.setFloat32(voxOffset + 4 * (n * T + t), o.data[t * N + n], true);
  return u8;
}
