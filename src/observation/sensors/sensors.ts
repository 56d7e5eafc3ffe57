/**
 * Sensor sets (EEG, MEG, sEEG/iEEG) from TVB's text files: one sensor per line,
 * `label x y z` (EEG, internal) or `label x y z ox oy oz` (MEG, with the coil orientation),
 * whitespace separated, positions in mm.
 */
import { readFileSync } from 'node:fs';

export interface Sensors {
  labels: string[];
  /** n × 3 positions (mm), row-major. */
  positions: Float64Array;
  /** n × 3 unit orientations (MEG), or undefined. */
  orientations?: Float64Array;
  /** Labels of lines that were dropped (all-zero placeholder channels such as TRIGGER). */
  dropped: string[];
}

/**
 * Parses TVB's sensor text (or reads a file when `source` names one). Channels whose position and
 * orientation are all zero (MEG files' TRIGGER/RESPONSE lines) carry no geometry and are dropped,
 * listed in `dropped`.
 *
 * @example
 * ```ts
 * import { parseSensors } from 'vbt';
 * const s = parseSensors('Fp1 102.5 40.2 45.2\nFp2 102.5 -39.9 44.8\n');
 * s.labels; // ['Fp1', 'Fp2']
 * ```
 */
export function parseSensors(text: string, name = 'sensors'): Sensors {
  const labels: string[] = [], pos: number[] = [], ori: number[] = [], dropped: string[] = [];
  let cols = 0;
  text.split(/\r?\n/).forEach((line, k) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    const nums = f.slice(1).map(Number);
    if (f.length !== 4 && f.length !== 7) throw new Error(`${name}:${k + 1}: ${f.length} fields; expected 'label x y z' or 'label x y z ox oy oz'`);
    if (cols && f.length !== cols) throw new Error(`${name}:${k + 1}: ${f.length} fields, but earlier lines have ${cols}; expected the same layout on every line`);
    cols = f.length;
    nums.forEach((v, j) => { if (!Number.isFinite(v)) throw new Error(`${name}:${k + 1}: field ${j + 2} '${f[j + 1]}' is not a number`); });
    if (nums.every((v) => v === 0)) { dropped.push(f[0]); return; }
    labels.push(f[0]);
    pos.push(nums[0], nums[1], nums[2]);
    if (cols === 7) {
      const [ox, oy, oz] = nums.slice(3);
      const r = Math.hypot(ox, oy, oz);
      if (!(r > 0)) throw new Error(`${name}:${k + 1}: sensor '${f[0]}' has a zero orientation vector`);
      ori.push(ox / r, oy / r, oz / r);
    }
  });
  if (labels.length === 0) throw new Error(`${name}: no sensors found`);
  return { labels, positions: Float64Array.from(pos), orientations: cols === 7 ? Float64Array.from(ori) : undefined, dropped };
}

/**
 * Reads a TVB sensor file (see `parseSensors`).
 *
 * @example
 * ```ts
 * import { readSensors } from 'vbt';
 * readSensors('../shared/data/tvb/eeg_brainstorm_65.txt').labels.length; // 65
 * ```
 */
export function readSensors(path: string): Sensors {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read sensor file ${path}: ${(e as Error).message}`);
  }
  return parseSensors(text, path);
}
