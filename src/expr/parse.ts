/**
 * A small Pratt parser for model equations. Precedence, lowest first:
 *   c ? a : b,  ||,  &&,  == !=,  < <= > >=,  + -,  * /,  unary - + !,  ^ (right associative; -x^2 = -(x^2)).
 * `**` is accepted as a synonym of `^`, `and`/`or`/`not` of `&&`/`||`/`!`.
 * Errors carry the source (file and field), line and column, and what was expected.
 */
import type { BinaryOp, Expr, Pos } from './ast.js';
import { CONDITIONALS, FUNCTIONS } from './functions.js';

export interface ExprSource {
  /** File the expression came from, if any. */
  file?: string;
  /** Which field, e.g. "state_variables.y0.equation". */
  field?: string;
}

export class ExprError extends Error {
  constructor(
    readonly reason: string,
    readonly text: string,
    readonly pos: Pos,
    readonly source: ExprSource = {},
  ) {
    const where = [source.file, source.field].filter(Boolean).join(': ');
    const line = text.split('\n')[pos.line - 1] ?? '';
    super(
      `${where ? where + ': ' : ''}line ${pos.line}, column ${pos.col}: ${reason}\n  ${line}\n  ${' '.repeat(Math.max(0, pos.col - 1))}^`,
    );
    this.name = 'ExprError';
  }
}

type TokKind = 'num' | 'id' | 'op' | 'eof';
interface Token { kind: TokKind; text: string; pos: Pos; value?: number }

const OPS = ['**', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '^', '<', '>', '(', ')', ',', '!', '?', ':'];

function tokenize(text: string, src: ExprSource): Token[] {
  const toks: Token[] = [];
  let i = 0, line = 1, col = 1;
  const adv = (n: number) => {
    for (let k = 0; k < n; k++) {
      if (text[i] === '\n') { line++; col = 1; } else col++;
      i++;
    }
  };
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) { adv(1); continue; }
    if (ch === '#') { while (i < text.length && text[i] !== '\n') adv(1); continue; }
    const pos = { line, col };
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      toks.push({ kind: 'num', text: num[0], pos, value: Number(num[0]) });
      adv(num[0].length);
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (id) {
      const w = id[0];
      if (w === 'and') toks.push({ kind: 'op', text: '&&', pos });
      else if (w === 'or') toks.push({ kind: 'op', text: '||', pos });
      else if (w === 'not') toks.push({ kind: 'op', text: '!', pos });
      else toks.push({ kind: 'id', text: w, pos });
      adv(w.length);
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      toks.push({ kind: 'op', text: op === '**' ? '^' : op, pos });
      adv(op.length);
      continue;
    }
    throw new ExprError(`unexpected character '${ch}'; expected a number, a name, an operator or a parenthesis`, text, pos, src);
  }
  toks.push({ kind: 'eof', text: '', pos: { line, col } });
  return toks;
}

const BINARY_PREC: Record<string, number> = {
  '||': 2, '&&': 3, '==': 4, '!=': 4, '<': 5, '<=': 5, '>': 5, '>=': 5, '+': 6, '-': 6, '*': 7, '/': 7, '^': 9,
};
const UNARY_PREC = 8;

/** Parse one expression; throws ExprError with line/column on failure. */
export function parseExpr(text: string, src: ExprSource = {}): Expr {
  if (typeof text === 'number') return { kind: 'num', value: text, pos: { line: 1, col: 1 } };
  if (typeof text !== 'string') {
    throw new ExprError(`expected an expression string, got ${JSON.stringify(text)}`, String(text), { line: 1, col: 1 }, src);
  }
  const toks = tokenize(text, src);
  let k = 0;
  const peek = () => toks[k];
  const fail = (reason: string, t: Token = peek()): never => {
    throw new ExprError(reason, text, t.pos, src);
  };
  const describe = (t: Token) => (t.kind === 'eof' ? 'end of expression' : `'${t.text}'`);
  const expectOp = (op: string, what: string) => {
    const t = peek();
    if (t.kind !== 'op' || t.text !== op) fail(`expected ${what}, found ${describe(t)}`);
    k++;
  };

  function primary(): Expr {
    const t = peek();
    if (t.kind === 'num') { k++; return { kind: 'num', value: t.value!, pos: t.pos }; }
    if (t.kind === 'id') {
      k++;
      const nx = peek();
      if (nx.kind === 'op' && nx.text === '(') {
        k++;
        const args: Expr[] = [];
        if (!(peek().kind === 'op' && peek().text === ')')) {
          for (;;) {
            args.push(expr(0));
            const sep = peek();
            if (sep.kind === 'op' && sep.text === ',') { k++; continue; }
            break;
          }
        }
        expectOp(')', `',' or ')' to close the arguments of ${t.text}(`);
        if (CONDITIONALS.has(t.text)) {
          if (args.length !== 3) fail(`${t.text}(test, then, else) takes 3 arguments, got ${args.length}`, t);
          return { kind: 'cond', test: args[0], then: args[1], else: args[2], pos: t.pos };
        }
        if (t.text === 'piecewise') {
          // piecewise(v1, c1, v2, c2, ..., otherwise): first true condition wins.
          if (args.length < 3 || args.length % 2 === 0) fail(`piecewise(value, condition, ..., otherwise) needs an odd number (>= 3) of arguments, got ${args.length}`, t);
          let out = args[args.length - 1];
          for (let a = args.length - 3; a >= 0; a -= 2) out = { kind: 'cond', test: args[a + 1], then: args[a], else: out, pos: t.pos };
          return out;
        }
        const def = FUNCTIONS[t.text];
        if (!def) {
          fail(`unknown function '${t.text}'; expected one of: ${[...Object.keys(FUNCTIONS), 'where', 'piecewise'].sort().join(', ')}`, t);
        }
        if (!def.arity.includes(args.length)) fail(`${t.text}() takes ${def.arity.join(' or ')} argument(s), got ${args.length}`, t);
        return { kind: 'call', fn: t.text, args, pos: t.pos };
      }
      return { kind: 'sym', name: t.text, pos: t.pos };
    }
    if (t.kind === 'op' && t.text === '(') {
      k++;
      const e = expr(0);
      expectOp(')', "')'");
      return e;
    }
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      k++;
      const arg = expr(UNARY_PREC);
      return { kind: 'unary', op: t.text as '-' | '+' | '!', arg, pos: t.pos };
    }
    return fail(`expected a number, a name, '(' or a unary operator, found ${describe(t)}`);
  }

  function expr(minPrec: number): Expr {
    let left = primary();
    for (;;) {
      const t = peek();
      if (t.kind !== 'op') break;
      if (t.text === '?') {
        if (minPrec > 1) break;
        k++;
        const a = expr(0);
        expectOp(':', "':' of the conditional c ? a : b");
        const b = expr(1);
        left = { kind: 'cond', test: left, then: a, else: b, pos: t.pos };
        continue;
      }
      const prec = BINARY_PREC[t.text];
      if (prec === undefined || prec < minPrec) break;
      k++;
      // '^' is right associative and binds tighter than unary minus on its left.
      const right = t.text === '^' ? expr(UNARY_PREC) : expr(prec + 1);
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos };
    }
    return left;
  }

  const e = expr(0);
  if (peek().kind !== 'eof') fail(`expected an operator or end of expression, found ${describe(peek())}`);
  return e;
}
