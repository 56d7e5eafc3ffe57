/**
 * An experiment file as parsed YAML that still knows where every value came from. The `yaml`
 * package keeps each node's source range, and its LineCounter turns offsets into lines, so every
 * problem can be reported as `file:line  path.to.key: message` (js-yaml drops positions once the
 * document is converted to plain objects).
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node } from 'yaml';

export type YamlPath = (string | number)[];

/** One problem in an experiment file. */
export interface ExperimentIssue {
  path: YamlPath;
  /** 1-based line in the file (0 when the position is unknown). */
  line: number;
  message: string;
}

/** `a.b[2].c` */
export function formatPath(path: YamlPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(top level)';
}

/** All problems of an experiment, reported together before anything runs. */
export class ExperimentError extends Error {
  constructor(readonly file: string, readonly issues: ExperimentIssue[]) {
    super(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${file}:${i.line}  ${formatPath(i.path)}: ${i.message}`).join('\n')}`);
    this.name = 'ExperimentError';
  }
}

export class ExperimentSource {
  readonly data: unknown;
  private readonly doc: Document;
  private readonly lines: LineCounter;

  private constructor(readonly file: string, readonly text: string) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    if (this.doc.errors.length) {
      throw new ExperimentError(file, this.doc.errors.map((e) => ({ path: [], line: e.linePos?.[0]?.line ?? this.lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0]}` })));
    }
    this.data = this.doc.toJS({ maxAliasCount: 100 });
  }

  static fromText(text: string, file = '<experiment>'): ExperimentSource {
    return new ExperimentSource(file, text);
  }

  static fromFile(path: string): ExperimentSource {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`${path}: cannot read the experiment file: ${(e as Error).message}`);
    }
    return new ExperimentSource(path, text);
  }

  /**
   * Line of the node at `path`; for a missing key, the line of the deepest existing parent (the
   * key itself for map entries, so an unknown key points at its own line).
   */
  lineOf(path: YamlPath): number {
    let node: unknown = this.doc.contents;
    let line = node ? this.posLine(node as Node) : 1;
    for (const p of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(p));
        if (!pair) break;
        line = isScalar(pair.key) ? this.posLine(pair.key as Node) : line;
        node = pair.value;
        if (node && (isScalar(node) || isMap(node) || isSeq(node))) line = isScalar(node) ? this.posLine(node as Node) : line;
      } else if (isSeq(node) && typeof p === 'number' && node.items[p] !== undefined) {
        node = node.items[p];
        line = this.posLine(node as Node);
      } else break;
    }
    return line;
  }

  private posLine(n: Node): number {
    const r = n.range;
    return r ? this.lines.linePos(r[0]).line : 0;
  }

  issue(path: YamlPath, message: string): ExperimentIssue {
    return { path, line: this.lineOf(path), message };
  }
}
