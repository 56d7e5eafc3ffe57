/** Abstract syntax of vbt's expression language (model equations, couplings, stimuli). */

export interface Pos {
  /** 1-based line within the expression text. */
  line: number;
  /** 1-based column within the line. */
  col: number;
}

export type Expr =
  | { kind: 'num'; value: number; pos: Pos }
  | { kind: 'sym'; name: string; pos: Pos }
  | { kind: 'unary'; op: '-' | '+' | '!'; arg: Expr; pos: Pos }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: Pos }
  | { kind: 'cond'; test: Expr; then: Expr; else: Expr; pos: Pos }
  | { kind: 'call'; fn: string; args: Expr[]; pos: Pos };

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '^'
  | '<' | '<=' | '>' | '>=' | '==' | '!='
  | '&&' | '||';

/** Names of every symbol an expression reads (functions excluded). */
export function freeSymbols(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'num': break;
    case 'sym': out.add(e.name); break;
    case 'unary': freeSymbols(e.arg, out); break;
    case 'binary': freeSymbols(e.left, out); freeSymbols(e.right, out); break;
    case 'cond': freeSymbols(e.test, out); freeSymbols(e.then, out); freeSymbols(e.else, out); break;
    case 'call': for (const a of e.args) freeSymbols(a, out); break;
  }
  return out;
}

/**
 * Rebuild an expression top-down: where `visit` returns an expression it replaces that node (it may
 * call `rec` on parts of it), elsewhere the node is copied with its children rebuilt.
 * @example
 * ```ts
 * import { mapExpr, parseExpr } from 'vbt/internals';
 * const e = parseExpr('2 * x + 1');
 * mapExpr(e, (x) => (x.kind === 'num' ? { ...x, value: 2 * x.value } : undefined)); // every constant doubled
 * ```
 */
export function mapExpr(e: Expr, visit: (x: Expr, rec: (y: Expr) => Expr) => Expr | undefined): Expr {
  const rec = (x: Expr): Expr => {
    const v = visit(x, rec);
    if (v) return v;
    switch (x.kind) {
      case 'num': case 'sym': return x;
      case 'unary': return { ...x, arg: rec(x.arg) };
      case 'binary': return { ...x, left: rec(x.left), right: rec(x.right) };
      case 'cond': return { ...x, test: rec(x.test), then: rec(x.then), else: rec(x.else) };
      case 'call': return { ...x, args: x.args.map(rec) };
    }
  };
  return rec(e);
}

/** Rebuild an expression with some symbols replaced by other expressions. */
export function substitute(e: Expr, map: (name: string) => Expr | undefined): Expr {
  return mapExpr(e, (x) => (x.kind === 'sym' ? map(x.name) : undefined));
}
