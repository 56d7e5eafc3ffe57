/**
 * The model catalogue: every `*.yaml` in `src/models/catalogue/` is one model. Files are read lazily
 * and validated once; user models (YAML path or TS object) go through the same validation.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { noteInput } from '../io/atomic.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { type ModelSpec, SpecError, validateModelSpec } from './spec.js';
import { checkModelExpressions } from './check.js';

/** The catalogue folder; found from this module whether running from src/ or dist/src/. */
export function catalogueDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const cand of [join(here, 'catalogue'), resolve(here, '../../../src/models/catalogue')]) {
    if (existsSync(cand)) return cand;
  }
  throw new Error(`model catalogue folder not found next to ${here}`);
}

let index: Map<string, string> | undefined;
const cache = new Map<string, ModelSpec>();

function catalogueIndex(): Map<string, string> {
  if (!index) {
    index = new Map();
    const dir = catalogueDir();
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.yaml') || f.endsWith('.yml')) index.set(f.replace(/\.ya?ml$/, ''), join(dir, f));
    }
  }
  return index;
}

/** Names of all catalogue models. */
export function listModels(): string[] {
  return [...catalogueIndex().keys()];
}

/** Parse and validate a model YAML text. */
export function parseModelYaml(text: string, file = '<yaml>'): ModelSpec {
  let obj: unknown;
  try {
    obj = yaml.load(text);
  } catch (e) {
    throw new SpecError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const spec = validateModelSpec(obj, file);
  checkModelExpressions(spec, file);
  return spec;
}

/** Load a model YAML file from disk. */
export function loadModelFile(path: string): ModelSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    noteInput(path);
  } catch (e) {
    throw new SpecError(`${path}: cannot read model file: ${(e as Error).message}`);
  }
  return parseModelYaml(text, path);
}

/**
 * Resolve a model: a catalogue name (case-insensitive), a path to a YAML file, or a spec object.
 * Unknown names list the valid ones.
 */
export function getModel(model: string | ModelSpec): ModelSpec {
  if (typeof model !== 'string') {
    const spec = validateModelSpec(model, `model ${(model as { name?: string }).name ?? '<object>'}`);
    checkModelExpressions(spec, `model ${spec.name}`);
    return spec;
  }
  if (/\.ya?ml$/.test(model)) return loadModelFile(model);
  const idx = catalogueIndex();
  let key = [...idx.keys()].find((k) => k.toLowerCase() === model.toLowerCase());
  if (!key) {
    // aliases are declared inside the files; only read them all when the name is not a file name
    key = [...idx.keys()].find((k) => (getModel(k).aliases ?? []).some((a) => a.toLowerCase() === model.toLowerCase()));
  }
  if (!key) throw new SpecError(`unknown model '${model}'; expected one of: ${[...idx.keys()].join(', ')} (or a path to a .yaml model file)`);
  let spec = cache.get(key);
  if (!spec) {
    spec = loadModelFile(idx.get(key)!);
    cache.set(key, spec);
  }
  return spec;
}
