/**
 * Choosing the tfjs backend: tfjs-node-gpu, then tfjs-node, then wasm, then cpu — the first that
 * loads wins. `VBT_BACKEND` (node-gpu | node | wasm | cpu) forces one; if it cannot load, that is an
 * error rather than a silent fallback, because a user who asks for the GPU wants to know.
 *
 * @example
 * ```ts
 * import { loadBackend } from 'vbt';
 * const info = await loadBackend();        // or loadBackend('cpu')
 * console.log(info.name, info.tried);      // 'wasm', [{ candidate: 'node-gpu', error: ... }, ...]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureTfGradients } from '../analysis/tf-gradients.js';
import { setBackendProbe } from './active.js';

export const BACKEND_CANDIDATES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof BACKEND_CANDIDATES)[number];

export interface BackendInfo {
  /** The candidate that loaded. */
  candidate: BackendCandidate;
  /** tfjs' name for it (`tensorflow` for both native bindings). */
  name: string;
  /** The npm package that provides it. */
  package: string;
  /** Candidates tried before it, with the reason each failed. */
  tried: { candidate: BackendCandidate; error: string }[];
  /** Where the choice came from. */
  source: 'VBT_BACKEND' | 'argument' | 'automatic';
}

const PACKAGES: Record<BackendCandidate, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};
const TFJS_NAMES: Record<BackendCandidate, string> = { 'node-gpu': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let current: BackendInfo | undefined;

function parseCandidate(v: string, what: string): BackendCandidate {
  const k = v.trim().toLowerCase().replace(/^tfjs-/, '');
  const alias: Record<string, BackendCandidate> = { gpu: 'node-gpu', 'node-gpu': 'node-gpu', node: 'node', tensorflow: 'node', wasm: 'wasm', cpu: 'cpu' };
  const c = alias[k];
  if (!c) throw new Error(`${what}: unknown backend '${v}'; expected one of: ${BACKEND_CANDIDATES.join(', ')}`);
  return c;
}

async function tryLoad(c: BackendCandidate): Promise<void> {
  const pkg = PACKAGES[c];
  // A computed specifier: the native packages are optional and must not be resolved at build time.
  const spec: string = pkg;
  if (c === 'wasm') {
    const wasm = (await import(spec)) as { setWasmPaths?: (p: string) => void };
    // In Node the .wasm binaries sit next to the package's dist entry; point the loader there.
    const req = createRequire(import.meta.url);
    const dir = dirname(req.resolve(pkg));
    wasm.setWasmPaths?.(join(dir.endsWith('dist') ? dir : join(dir, '..'), '/').replace(/\\/g, '/'));
  } else {
    await import(spec);
  }
  const ok = await tf.setBackend(TFJS_NAMES[c]);
  if (!ok) throw new Error(`tf.setBackend('${TFJS_NAMES[c]}') returned false`);
  await tf.ready();
  // tfjs-core's Node build registers no gradients; the tensor engine needs them
  await ensureTfGradients();
}

/**
 * Load and activate a backend (and register tfjs' gradients). With no argument: `VBT_BACKEND` if
 * set, else the first of node-gpu → node → wasm → cpu that loads. Calling again is cheap.
 */
export async function loadBackend(which?: string): Promise<BackendInfo> {
  const env = process.env.VBT_BACKEND;
  const forced = which ?? (env && env.trim() ? env : undefined);
  const source: BackendInfo['source'] = which ? 'argument' : forced ? 'VBT_BACKEND' : 'automatic';
  const order: BackendCandidate[] = forced ? [parseCandidate(forced, which ? 'backend' : 'VBT_BACKEND')] : [...BACKEND_CANDIDATES];
  if (current && tf.getBackend() === current.name && (forced ? current.candidate === order[0] : current.source === 'automatic')) return current;
  const tried: BackendInfo['tried'] = [];
  for (const c of order) {
    try {
      await tryLoad(c);
      current = { candidate: c, name: TFJS_NAMES[c], package: PACKAGES[c], tried, source };
      return current;
    } catch (e) {
      tried.push({ candidate: c, error: (e as Error).message.split('\n')[0] });
    }
  }
  throw new Error(
    `no tfjs backend could be loaded (${tried.map((t) => `${t.candidate}: ${t.error}`).join('; ')})` +
      (forced ? `; ${source === 'VBT_BACKEND' ? 'VBT_BACKEND' : 'the requested backend'} '${forced}' must be installed and loadable` : ''),
  );
}

/** The backend chosen by the last `loadBackend`, or undefined before the first call. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/** One line for logs and the CLI: `backend: wasm (@tensorflow/tfjs-backend-wasm); tried node-gpu: …`. */
export function formatBackend(info: BackendInfo): string {
  const tried = info.tried.length ? `; not loaded: ${info.tried.map((t) => `${t.candidate} (${t.error})`).join(', ')}` : '';
  return `backend: ${info.candidate} (tfjs '${info.name}', ${info.package}; chosen ${info.source})${tried}`;
}

// results record which tfjs backend this process loaded (provenance has no tfjs dependency itself)
setBackendProbe(() => backendInfo()?.name ?? null);
