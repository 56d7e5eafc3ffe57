/**
 * The function table of the expression language. One table serves the parser (arity checks), the
 * float64 JS code generator and the interpreter, so the engines cannot disagree on what a name means.
 */

export interface FunctionDef {
  /** Allowed argument counts. */
  arity: number[];
  /** JS source producing the value from argument sources. */
  js: (a: string[]) => string;
  /** Direct evaluation (used by the interpreter and constant folding). */
  eval: (...a: number[]) => number;
  doc: string;
}

const f1 = (name: string, m: (x: number) => number, doc: string): FunctionDef => ({
  arity: [1],
  js: (a) => `Math.${name}(${a[0]})`,
  eval: m,
  doc,
});

export const FUNCTIONS: Record<string, FunctionDef> = {
  exp: f1('exp', Math.exp, 'e^x'),
  log: f1('log', Math.log, 'natural logarithm'),
  log10: f1('log10', Math.log10, 'base-10 logarithm'),
  log2: f1('log2', Math.log2, 'base-2 logarithm'),
  log1p: f1('log1p', Math.log1p, 'log(1 + x)'),
  expm1: f1('expm1', Math.expm1, 'exp(x) - 1'),
  sqrt: f1('sqrt', Math.sqrt, 'square root'),
  cbrt: f1('cbrt', Math.cbrt, 'cube root'),
  sin: f1('sin', Math.sin, 'sine'),
  cos: f1('cos', Math.cos, 'cosine'),
  tan: f1('tan', Math.tan, 'tangent'),
  asin: f1('asin', Math.asin, 'arcsine'),
  acos: f1('acos', Math.acos, 'arccosine'),
  atan: f1('atan', Math.atan, 'arctangent'),
  arcsin: f1('asin', Math.asin, 'arcsine (numpy name)'),
  arccos: f1('acos', Math.acos, 'arccosine (numpy name)'),
  arctan: f1('atan', Math.atan, 'arctangent (numpy name)'),
  sinh: f1('sinh', Math.sinh, 'hyperbolic sine'),
  cosh: f1('cosh', Math.cosh, 'hyperbolic cosine'),
  tanh: f1('tanh', Math.tanh, 'hyperbolic tangent'),
  abs: f1('abs', Math.abs, 'absolute value'),
  floor: f1('floor', Math.floor, 'round down'),
  ceil: f1('ceil', Math.ceil, 'round up'),
  sign: f1('sign', Math.sign, 'sign: -1, 0 or 1'),
  atan2: { arity: [2], js: (a) => `Math.atan2(${a[0]}, ${a[1]})`, eval: Math.atan2, doc: 'atan2(y, x)' },
  pow: { arity: [2], js: (a) => `Math.pow(${a[0]}, ${a[1]})`, eval: Math.pow, doc: 'pow(x, y) = x^y' },
  min: { arity: [2], js: (a) => `Math.min(${a[0]}, ${a[1]})`, eval: Math.min, doc: 'smaller of two' },
  max: { arity: [2], js: (a) => `Math.max(${a[0]}, ${a[1]})`, eval: Math.max, doc: 'larger of two' },
  clip: {
    arity: [3],
    js: (a) => `Math.min(Math.max(${a[0]}, ${a[1]}), ${a[2]})`,
    eval: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
    doc: 'clip(x, lo, hi)',
  },
  heaviside: {
    arity: [1, 2],
    js: (a) => (a.length === 1 ? `((${a[0]}) > 0 ? 1 : 0)` : `((${a[0]}) > 0 ? 1 : ((${a[0]}) < 0 ? 0 : (${a[1]})))`),
    eval: (x, h0 = 0) => (x > 0 ? 1 : x < 0 ? 0 : h0),
    doc: 'heaviside(x[, value at 0 = 0])',
  },
  sigmoid: {
    arity: [1],
    js: (a) => `(1 / (1 + Math.exp(-(${a[0]}))))`,
    eval: (x) => 1 / (1 + Math.exp(-x)),
    doc: 'logistic 1/(1+exp(-x))',
  },
  square: { arity: [1], js: (a) => `((${a[0]}) * (${a[0]}))`, eval: (x) => x * x, doc: 'x*x' },
  // Mode reductions for multi-mode models (ReducedSet*); the model compiler expands them per mode.
  mdot: {
    arity: [2],
    js: () => { throw new Error('mdot(A, x) is only valid inside a model with modes'); },
    eval: () => NaN,
    doc: 'mdot(A, x) at mode m = sum_k A[k][m] * x[k] (A: a modes x modes constant)',
  },
  msum: {
    arity: [1, 2],
    js: () => { throw new Error('msum(x) is only valid inside a model with modes'); },
    eval: () => NaN,
    doc: 'msum(x) = sum_k x[k]; msum(w, x) = sum_k w[k] * x[k] over the modes of a node',
  },
  // where/piecewise are conditionals; the parser turns them into 'cond' nodes.
};

/** Names that act as conditionals: where(test, then, else) and piecewise(then, test, else). */
export const CONDITIONALS = new Set(['where', 'ifelse']);

/** Constants, used only where no parameter or variable of that name exists. */
export const CONSTANTS: Record<string, number> = {
  pi: Math.PI,
  inf: Infinity,
};
