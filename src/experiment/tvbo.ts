/**
 * tvbo's published experiment files describe the model by its equations and observations by
 * pipelines of Python/JAX functions. vbt runs catalogue models and built-in observation functions,
 * so this pre-pass rewrites the tvbo forms that have an exact vbt meaning (a named catalogue model,
 * Linear and Sigmoidal Jansen–Rit couplings, an HRF BOLD pipeline, compute_fc / fc_corr / rmse
 * steps, the network's empirical FC, FIC and EIB algorithms) and lists everything else as
 * unsupported, each with its path, so the user sees exactly what was mapped and what was not.
 */
import type { YamlPath } from './source.js';

export interface PrepassNote { path: YamlPath; message: string }
export interface PrepassResult {
  mapped: PrepassNote[];
  unsupported: PrepassNote[];
  /** tvbo coupling parameter → vbt coupling parameter (e.g. G → a). */
  couplingAliases: Record<string, string>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** tvbo coupling class → vbt coupling and parameter renames. */
const COUPLING_MAP: Record<string, { name: string; rename: Record<string, string> }> = {
  FastLinearCoupling: { name: 'Linear', rename: { G: 'a' } },
  LinearCoupling: { name: 'Linear', rename: { G: 'a' } },
  DelayedSigmoidalJansenRit: { name: 'SigmoidalJansenRit', rename: { G: 'a' } },
  SigmoidalJansenRit: { name: 'SigmoidalJansenRit', rename: { G: 'a' } },
};

/** tvbo model names that are a vbt catalogue model under another name. */
const MODEL_ALIASES: Record<string, string> = { ReducedWongWangEIB: 'ReducedWongWangExcInh' };

const EQUATION_KEYS = ['state_variables', 'derived_variables', 'coupling_inputs', 'output', 'derived_parameters', 'functions'];

function argList(args: unknown): Record<string, unknown> {
  // tvbo writes arguments as a list of {name, value} or as a map of {value}
  const out: Record<string, unknown> = {};
  if (Array.isArray(args)) for (const a of args) if (isObj(a) && typeof a.name === 'string') out[a.name] = a.value;
  if (isObj(args)) for (const [k, v] of Object.entries(args)) out[k] = isObj(v) && 'value' in v ? v.value : v;
  return out;
}

const stepName = (s: Obj): string => String(s.function ?? (isObj(s.callable) ? s.callable.name : '') ?? '');
const firstSource = (s: unknown): string | undefined => (Array.isArray(s) ? (s[0] as string) : typeof s === 'string' ? s : undefined);

/**
 * Rewrite tvbo forms in place (the document is a private copy); return what was mapped and what
 * vbt cannot run.
 */
export function tvboPrepass(doc: Obj): PrepassResult {
  const mapped: PrepassNote[] = [];
  const unsupported: PrepassNote[] = [];
  const couplingAliases: Record<string, string> = {};

  for (const mk of ['model', 'local_dynamics', 'dynamics']) {
    const m = doc[mk];
    if (!isObj(m)) continue;
    const eq = EQUATION_KEYS.filter((k) => k in m);
    // per-state noise and initial values have vbt homes: integration.noise and initial_state
    if (isObj(m.state_variables)) {
      const svs = Object.entries(m.state_variables).filter(([, v]) => isObj(v)) as [string, Obj][];
      const noisy = svs.filter(([, v]) => isObj(v.noise) && isObj(v.noise.parameters) && isObj(v.noise.parameters.sigma));
      const integ = doc.integration;
      if (noisy.length === 1 && isObj(integ) && integ.noise === undefined) {
        const sigma = ((noisy[0][1].noise as Obj).parameters as Obj).sigma as Obj;
        integ.noise = { sigma: sigma.value };
        mapped.push({ path: [mk, 'state_variables', noisy[0][0], 'noise'], message: `noise σ = ${String(sigma.value)} on ${noisy[0][0]} mapped to integration.noise.sigma (nsig = σ²/2)${svs.length > 1 ? '; vbt applies it to every state variable' : ''}` });
      }
      if (svs.every(([, v]) => typeof v.initial_value === 'number') && doc.initial_state === undefined) {
        doc.initial_state = { values: Object.fromEntries(svs.map(([k, v]) => [k, v.initial_value])) };
        mapped.push({ path: [mk, 'state_variables'], message: 'initial_value of every state variable mapped to initial_state.values' });
      }
    }
    if (eq.length) {
      for (const k of eq) {
        unsupported.push({ path: [mk, k], message: `tvbo equation-level model key '${k}' is not read: vbt runs the catalogue model named by '${mk}.name' (or a vbt model YAML path)` });
        delete m[k];
      }
    }
    if (typeof m.name === 'string' && MODEL_ALIASES[m.name]) {
      mapped.push({ path: [mk, 'name'], message: `tvbo model ${m.name} mapped to the catalogue model ${MODEL_ALIASES[m.name]} (same equations and parameter names)` });
      m.name = MODEL_ALIASES[m.name];
    }
    if (isObj(m.parameters)) for (const p of Object.values(m.parameters)) if (isObj(p)) { delete p.label; delete p.name; }
  }

  const net = doc.network ?? doc.connectivity;
  const netKey = doc.network !== undefined ? 'network' : 'connectivity';
  if (isObj(net) && isObj(net.coupling) && !('name' in net.coupling)) {
    const names = Object.keys(net.coupling);
    const cname = names[0];
    const c = net.coupling[cname];
    const map = COUPLING_MAP[cname];
    if (names.length !== 1 || !map || !isObj(c)) {
      unsupported.push({ path: [netKey, 'coupling', cname ?? ''], message: `tvbo coupling '${names.join(', ')}' has no vbt equivalent (mapped: ${Object.keys(COUPLING_MAP).join(', ')})` });
      delete net.coupling;
    } else {
      const parameters: Obj = {};
      for (const [k, v] of Object.entries(isObj(c.parameters) ? c.parameters : {})) {
        const q = map.rename[k] ?? k;
        if (q !== k) couplingAliases[k] = q;
        parameters[q] = isObj(v) && 'value' in v ? v.value : v;
      }
      net.coupling = { name: map.name, parameters };
      if (c.delayed === false) net.delays = false;
      mapped.push({ path: [netKey, 'coupling', cname], message: `tvbo coupling ${cname} mapped to vbt's ${map.name}${Object.keys(map.rename).length ? ` (${Object.entries(map.rename).map(([a, b]) => `${a} → ${b}`).join(', ')})` : ''}${c.delayed === false ? ', without delays' : ''}; its pre/post expressions are the same function` });
    }
  }

  // derived_observations are observations computed from others: vbt keeps them in one map
  const origin: Record<string, string> = {};
  if (isObj(doc.derived_observations)) {
    for (const k of Object.keys(doc.derived_observations)) origin[k] = 'derived_observations';
    doc.observations = { ...(isObj(doc.observations) ? doc.observations : {}), ...doc.derived_observations };
    mapped.push({ path: ['derived_observations'], message: "tvbo 'derived_observations' merged into 'observations'" });
    delete doc.derived_observations;
  }
  const obsKey = doc.observations !== undefined ? 'observations' : 'monitors';
  const obs = doc[obsKey];
  if (isObj(obs)) {
    for (const [name, o] of Object.entries(obs)) {
      if (!isObj(o) || 'monitor' in o || 'function' in o || 'data' in o) continue;
      const path: YamlPath = [origin[name] ?? obsKey, name];
      const src = firstSource(o.source ?? o.source_observations);
      const steps = Array.isArray(o.pipeline) ? (o.pipeline.filter(isObj) as Obj[]) : [];
      const keep = { label: o.label, description: o.description };
      const names = steps.map(stepName);
      if (src && /^network\.observations\./.test(src)) {
        obs[name] = { data: 'empirical_fc', ...keep };
        mapped.push({ path, message: `'${src}' mapped to the network's empirical FC (network.empirical_fc)` });
      } else if (names.some((n) => /hrf|bold/i.test(n))) {
        obs[name] = { monitor: 'Bold', ...(typeof o.period === 'number' ? { period: o.period } : {}), ...(src ? { variables: [src] } : {}), ...keep };
        mapped.push({ path, message: `tvbo BOLD pipeline (${names.join(' → ')}) mapped to vbt's Bold monitor (TVB HRF convolution, k1·V0·(x − 1)); the pipeline's functions are not executed` });
      } else if (steps.length === 1 && names[0] === 'compute_fc') {
        const a = argList(steps[0].arguments);
        obs[name] = { source: src, function: 'fc', arguments: { skip: Number(a.skip_t ?? 0) }, ...keep };
        mapped.push({ path, message: `compute_fc mapped to vbt's fc (skip ${Number(a.skip_t ?? 0)} samples)` });
      } else if (steps.length === 1 && (names[0] === 'fc_corr' || names[0] === 'rmse')) {
        const srcs = Array.isArray(o.source) ? (o.source as string[]) : [];
        obs[name] = { source: srcs[0], function: names[0] === 'rmse' ? 'fc_rmse' : 'fc_corr', arguments: { target: srcs[1] }, ...keep };
        mapped.push({ path, message: `${names[0]}(${srcs.join(', ')}) mapped to vbt's ${names[0] === 'rmse' ? 'fc_rmse' : 'fc_corr'} (full matrices)` });
      } else {
        unsupported.push({ path, message: `tvbo observation '${name}' (${steps.length ? `pipeline ${names.join(' → ')}` : Object.keys(o).join(', ')}) has no vbt equivalent; write it as {monitor: ...} or {source, function}` });
        delete obs[name];
      }
    }
  }

  const expl = doc.explorations;
  const explEntries: [string | number, Obj][] = Array.isArray(expl) ? expl.map((e, i) => [i, e as Obj]) : isObj(expl) ? Object.entries(expl).map(([k, e]) => [k, e as Obj]) : [];
  for (const [k, e] of explEntries) {
    if (!isObj(e) || !isObj(e.observable)) continue;
    const fn = String(e.observable.function ?? '');
    const a = Object.values(argList(e.observable.arguments)).map((v) => String(v).replace(/^observations\./, '').replace(/\.data$/, ''));
    if ((fn === 'rmse' || fn === 'fc_corr') && a.length === 2 && isObj(obs) && a.every((x) => x in obs)) {
      const oname = `${typeof k === 'number' ? `exploration_${k}` : k}_observable`;
      (obs as Obj)[oname] = { source: a[0], function: fn === 'rmse' ? 'fc_rmse' : 'fc_corr', arguments: { target: a[1] } };
      e.observable = oname;
      mapped.push({ path: ['explorations', k, 'observable'], message: `observable ${fn}(${a.join(', ')}) mapped to a new observation '${oname}'` });
    } else {
      unsupported.push({ path: ['explorations', k, 'observable'], message: `observable function '${fn}' has no vbt equivalent (use an observation name such as an fc_corr observation)` });
      delete doc.explorations;
      break;
    }
  }

  // tvbo optimizations name their loss by a function of observation references, often in stages;
  // vbt runs {free_parameters, loss: {function: fc_corr|fc_rmse, observation, target}} only
  const optz = doc.optimizations;
  const optEntries: [string | number, unknown][] = Array.isArray(optz) ? optz.map((o, i) => [i, o]) : isObj(optz) ? Object.entries(optz) : [];
  for (const [k, o] of optEntries) {
    if (isObj(o) && isObj(o.loss) && typeof o.loss.observation === 'string') continue;
    unsupported.push({ path: ['optimizations', k], message: `tvbo optimization${isObj(o) && Array.isArray(o.stages) ? ' in stages' : ''} with a loss of function references has no vbt equivalent; write {free_parameters, loss: {function: fc_corr|fc_rmse, observation, target}, max_iterations}` });
    if (Array.isArray(optz)) (optz as unknown[])[k as number] = undefined;
    else delete (optz as Obj)[k as string];
  }
  if (Array.isArray(optz)) doc.optimizations = optz.filter((x) => x !== undefined);
  if (optEntries.length && (Array.isArray(doc.optimizations) ? !(doc.optimizations as unknown[]).length : isObj(doc.optimizations) && !Object.keys(doc.optimizations).length)) delete doc.optimizations;

  const alg = doc.algorithms;
  if (isObj(alg) || Array.isArray(alg)) {
    const list: [string | number, unknown][] = Array.isArray(alg) ? alg.map((a, i) => [i, a]) : Object.entries(alg);
    const out: Obj = {};
    for (const [k, a] of list) {
      if (!isObj(a) || 'type' in a) { out[String(k)] = a; continue; }
      const rules = Array.isArray(a.update_rules) ? (a.update_rules as Obj[]) : [];
      const targets = rules.map((r) => (isObj(r.target_parameter) ? String(r.target_parameter.name) : ''));
      const hyper = argList(a.hyperparameters);
      const type = targets.includes('wLRE') ? 'eib' : targets.includes('J_i') ? 'fic' : undefined;
      if (!type) { unsupported.push({ path: ['algorithms', k], message: `tvbo algorithm with update rules for ${targets.join(', ') || 'nothing'} has no vbt equivalent (vbt runs fic and eib)` }); continue; }
      const h: Obj = {};
      if (type === 'fic' && typeof hyper.target === 'number') h.target = hyper.target;
      if (type === 'eib' && typeof hyper.window_size === 'number') h.window = hyper.window_size;
      if (typeof a.simulation_period === 'number') h[type === 'eib' ? 'tr' : 'window'] = a.simulation_period;
      out[String(k)] = { type, ...(typeof a.n_iterations === 'number' ? { n_iterations: a.n_iterations } : {}), ...(typeof hyper.eta === 'number' ? { learning_rate: hyper.eta } : {}), hyperparameters: h, ...(typeof a.description === 'string' ? { description: a.description } : {}) };
      mapped.push({ path: ['algorithms', k], message: `tvbo algorithm mapped to vbt's ${type} (its update-rule equations are vbt's built-in ${type} rule; includes/objective/observations are implied)` });
    }
    doc.algorithms = out;
  }
  return { mapped, unsupported, couplingAliases };
}
