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

/** Rebuild an expression with some symbols replaced by other expressions. */
export function substitute(e: Expr, map: (name: string) => Expr | undefined): Expr {
  switch (e.kind) {
    case 'num': return e;
    case 'sym': return map(e.name) ?? e;
    case 'unary': return { ...e, arg: substitute(e.arg, map) };
    case 'binary': return { ...e, left: substitute(e.left, map), right: substitute(e.right, map) };
    case 'cond': return { ...e, test: substitute(e.test, map), then: substitute(e.then, map), else: substitute(e.else, map) };
    case 'call': return { ...e, args: e.args.map((a) => substitute(a, map)) };
  }
}
