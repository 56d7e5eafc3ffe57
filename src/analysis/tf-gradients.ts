/**
 * Registers tfjs-core's gradient functions (add, mul, matMul, exp, ...), which `tf.grad` needs.
 *
 * Why this exists: tfjs-core's CommonJS build (what Node loads) does not register gradients; only
 * its ES-module `dist/register_all_gradients.js` does, and that file uses extension-less relative
 * imports that Node's ESM loader rejects. So we add a resolve hook, limited to files inside
 * tfjs-core's dist folder, that retries such an import with `.js`, then import the file. The
 * gradient registry is global (shared by the CommonJS and ES-module copies), so this enables
 * `tf.grad` for every tensor created through '@tensorflow/tfjs-core'. Idempotent.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { runInThisContext, constants } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';

const HOOK = `export async function resolve(spec, ctx, next) {
  if ((spec.startsWith('./') || spec.startsWith('../')) && !spec.endsWith('.js') && ctx.parentURL && ctx.parentURL.includes('/@tensorflow/tfjs-core/dist/')) {
    try { return await next(spec + '.js', ctx); } catch { /* not a file: fall through */ }
  }
  return next(spec, ctx);
}`;

let ready: Promise<void> | undefined;

/**
 * True when tfjs can differentiate the basic ops (checked on `Sub`).
 *
 * @example
 * ```ts
 * import { ensureTfGradients, gradientsRegistered } from 'vbt';
 * if (!gradientsRegistered()) await ensureTfGradients();
 * ```
 */
export function gradientsRegistered(): boolean {
  return tf.getGradient('Sub') !== undefined && tf.getGradient('BatchMatMul') !== undefined;
}

/**
 * Makes sure tfjs gradients are registered; call (and await) once before `tf.grad`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ensureTfGradients } from 'vbt';
 * await ensureTfGradients();
 * tf.grad((x) => tf.sum(tf.square(x)))(tf.ones([2])); // [2, 2]
 * ```
 */
export function ensureTfGradients(): Promise<void> {
  if (gradientsRegistered()) return Promise.resolve();
  ready ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    // Node's own import() (vm with the main context's default loader, Node >= 20.12): test runners
    // that rewrite import() would otherwise transform tfjs-core's whole ES-module tree themselves.
    const nativeImport = runInThisContext('(s) => import(s)', { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER }) as (s: string) => Promise<unknown>;
    // resolved from this module, not from the working directory, which is where a vm import() resolves bare names
    const file = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await nativeImport(pathToFileURL(file).href);
    if (!gradientsRegistered()) throw new Error('tfjs gradients could not be registered (is @tensorflow/tfjs-core installed?)');
  })();
  return ready;
}
