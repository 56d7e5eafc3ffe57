/**
 * Reader for TVB connectivity ZIPs (the `tvb_data/connectivity/*.zip` format): plain-text tables
 * found by substrings of their member names. File-format facts follow the project's
 * docs/formats.md §1; the behaviour mirrors TVB's library reader (`Connectivity.from_file` then
 * `configure()`), with the web importer's looser names as a fallback so older archives still load.
 */
import { readFileSync } from 'node:fs';
import { noteInput } from '../io/atomic.js';
import { basename } from 'node:path';
import { unzipSync } from 'fflate';
import { Connectivity } from './connectivity.js';

/** The ZIP fields TVB reads. */
export type TvbField = 'weights' | 'tractLengths' | 'centres' | 'orientations' | 'areas' | 'cortical' | 'hemispheres';

const FIELDS: readonly TvbField[] = ['weights', 'centres', 'tractLengths', 'orientations', 'areas', 'cortical', 'hemispheres'];

/**
 * TVB's library reader: the first member (archive order) whose name contains the token; `centers`
 * only when no member contains `centres`. Case-sensitive, like Python's `in`.
 */
const LIBRARY_TOKENS: Record<TvbField, readonly string[]> = {
  weights: ['weights'],
  centres: ['centres', 'centers'],
  tractLengths: ['tract_lengths'],
  orientations: ['average_orientations'],
  areas: ['areas'],
  cortical: ['cortical'],
  hemispheres: ['hemispheres'],
};

/**
 * TVB's web importer classifies each file by the first of these tests that its lower-cased path
 * passes, in this order. Used only for fields the library tokens did not find, which is how
 * `tract.txt`, `orientation.txt`, `area.txt`, `hemisphere.txt` in older archives get read.
 */
const IMPORTER_ORDER: readonly [TvbField, readonly string[]][] = [
  ['weights', ['weight']],
  ['centres', ['centres', 'centers']],
  ['tractLengths', ['tract']],
  ['orientations', ['orientation']],
  ['areas', ['area']],
  ['cortical', ['cortical']],
  ['hemispheres', ['hemisphere']],
];

/** Entries both TVB readers skip: macOS resource forks, Finder litter, and directory entries. */
function ignoredMember(name: string): boolean {
  return name.startsWith('__MACOSX') || basename(name) === '.DS_Store' || name.endsWith('/');
}

function importerClass(name: string): TvbField | undefined {
  const lower = name.toLowerCase();
  for (const [field, tokens] of IMPORTER_ORDER) if (tokens.some((t) => lower.includes(t))) return field;
  return undefined;
}

/** Which member supplies each field, given member names in archive order. */
export function selectTvbMembers(names: readonly string[]): Partial<Record<TvbField, string>> {
  const usable = names.filter((m) => !ignoredMember(m));
  const chosen: Partial<Record<TvbField, string>> = {};
  for (const field of FIELDS) {
    for (const token of LIBRARY_TOKENS[field]) {
      const hit = usable.find((m) => m.includes(token));
      if (hit !== undefined) {
        chosen[field] = hit;
        break;
      }
    }
  }
  const taken = new Set(Object.values(chosen));
  for (const field of FIELDS) {
    if (chosen[field] !== undefined) continue;
    const hit = usable.find((m) => !taken.has(m) && importerClass(m) === field);
    if (hit !== undefined) {
      chosen[field] = hit;
      taken.add(hit);
    }
  }
  return chosen;
}

/** Where a parse problem is: every error names the zip and the member, and the line when there is one. */
interface Ctx {
  zip: string;
  member: string;
}

function fail(ctx: Ctx, msg: string, line?: number): never {
  throw new Error(`${ctx.zip}: ${ctx.member}${line !== undefined ? `: line ${line}` : ''}: ${msg}`);
}

/** One data line of a numpy.loadtxt-style table: its 1-based physical line number and its fields. */
interface Row {
  line: number;
  fields: string[];
}

/** numpy.loadtxt defaults: whitespace-separated, `#` to end of line is a comment, blank lines skipped. */
export function tokenize(text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let k = 0; k < lines.length; k++) {
    const hash = lines[k].indexOf('#');
    const body = (hash >= 0 ? lines[k].slice(0, hash) : lines[k]).trim();
    if (body !== '') rows.push({ line: k + 1, fields: body.split(/\s+/) });
  }
  return rows;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;

function parseFloatField(ctx: Ctx, row: Row, col: number): number {
  const s = row.fields[col];
  if (!FLOAT_RE.test(s)) fail(ctx, `column ${col + 1}: '${s}' is not a finite decimal number`, row.line);
  const v = Number(s);
  if (!Number.isFinite(v)) fail(ctx, `column ${col + 1}: '${s}' overflows float64`, row.line);
  return v;
}

/** numpy ≥ 1.23 parses bool files only from integers ("True" and "1.0" raise), so we accept the same. */
function parseBoolField(ctx: Ctx, row: Row, col: number): boolean {
  const s = row.fields[col];
  if (!INT_RE.test(s)) fail(ctx, `column ${col + 1}: '${s}' is not an integer (boolean files hold 1 or 0)`, row.line);
  return Number(s) !== 0;
}

function checkColumns(ctx: Ctx, rows: Row[], cols: number, what: string): void {
  for (const r of rows) {
    if (r.fields.length !== cols) fail(ctx, `${r.fields.length} columns, expected ${cols} (${what})`, r.line);
  }
}

/** An N×N float matrix; N is taken from the first row when `n` is not yet known (weights). */
function readSquare(ctx: Ctx, rows: Row[], n: number | undefined): { n: number; data: Float64Array } {
  if (rows.length === 0) fail(ctx, 'no data rows, expected an N×N matrix');
  const cols = n ?? rows[0].fields.length;
  checkColumns(ctx, rows, cols, n === undefined ? `as many as line ${rows[0].line}` : `N=${n} regions`);
  if (rows.length !== cols) fail(ctx, `${rows.length} rows of ${cols} columns, expected a square ${cols}×${cols} matrix`);
  const data = new Float64Array(cols * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = parseFloatField(ctx, r, j);
  });
  return { n: cols, data };
}

function readRows3(ctx: Ctx, rows: Row[], n: number): Float64Array {
  checkColumns(ctx, rows, 3, 'x y z');
  if (rows.length !== n) fail(ctx, `${rows.length} rows, expected ${n} (one per region)`);
  const out = new Float64Array(3 * n);
  rows.forEach((r, i) => {
    for (let c = 0; c < 3; c++) out[3 * i + c] = parseFloatField(ctx, r, c);
  });
  return out;
}

/**
 * A length-N vector, as numpy.loadtxt yields it from either one value per line or one line of
 * values; anything two-dimensional is a shape error.
 */
function vectorCells(ctx: Ctx, rows: Row[], n: number): [Row, number][] {
  let cells: [Row, number][];
  if (rows.every((r) => r.fields.length === 1)) cells = rows.map((r) => [r, 0]);
  else if (rows.length === 1) cells = rows[0].fields.map((_, c) => [rows[0], c]);
  else {
    const bad = rows.find((r) => r.fields.length !== 1)!;
    fail(ctx, `${bad.fields.length} columns, expected one value per line`, bad.line);
  }
  if (cells.length !== n) fail(ctx, `${cells.length} values, expected ${n} (one per region)`);
  return cells;
}

/**
 * `label x y z` per line. Like TVB (which reads columns 0 and 1-3 only) extra trailing columns are
 * ignored: connectivity_66's centres.txt ends every line with a fifth column, `None`.
 */
function readCentres(ctx: Ctx, rows: Row[], n: number): { labels: string[]; centres: Float64Array } {
  for (const r of rows) {
    if (r.fields.length < 4) fail(ctx, `${r.fields.length} columns, expected at least 4 (label x y z)`, r.line);
  }
  if (rows.length !== n) fail(ctx, `${rows.length} regions, expected ${n} (weights are ${n}×${n})`);
  const centres = new Float64Array(3 * n);
  rows.forEach((r, i) => {
    for (let c = 0; c < 3; c++) centres[3 * i + c] = parseFloatField(ctx, r, c + 1);
  });
  return { labels: numberRepeats(rows.map((r) => r.fields[0])), centres };
}

/**
 * TVB's own connectivity_998 names its sub-parcels after their area, so one label repeats ('rLOF' ×
 * n). Results are indexed by label, so a repeat gets its occurrence number: rLOF, rLOF_2, rLOF_3, ….
 */
export function numberRepeats(labels: string[]): string[] {
  const count = new Map<string, number>();
  const taken = new Set(labels);
  return labels.map((l) => {
    const k = (count.get(l) ?? 0) + 1;
    count.set(l, k);
    if (k === 1) return l;
    let name = `${l}_${k}`;
    for (let extra = k; taken.has(name); ) name = `${l}_${++extra}`;
    taken.add(name);
    return name;
  });
}

/**
 * Member bytes → text. TVB reads `.txt` (and `.bz2`, which vbt cannot decompress: no bz2 codec is
 * available, so such archives are refused with a way out rather than half-read); other extensions
 * are either another binary format or something TVB silently ignores, so they are refused too.
 */
function memberText(ctx: Ctx, bytes: Uint8Array): string {
  const lower = ctx.member.toLowerCase();
  if (lower.endsWith('.txt')) return new TextDecoder('utf-8').decode(bytes);
  if (lower.endsWith('.bz2')) {
    fail(ctx, 'bz2-compressed members (TVB reads them) are not supported by vbt: decompress them and store them as .txt in the zip');
  }
  const ext = /\.[^./]+$/.exec(lower)?.[0] ?? '(none)';
  fail(ctx, `unsupported member extension ${ext}: vbt reads TVB's plain-text .txt members only (TVB reads .npy/.npz/.mtx too and ignores others)`);
}

export interface ReadTvbZipOptions {
  /** Name used in errors and as Connectivity.name when bytes are given (default: '<bytes>'). */
  name?: string;
  /** Conduction speed to attach (mm/ms); TVB's default 3.0 otherwise, since the zip stores none. */
  speed?: number;
}

/**
 * Read a TVB connectivity ZIP from a path or its bytes. Required: weights and centres. Missing
 * tract lengths become Euclidean distances between centres and missing hemispheres are derived
 * from labels (both as TVB's configure() does); other absent members stay empty.
 */
export function readTvbConnectivityZip(pathOrBytes: string | Uint8Array, options: ReadTvbZipOptions = {}): Connectivity {
  const isPath = typeof pathOrBytes === 'string';
  const zip = options.name ?? (isPath ? pathOrBytes : '<bytes>');
  let bytes: Uint8Array;
  try {
    bytes = isPath ? readFileSync(pathOrBytes) : pathOrBytes;
    if (isPath) noteInput(pathOrBytes as string);
  } catch (e) {
    throw new Error(`${zip}: cannot read: ${(e as Error).message}`);
  }

  // First pass lists names in archive order without inflating anything (object key order would
  // misorder names that look like integers); the second inflates only the chosen members.
  const names: string[] = [];
  let entries: Record<string, Uint8Array>;
  let members: Partial<Record<TvbField, string>>;
  try {
    unzipSync(bytes, { filter: (f) => {
      // deflate expands at most ~1032:1; a member claiming more is corrupt (or a zip bomb)
      if (f.originalSize > 1032 * Math.max(f.size, 1) + 1024) throw new Error(`member ${f.name} claims ${f.originalSize} bytes from ${f.size} compressed`);
      names.push(f.name);
      return false;
    } });
    members = selectTvbMembers(names);
    const chosen = new Set(Object.values(members));
    entries = unzipSync(bytes, { filter: (f) => chosen.has(f.name) });
  } catch (e) {
    throw new Error(`${zip}: not a readable zip archive: ${(e as Error).message}`);
  }
  const rowsOf = (field: TvbField): { ctx: Ctx; rows: Row[] } | undefined => {
    const member = members[field];
    if (member === undefined) return undefined;
    const ctx = { zip, member };
    return { ctx, rows: tokenize(memberText(ctx, entries[member])) };
  };

  const w = rowsOf('weights');
  if (!w) throw new Error(`${zip}: no member name contains 'weights' (members: ${names.join(', ') || 'none'})`);
  const { n, data: weights } = readSquare(w.ctx, w.rows, undefined);

  const c = rowsOf('centres');
  if (!c) throw new Error(`${zip}: no member name contains 'centres' or 'centers'; labels and positions come from it`);
  const { labels, centres } = readCentres(c.ctx, c.rows, n);

  const t = rowsOf('tractLengths');
  let tractLengths: Float64Array | undefined;
  if (t && t.rows.length > 0) {
    tractLengths = readSquare(t.ctx, t.rows, n).data;
    const bad = tractLengths.findIndex((v) => v < 0);
    if (bad >= 0) {
      const row = Math.floor(bad / n);
      fail(t.ctx, `column ${(bad % n) + 1}: negative tract length ${tractLengths[bad]}`, t.rows[row].line);
    }
  }

  const o = rowsOf('orientations');
  const orientations = o && o.rows.length > 0 ? readRows3(o.ctx, o.rows, n) : undefined;
  const a = rowsOf('areas');
  const areas = a && a.rows.length > 0 ? Float64Array.from(vectorCells(a.ctx, a.rows, n), ([r, col]) => parseFloatField(a.ctx, r, col)) : undefined;
  const bools = (field: 'cortical' | 'hemispheres'): boolean[] | undefined => {
    const b = rowsOf(field);
    return b && b.rows.length > 0 ? vectorCells(b.ctx, b.rows, n).map(([r, col]) => parseBoolField(b.ctx, r, col)) : undefined;
  };

  return new Connectivity({
    n,
    weights,
    tractLengths,
    centres,
    labels,
    orientations,
    areas,
    cortical: bools('cortical'),
    hemispheres: bools('hemispheres'),
    speed: options.speed,
    name: isPath ? basename(pathOrBytes).replace(/\.zip$/i, '') : zip,
    source: isPath ? pathOrBytes : zip,
  });
}
