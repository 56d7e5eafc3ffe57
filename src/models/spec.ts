/**
 * The declarative model specification: one schema for YAML files in `catalogue/` and TS objects.
 *
 * Equations are strings in vbt's expression language (see src/expr). Inside a model's expressions
 * these names exist: its parameters, derived parameters, constants, state variables, auxiliaries
 * (in the order listed, each may use the ones before), the coupling inputs `c_0`, `c_1`, … (one per
 * entry of `cvar`, in that order, as the coupling function delivers them), and `local_coupling`
 * (0 at region level; kept so TVB's equations read the same).
 *
 * A model with `projections` declares its long-range inputs itself: projection k feeds `c_k` with
 *   c_k,i = post( Σ_j W_ij · e_ij · pre(source(x_j(t − d_ij))) )
 * where W is the structural connectivity, e an optional per-edge parameter (`edge_parameters`), d
 * the connectivity's delays, `source` an expression of the source node's coupling variables, `pre`
 * reads `x_j` (the source value) and `post` reads `gx` (the weighted sum) and model parameters.
 * Such a model takes no separate coupling function.
 */
import { z } from 'zod';

const finite = z.number();
const bound = z.union([z.number(), z.null()]);

export const ParameterSpecSchema = z
  .object({
    default: z.union([finite, z.array(finite).min(1)]),
    range: z.tuple([finite, finite]).or(z.tuple([finite, finite, finite])).optional(),
    unit: z.string().optional(),
    description: z.string().optional(),
    type: z.enum(['float', 'int', 'bool']).optional(),
  })
  .strict();

export const StateVariableSpecSchema = z
  .object({
    equation: z.union([z.string(), z.number()]),
    range: z.tuple([finite, finite]),
    boundaries: z.tuple([bound, bound]).optional(),
    unit: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();

export const EdgeParameterSpecSchema = z
  .object({
    /** Value of every edge unless a run sets the N×N array. */
    default: finite,
    range: z.tuple([finite, finite]).optional(),
    description: z.string().optional(),
  })
  .strict();

export const ProjectionSpecSchema = z
  .object({
    /** Expression of the source node's coupling variables (its `cvar`), e.g. `S_e`. */
    source: z.union([z.string(), z.number()]),
    /** Name of an edge parameter multiplying the structural weights; default none (all ones). */
    weights: z.string().optional(),
    /** Per-link transform of the delayed source value `x_j` (default `x_j`). */
    pre: z.string().optional(),
    /** Transform of the weighted sum `gx` at the target; may read model parameters (default `gx`). */
    post: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();

const constantValue = z.union([finite, z.array(finite), z.array(z.array(finite))]);

export const ModelSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    label: z.string().optional(),
    /** Other names the model is known by (e.g. TVB's class name when it differs). */
    aliases: z.array(z.string()).optional(),
    description: z.string().optional(),
    references: z.array(z.string()).optional(),
    parameters: z.record(z.string(), ParameterSpecSchema),
    /** Parameter-only expressions evaluated once per node before a run (may use parameters and earlier derived). */
    derived: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** Fixed numbers, e.g. per-mode coefficient vectors/matrices of the ReducedSet models. */
    constants: z.record(z.string(), constantValue).optional(),
    /** Expressions over state and coupling, evaluated in order at every derivative evaluation. */
    auxiliaries: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    state_variables: z.record(z.string(), StateVariableSpecSchema),
    /** State variables kept in the delay history and fed to the coupling function, in row order. */
    cvar: z.array(z.string()).min(1),
    /** State variables a region stimulus is added to (TVB's `stvar`); defaults to `cvar`. */
    stvar: z.array(z.string()).optional(),
    /** Default observables: state-variable names or expressions over state/auxiliaries. */
    variables_of_interest: z.array(z.union([z.string(), z.number()])).min(1),
    /** Per-edge parameters (N×N, row = target) that projections multiply into the structural weights. */
    edge_parameters: z.record(z.string(), EdgeParameterSpecSchema).optional(),
    /** Long-range inputs c_0, c_1, … each fed by its own projection (see the module comment). */
    projections: z.array(ProjectionSpecSchema).min(1).optional(),
    /** Number of modes per node (3 for the ReducedSet models). */
    modes: z.number().int().positive().optional(),
    notes: z.string().optional(),
  })
  .strict();

export type EdgeParameterSpec = z.infer<typeof EdgeParameterSpecSchema>;
export type ProjectionSpec = z.infer<typeof ProjectionSpecSchema>;
export type ParameterSpec = z.infer<typeof ParameterSpecSchema>;
export type StateVariableSpec = z.infer<typeof StateVariableSpecSchema>;
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

/** Validate an untrusted object as a ModelSpec; errors name the file and the field. */
export function validateModelSpec(obj: unknown, file = '<object>'): ModelSpec {
  const r = ModelSpecSchema.safeParse(obj);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SpecError(`${file}: invalid model specification\n${lines.join('\n')}`);
  }
  const spec = r.data;
  const svs = Object.keys(spec.state_variables);
  for (const [k, v] of spec.cvar.entries()) {
    if (!svs.includes(v)) throw new SpecError(`${file}: cvar[${k}] = '${v}' is not a state variable; expected one of ${svs.join(', ')}`);
  }
  for (const [k, v] of (spec.stvar ?? []).entries()) {
    if (!svs.includes(v)) throw new SpecError(`${file}: stvar[${k}] = '${v}' is not a state variable; expected one of ${svs.join(', ')}`);
  }
  const names = new Map<string, string>();
  const claim = (n: string, what: string) => {
    if (names.has(n)) throw new SpecError(`${file}: name '${n}' is used both as ${names.get(n)} and as ${what}`);
    names.set(n, what);
  };
  for (const n of Object.keys(spec.parameters)) claim(n, 'a parameter');
  for (const n of Object.keys(spec.derived ?? {})) claim(n, 'a derived parameter');
  for (const n of Object.keys(spec.constants ?? {})) claim(n, 'a constant');
  for (const n of svs) claim(n, 'a state variable');
  for (const n of Object.keys(spec.auxiliaries ?? {})) claim(n, 'an auxiliary');
  for (const n of Object.keys(spec.edge_parameters ?? {})) claim(n, 'an edge parameter');
  for (const [k, pr] of (spec.projections ?? []).entries()) {
    if (pr.weights !== undefined && !(pr.weights in (spec.edge_parameters ?? {}))) {
      throw new SpecError(`${file}: projections[${k}].weights = '${pr.weights}' is not an edge parameter; expected one of: ${Object.keys(spec.edge_parameters ?? {}).join(', ') || '(none declared in edge_parameters)'}`);
    }
  }
  if (spec.edge_parameters && !spec.projections) throw new SpecError(`${file}: edge_parameters need projections that use them`);
  if (spec.projections && (spec.modes ?? 1) !== 1) throw new SpecError(`${file}: projections are supported for single-mode models only`);
  for (const [n, p] of Object.entries(spec.parameters)) {
    if (p.range && p.range[0] > p.range[1]) throw new SpecError(`${file}: parameters.${n}.range: lo ${p.range[0]} > hi ${p.range[1]}`);
  }
  for (const [n, sv] of Object.entries(spec.state_variables)) {
    if (sv.range[0] > sv.range[1]) throw new SpecError(`${file}: state_variables.${n}.range: lo ${sv.range[0]} > hi ${sv.range[1]}`);
  }
  return spec;
}
