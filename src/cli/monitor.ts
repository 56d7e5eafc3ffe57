/**
 * `--monitor NAME[:PERIOD[:GAIN.json[:REFERENCE]]]`, read against the one monitor registry
 * (src/observation/registry.ts): every monitor the engines know is accepted here, TVB's aliases
 * included. Sensor monitors (EEG, MEG, iEEG) take the lead field `vbt gain` writes.
 */
import { readFileSync } from 'node:fs';
import { MONITORS, MONITOR_NAMES, type MonitorEntry, type MonitorSpec } from '../observation/registry.js';

function usage(m: MonitorEntry): string {
  if (m.period === 'none') return m.name;
  if (m.gain) return `${m.name}:P:GAIN.json[:REF]`;
  return m.period === 'optional' ? `${m.name}[:P]` : `${m.name}:P`;
}

/** The --monitor help text: every registered form. */
export const MONITOR_HELP = `${MONITORS.map(usage).join(' | ')} (repeatable; P in ms; Bold/BalloonWindkessel TR default 2000 ms; GAIN.json from \`vbt gain\`, REF 'average' or a sensor label)`;

/** The gain rows of a `vbt gain` JSON file ({ gain: number[][], labels? }). */
function readGainFile(path: string, flag: string): { rows: number[][]; labels?: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${flag}: cannot read the gain file '${path}' (${(e as Error).message}); expected the JSON that \`vbt gain\` writes`);
  }
  const g = (doc as { gain?: unknown }).gain;
  if (!Array.isArray(g) || g.length === 0 || !g.every((r) => Array.isArray(r) && r.length === (g[0] as unknown[]).length && r.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw new Error(`${flag}: ${path} has no 'gain' of equal-length rows of finite numbers (sensors × regions); expected the JSON that \`vbt gain\` writes`);
  }
  const labels = (doc as { labels?: unknown }).labels;
  return { rows: g as number[][], labels: Array.isArray(labels) ? labels.map(String) : undefined };
}

/** "Raw", "TemporalAverage:1", "Bold:720", "EEG:4:eeg-gain.json:average" (period in ms). */
export function parseMonitor(s: string): MonitorSpec {
  const [name, period, gainFile, ref] = s.split(':');
  const entry = MONITORS.find((m) => m.name.toLowerCase() === name.toLowerCase());
  if (!entry) throw new Error(`--monitor: unknown monitor '${name}'; expected one of: ${MONITOR_NAMES.join(', ')} (as NAME or NAME:PERIOD_MS)`);
  const canon = entry.name;
  if (entry.period === 'none') return { name: canon } as MonitorSpec;
  if (entry.period === 'optional' && period === undefined) return { name: canon } as MonitorSpec;
  const p = period === undefined ? NaN : Number(period);
  if (!(p > 0)) throw new Error(`--monitor ${canon}: needs a period in ms, e.g. ${canon}:${entry.gain ? '4:eeg-gain.json' : 1}${period === undefined ? '' : `; got '${period}'`}`);
  if (!entry.gain) return { name: canon, period: p } as MonitorSpec;
  if (!gainFile) throw new Error(`--monitor ${canon}: needs a gain file, as ${canon}:${p}:GAIN.json (sensors × regions, from \`vbt gain\`)`);
  const { rows, labels } = readGainFile(gainFile, `--monitor ${canon}`);
  let reference: 'average' | number | undefined;
  if (ref !== undefined) {
    const k = labels ? labels.indexOf(ref) : -1;
    if (ref !== 'average' && k < 0) throw new Error(`--monitor ${canon}: reference '${ref}' is neither 'average' nor a sensor label of ${gainFile}${labels ? ` (${labels.slice(0, 8).join(', ')}${labels.length > 8 ? ', ...' : ''})` : ''}`);
    // the monitor's gain is built from the rows alone, so a label becomes its row index
    reference = ref === 'average' ? 'average' : k;
  }
  return { name: canon as 'EEG' | 'MEG' | 'iEEG', period: p, gain: rows, ...(reference === undefined ? {} : { reference }) };
}
