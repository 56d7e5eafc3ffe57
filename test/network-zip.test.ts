/** TVB ZIP reader on small archives built here: member lookup, TVB's defaults, and error messages. */
import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { euclideanTractLengths, readTvbConnectivityZip, selectTvbMembers, tokenize } from '../src/network/index.js';

const W = '0 1 2\n1 0 3\n2 3 0\n';
const T = '0 10 20\n10 0 30\n20 30 0\n';
const C = 'rA 0 0 0\nrB 10 0 0\nlC 0 20 0\n';

/** A zip from name → text, in the given (archive) order. */
function zipOf(files: Record<string, string>): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
  return zipSync(entries);
}
const read = (files: Record<string, string>) => readTvbConnectivityZip(zipOf(files), { name: 'bad.zip' });
const fails = (files: Record<string, string>) => {
  try {
    read(files);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the read to fail');
};

describe('member lookup', () => {
  it('takes the first member containing the token, skipping __MACOSX and directories', () => {
    const m = selectTvbMembers(['__MACOSX/x/._weights.txt', 'd/', 'd/weights.txt', 'd/weights_old.txt', 'd/centres.txt', 'd/tract_lengths.txt', 'info.txt']);
    expect(m).toEqual({ weights: 'd/weights.txt', centres: 'd/centres.txt', tractLengths: 'd/tract_lengths.txt' });
  });
  it('falls back to centers, then to the web importer names (tract, orientation, area, hemisphere)', () => {
    const m = selectTvbMembers(['weights.txt', 'centers.txt', 'tract.txt', 'orientation.txt', 'area.txt', 'hemisphere.txt', 'Cortical.txt']);
    expect(m).toEqual({
      weights: 'weights.txt',
      centres: 'centers.txt',
      tractLengths: 'tract.txt',
      orientations: 'orientation.txt',
      areas: 'area.txt',
      cortical: 'Cortical.txt',
      hemispheres: 'hemisphere.txt',
    });
  });
});

describe('tokenize (numpy.loadtxt defaults)', () => {
  it('skips comments and blank lines, keeps physical line numbers, accepts CRLF and CR', () => {
    const rows = tokenize('# header\r\n1 2 # tail\r\n\r\n  3\t4  \r5 6');
    expect(rows).toEqual([
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['3', '4'] },
      { line: 5, fields: ['5', '6'] },
    ]);
  });
});

describe('reading small archives', () => {
  it('reads all members, nested in a folder, with comments', () => {
    const c = read({
      'sub/weights.txt': '# w\n' + W,
      'sub/tract_lengths.txt': T,
      'sub/centres.txt': C,
      'sub/cortical.txt': '1\n0\n1\n',
      'sub/hemispheres.txt': '1 1 0',
      'sub/areas.txt': '5\n6\n7\n',
      'sub/average_orientations.txt': '1 0 0\n0 1 0\n0 0 1\n',
    });
    expect(c.n).toBe(3);
    expect(c.labels).toEqual(['rA', 'rB', 'lC']);
    expect(Array.from(c.weights)).toEqual([0, 1, 2, 1, 0, 3, 2, 3, 0]);
    expect(c.cortical).toEqual([true, false, true]);
    expect(c.hemispheres).toEqual([true, true, false]);
    expect(Array.from(c.areas)).toEqual([5, 6, 7]);
    expect(Array.from(c.orientations)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(c.name).toBe('bad.zip');
  });

  it("applies TVB's defaults: tract lengths from centres, hemispheres from labels, other fields empty", () => {
    const c = read({ 'weights.txt': W, 'centres.txt': C });
    expect(Array.from(c.tractLengths)).toEqual(Array.from(euclideanTractLengths(c.centres, 3)));
    expect(c.tractLengths[1]).toBe(10);
    expect(c.hemispheres).toEqual([true, true, false]);
    expect(c.cortical).toEqual([]);
    expect(c.areas.length).toBe(0);
    expect(c.speed).toBe(3);
    const empty = read({ 'weights.txt': W, 'centres.txt': C, 'tract_lengths.txt': '\n' });
    expect(empty.tractLengths[2]).toBe(20);
  });

  it('reads the older tract.txt name', () => {
    const c = read({ 'weights.txt': W, 'centres.txt': C, 'tract.txt': T });
    expect(c.tractLengths[5]).toBe(30);
  });
});

describe('error messages name the zip, the member, the line and what was expected', () => {
  it('malformed number', () => {
    expect(fails({ 'weights.txt': '0 1 2\n1 0 x3\n2 3 0\n', 'centres.txt': C })).toBe(
      "bad.zip: weights.txt: line 2: column 3: 'x3' is not a finite decimal number",
    );
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'tract_lengths.txt': '0 1 nan\n1 0 1\n1 1 0\n' })).toMatch(
      /^bad\.zip: tract_lengths\.txt: line 1: column 3: 'nan' is not a finite/,
    );
  });
  it('ragged rows and non-square matrices', () => {
    expect(fails({ 'weights.txt': '0 1 2\n1 0\n2 3 0\n', 'centres.txt': C })).toBe(
      'bad.zip: weights.txt: line 2: 2 columns, expected 3 (as many as line 1)',
    );
    expect(fails({ 'weights.txt': '0 1 2\n1 0 3\n', 'centres.txt': C })).toBe(
      'bad.zip: weights.txt: 2 rows of 3 columns, expected a square 3×3 matrix',
    );
  });
  it('shapes that disagree with the weights', () => {
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'tract_lengths.txt': '0 1\n1 0\n' })).toBe(
      'bad.zip: tract_lengths.txt: line 1: 2 columns, expected 3 (N=3 regions)',
    );
    expect(fails({ 'weights.txt': W, 'centres.txt': 'rA 0 0 0\nrB 1 1 1\n' })).toBe(
      'bad.zip: centres.txt: 2 regions, expected 3 (weights are 3×3)',
    );
    expect(fails({ 'weights.txt': W, 'centres.txt': 'rA 0 0\nrB 1 1 1\nrC 2 2 2\n' })).toBe(
      'bad.zip: centres.txt: line 1: 3 columns, expected at least 4 (label x y z)',
    );
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'areas.txt': '1\n2\n' })).toBe(
      'bad.zip: areas.txt: 2 values, expected 3 (one per region)',
    );
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'average_orientations.txt': '1 0 0\n0 1\n0 0 1\n' })).toBe(
      'bad.zip: average_orientations.txt: line 2: 2 columns, expected 3 (x y z)',
    );
  });
  it('negative tract length', () => {
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'tract_lengths.txt': '0 1 2\n1 0 -3\n2 3 0\n' })).toBe(
      'bad.zip: tract_lengths.txt: line 2: column 3: negative tract length -3',
    );
  });
  it('booleans must be integers, as numpy >= 1.23 requires', () => {
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'cortical.txt': '1\nTrue\n1\n' })).toBe(
      "bad.zip: cortical.txt: line 2: column 1: 'True' is not an integer (boolean files hold 1 or 0)",
    );
    expect(fails({ 'weights.txt': W, 'centres.txt': C, 'hemispheres.txt': '1.0\n0\n1\n' })).toMatch(/hemispheres\.txt: line 1: column 1: '1\.0' is not an integer/);
  });
  it('missing required members, bz2 and other unsupported members, non-zips', () => {
    expect(fails({ 'centres.txt': C })).toBe("bad.zip: no member name contains 'weights' (members: centres.txt)");
    expect(fails({ 'weights.txt': W })).toMatch(/^bad\.zip: no member name contains 'centres' or 'centers'/);
    expect(fails({ 'weights.txt.bz2': 'BZh9', 'centres.txt': C })).toMatch(/^bad\.zip: weights\.txt\.bz2: bz2-compressed members .* not supported/);
    expect(fails({ 'weights.npy': '', 'centres.txt': C })).toMatch(/^bad\.zip: weights\.npy: unsupported member extension \.npy/);
    expect(() => readTvbConnectivityZip(strToU8('not a zip'), { name: 'junk.zip' })).toThrow(/^junk\.zip: not a readable zip archive/);
    expect(() => readTvbConnectivityZip('/nonexistent/c.zip')).toThrow(/^\/nonexistent\/c\.zip: cannot read/);
  });
});
