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

/**
 * JavaScript source of the complementary error function (erfc), kept as text so the interpreter
 * (`eval`) and generated kernels (`js`, where it is inlined as a function expression) run the very
 * same code. Accuracy: relative error below 1e-15 wherever the result is a normal double (checked
 * against 40-digit values over [-8, 27.5]).
 */
export const ERFC_JS = `function erfc(x) {
  // Complementary error function, |relative error| ~1e-16 for normal results.
  // |x| < 0.5: 1 - erf(x) from the Maclaurin series of erf.
  // 0.5 <= x < 4.125: Taylor series about the nearest multiple of 1/4, x0, using tabulated
  //   erfc(x0) and 2/sqrt(pi)*exp(-x0^2); the derivatives follow from Hermite polynomials:
  //   erfc(x0 + h) = erfc(x0) - 2/sqrt(pi) exp(-x0^2) sum_{n>=1} (-1)^(n-1) H_{n-1}(x0) h^n / n!.
  // x >= 4.125: continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
  //   evaluated bottom-up; exp(-x^2) with x split so x^2 is not rounded.
  // x < 0: erfc(x) = 2 - erfc(-x).
  if (x !== x) return NaN;
  var ax = x < 0 ? -x : x;
  if (ax < 0.5) {
    var x2 = x * x, term = x, sum = x;
    for (var n = 1; n < 40; n++) {
      term *= -x2 / n;
      var t = term / (2 * n + 1);
      sum += t;
      if ((t < 0 ? -t : t) < 1e-17 * (sum < 0 ? -sum : sum)) break;
    }
    return 1 - 1.1283791670955126 * sum;
  }
  var r;
  if (ax < 4.125) {
    var k = Math.round(ax * 4), x0 = k / 4, h = ax - x0, e0, g0;
    // e0 = erfc(x0), g0 = 2/sqrt(pi) exp(-x0^2)
    switch (k) {
      case 2: e0 = 0.4795001221869535; g0 = 0.8787825789354448; break;
      case 3: e0 = 0.28884436634648486; g0 = 0.6429310691952074; break;
      case 4: e0 = 0.15729920705028513; g0 = 0.4151074974205947; break;
      case 5: e0 = 0.07709987174354177; g0 = 0.2365211224472908; break;
      case 6: e0 = 0.033894853524689274; g0 = 0.11893028922362937; break;
      case 7: e0 = 0.013328328780817557; g0 = 0.05277499593015037; break;
      case 8: e0 = 0.004677734981047266; g0 = 0.020666985354092053; break;
      case 9: e0 = 0.0014627165866811518; g0 = 0.007142319022017983; break;
      case 10: e0 = 0.0004069520174449589; g0 = 0.0021782842303527095; break;
      case 11: e0 = 0.00010062192211963683; g0 = 0.0005862772470937923; break;
      case 12: e0 = 2.209049699858544e-05; g0 = 0.00013925305194674786; break;
      case 13: e0 = 4.302779463675122e-06; g0 = 2.9189025383581702e-05; break;
      case 14: e0 = 7.430983723414128e-07; g0 = 5.399426777384783e-06; break;
      case 15: e0 = 1.1372725656979665e-07; g0 = 8.814321912318039e-07; break;
      case 16: e0 = 1.541725790028002e-08; g0 = 1.2698234671866558e-07; break;
      default: e0 = NaN; g0 = NaN;
    }
    // s = sum_{n>=1} (-1)^(n-1) H_{n-1}(x0) h^n / n!, with H_{m+1} = 2 x0 H_m - 2 m H_{m-1}
    var Hm1 = 0, Hc = 1, p = h, s = h;
    for (var m = 1; m < 60; m++) {
      var Hn = 2 * x0 * Hc - 2 * (m - 1) * Hm1;
      Hm1 = Hc; Hc = Hn;
      p *= -h / (m + 1);
      var u = Hc * p;
      s += u;
      if ((u < 0 ? -u : u) < 1e-18 * (s < 0 ? -s : s) && m > 2) break;
    }
    r = e0 - g0 * s;
  } else if (ax > 27.3) {
    r = 0;
  } else {
    // evaluated from the tail up with enough terms for full precision (fewer as x grows)
    var f = ax;
    for (var j = Math.ceil(12 + 400 / (ax * ax)); j >= 1; j--) f = ax + (j / 2) / f;
    var xh = Math.round(ax * 65536) / 65536;
    r = Math.exp(-xh * xh) * Math.exp(-(ax - xh) * (ax + xh)) / (1.7724538509055159 * f);
  }
  return x < 0 ? 2 - r : r;
}`;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const erfcImpl = new Function(`return ${ERFC_JS}`)() as (x: number) => number;

/**
 * Sources of mod, factorial and gamma, shared by the interpreter and generated JS like erfc's.
 * They exist for TVB's temporal equations: PulseTrain uses numpy's `%`, the Gamma HRF kernel a
 * factorial and MixtureOfGammas scipy's gamma function.
 */
export const MOD_JS = `function mod(a, b) {
  // Floor modulo with numpy/Python semantics (result takes the sign of b). Computed from the exact
  // C-style remainder (JS %) with numpy's sign fix-up, so it is exact, unlike a - floor(a/b)*b.
  var r = a % b;
  if (r !== 0) { if ((r < 0) !== (b < 0)) r += b; } else r = b < 0 ? -0 : 0;
  return r;
}`;

export const FACTORIAL_JS = `function factorial(x) {
  // floor(x)! (1 when floor(x) < 1), rounded once from the exact integer product, as Python's
  // int product converted to float; Infinity past 170!.
  if (x !== x) return NaN;
  var n = Math.floor(x);
  if (n > 170) return Infinity;
  var p = BigInt(1);
  for (var i = 2; i <= n; i++) p *= BigInt(i);
  return Number(p);
}`;

export const GAMMA_JS = `function gamma(x) {
  // Euler's gamma function. Positive integers: (x-1)! rounded once from the exact product.
  // Non-positive integers are poles: +Infinity (scipy's convention). x < 1/2: reflection
  // G(x) = pi / (sin(pi x) G(1 - x)) with the sine's argument reduced exactly. Up to 33 Lanczos'
  // approximation (g = 7, 9 terms), beyond it Stirling's series.
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x === Math.floor(x)) {
    if (x <= 0) return Infinity;
    if (x > 171) return Infinity;
    var p = BigInt(1);
    for (var i = 2; i < x; i++) p *= BigInt(i);
    return Number(p);
  }
  if (x < 0.5) {
    var r = x - 2 * Math.round(x / 2);
    return Math.PI / (Math.sin(Math.PI * r) * gamma(1 - x));
  }
  if (x >= 33) {
    // Stirling's series for G(x) itself (not its log): the power has the exact base x, so its rounding
    // error stays at an ulp or two even near 171, where Lanczos' inexact base would cost ~1e-13.
    var u = 1 / x;
    var s = 1 + u * (1 / 12 + u * (1 / 288 + u * (-139 / 51840 + u * (-571 / 2488320 + u * (163879 / 209018880
      + u * (5246819 / 75246796800 + u * (-534703531 / 902961561600)))))));
    var y = Math.pow(x, 0.5 * x - 0.25);
    return 2.5066282746310002 * y * (y * Math.exp(-x)) * s;
  }
  var z = x - 1;
  var a = 0.99999999999980993 + 676.5203681218851 / (z + 1) - 1259.1392167224028 / (z + 2)
    + 771.32342877765313 / (z + 3) - 176.61502916214059 / (z + 4) + 12.507343278686905 / (z + 5)
    - 0.13857109526572012 / (z + 6) + 9.9843695780195716e-6 / (z + 7) + 1.5056327351493116e-7 / (z + 8);
  var t = z + 7.5;
  return 2.5066282746310002 * Math.pow(t, z + 0.5) * Math.exp(-t) * a;
}`;

// eslint-disable-next-line @typescript-eslint/no-implied-eval
const fromSource = (src: string) => new Function(`return ${src}`)() as (...a: number[]) => number;

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
  erfc: {
    arity: [1],
    js: (a) => `(${ERFC_JS})(${a[0]})`,
    eval: erfcImpl,
    doc: 'complementary error function erfc(x) = 1 - erf(x) (accurate also where erfc is tiny)',
  },
  mod: {
    arity: [2],
    js: (a) => `(${MOD_JS})(${a[0]}, ${a[1]})`,
    eval: fromSource(MOD_JS),
    doc: 'mod(a, b): floor modulo with the sign of b, exactly as numpy/Python a % b',
  },
  factorial: {
    arity: [1],
    js: (a) => `(${FACTORIAL_JS})(${a[0]})`,
    eval: fromSource(FACTORIAL_JS),
    doc: 'factorial(x) = floor(x)! (1 for x < 1), correctly rounded',
  },
  gamma: {
    arity: [1],
    js: (a) => `(${GAMMA_JS})(${a[0]})`,
    eval: fromSource(GAMMA_JS),
    doc: "Euler's gamma function (scipy.special.gamma; poles at 0, -1, ... give +Infinity)",
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
