/**
 * `vbt gradcheck` (autodiff gradient of the tensor engine vs a float64 central finite difference
 * of the kernel engine) and `vbt backend` (which tfjs backend loads here, and why the others did not).
 */
import { emit } from '../output.js';
import { Command, Option } from 'commander';
import { loadBackend, formatBackend, BACKEND_CANDIDATES } from '../../backend/index.js';
import { gradcheck } from '../../tensor/gradcheck.js';
import { syntheticConnectome } from '../../network/synthetic.js';
import { readTvbConnectivityZip } from '../../network/tvb-zip.js';
import type { IntegratorName, SimulationConfig } from '../../simulation/config.js';
import { collectKv, parseInteger, parseNumbers } from '../parse.js';
import { surfaceGradcheck } from '../../surface/gradcheck.js';
import { surfaceConfigFromOptions } from '../../surface/cli.js';
import { readRegionMapping, readTvbSurfaceZip } from '../../network/surface.js';
import { readSparseMat } from '../../surface/mat.js';
import { localConnectivity } from '../../surface/local-connectivity.js';




export function register(program: Command): void {
  program
    .command('backend')
    .description('Load the tfjs backend (tfjs-node-gpu → tfjs-node → wasm → cpu, or $VBT_BACKEND) and report which one runs.')
    .addOption(new Option('--use <name>', 'force one backend').choices([...BACKEND_CANDIDATES]))
    .action(async (o) => {
      const info = await loadBackend(o.use);
      console.log(formatBackend(info));
    });

  program
    .command('gradcheck')
    .description(
      'Gradient of a scalar loss (mean of a variable of interest over the last half of the run) by the tensor engine or the float64 adjoint, ' +
        'against finite differences with the float64 kernel engine (Richardson-extrapolated over several steps, with an error estimate). ' +
        "Prints both and rel_err=<number>, or 'gradient below finite-difference resolution' when the FD cannot tell the gradient from zero.",
    )
    .requiredOption('-m, --model <name>', 'model name from the catalogue, or a .yaml model file')
    .requiredOption('--param <name>', 'parameter: a model parameter, coupling.NAME, or weights')
    .option('--steps <n>', 'integration steps', (v) => parseInteger(v, '--steps'), 1000)
    .addOption(new Option('--engine <engine>', 'engine that computes the autodiff gradient').choices(['tensor', 'adjoint']).default('tensor'))
    .option('--index <k>', 'node index (per-node derivative) or, for per-edge parameters (--param weights), the flat edge index i*N+j', (v) => Number(v))
    .option('-p, --model-param <name=value>', 'model parameter (repeatable); comma-separated = one per node', collectKv, {})
    .option('--coupling <name>', 'coupling function', 'Linear')
    .option('-k, --coupling-param <name=value>', 'coupling parameter (repeatable)', collectKv, {})
    .option('-c, --connectivity <zip>', 'TVB connectivity ZIP (default: synthetic connectome of --nodes nodes)')
    .option('--nodes <n>', 'nodes of the synthetic connectome', (v) => parseInteger(v, '--nodes'), 5)
    .addOption(new Option('-i, --integrator <name>', 'integration scheme').choices(['Euler', 'Heun', 'RK4']).default('Heun'))
    .option('--dt <ms>', 'integration step (ms)', Number, 0.1)
    .option('--noise <nsig>', 'additive noise dispersion (fixed seeded noise; both engines draw the same numbers)')
    .option('--seed <n>', 'seed for noise and initial conditions', Number, 42)
    .option('--voi <k>', 'variable of interest the loss averages', Number, 0)
    .option('--checkpoint <steps>', 'gradient checkpoint segment length in steps (0 = off)', Number, 0)
    .option('--fd-step <rel>', 'largest relative finite-difference step (the Richardson ladders go down from it)', Number, 1e-2)
    .addOption(new Option('--backend <name>', 'tfjs backend (default: $VBT_BACKEND or the first that loads)').choices([...BACKEND_CANDIDATES]))
    .option('--surface <zip>', 'cortical surface run (float64 surface adjoint, loss on TemporalAverage 1 ms): TVB surface ZIP; needs --region-mapping and -c; --param may be localCoupling, --index a region (vertex for localCoupling)')
    .option('--region-mapping <txt>', 'surface run: one region index per vertex')
    .option('--local-connectivity <mat|neighbours|geodesic:CUTOFF[:EQUATION[:k=v,...]]>', 'surface run: local connectivity')
    .option('--local-coupling <strength>', 'surface run: local coupling strength', Number)
    .action(async (o, cmd: Command) => {
      if (o.surface) return surfaceCheck(o as SurfaceCheckOptions, cmd.getOptionValueSource('engine') === 'cli');
      const info = await loadBackend(o.backend);
      console.log(formatBackend(info));
      if (!(o.dt > 0)) throw new Error(`--dt: expected a positive number of ms, got ${o.dt}`);
      const parameters: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(o.modelParam as Record<string, string>)) parameters[k] = parseNumbers(v, `--model-param ${k}`);
      const couplingParameters: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(o.couplingParam as Record<string, string>)) couplingParameters[k] = parseNumbers(v, `--coupling-param ${k}`);
      const connectivity = o.connectivity ? readTvbConnectivityZip(o.connectivity) : syntheticConnectome({ nodes: o.nodes });
      const config: SimulationConfig = {
        model: o.model,
        parameters,
        connectivity,
        coupling: o.coupling,
        couplingParameters,
        integrator: {
          name: o.integrator as IntegratorName,
          dt: o.dt,
          noise: o.noise !== undefined ? { nsig: parseNumbers(o.noise, '--noise'), seed: o.seed } : undefined,
        },
        duration: o.steps * o.dt,
        monitors: [{ name: 'Raw' }],
        initialConditions: { seed: o.seed },
      };
      if (!(o.fdStep > 0)) throw new Error(`--fd-step: expected a positive relative step, got ${o.fdStep}`);
      const r = gradcheck({ config, param: o.param, index: o.index, voi: o.voi, step: o.fdStep, engine: { checkpoint: o.checkpoint }, by: o.engine });
      const what = `d loss / d ${r.param}${r.index !== undefined ? `[${r.index}]` : ''} at ${r.value}`;
      const eng = r.by === 'adjoint' ? 'adjoint(float64)' : 'tensor(float32)';
      const within = Math.abs(r.autodiff - r.finiteDifference) <= 2 * r.fdError;
      emit({ model: o.model, coupling: o.coupling, steps: o.steps, dt: o.dt, nodes: connectivity.n, ...r, agreesWithinFdError: within }, [
        `model ${o.model}, coupling ${o.coupling}, ${o.steps} steps of ${o.dt} ms, ${connectivity.n} nodes; loss = mean of voi ${o.voi} over the last half`,
        `loss: ${eng} ${r.lossTensor}  kernel(float64) ${r.lossKernel}`,
        `autodiff_grad=${r.autodiff}   (${what}, ${r.by === 'adjoint' ? 'float64 adjoint' : 'tensor engine'}, ${r.seconds.autodiff.toFixed(2)} s)`,
        `fd_grad=${r.finiteDifference} ± ${r.fdError.toExponential(2)}   (Richardson-extrapolated central differences from h=${r.h}, estimated FD error ${r.fdError.toExponential(2)}, float64 kernel engine, ${r.seconds.finiteDifference.toFixed(2)} s)`,
        r.belowResolution
          ? `gradient below finite-difference resolution: the FD's estimated error ${r.fdError.toExponential(2)} is ${(r.fdError / Math.max(Math.abs(r.finiteDifference), 1e-300) * 100).toPrecision(2)} % of |fd_grad|, so no relative error is meaningful; autodiff_grad ${within ? 'agrees within' : 'differs by more than twice'} that error`
          : `rel_err=${r.relErr}`,
      ].join('\n'));
    });
}

/** `vbt gradcheck --surface …`: the float64 surface adjoint against finite differences of the surface engine. */
interface SurfaceCheckOptions {
  surface: string; regionMapping?: string; localConnectivity?: string; localCoupling?: number; connectivity?: string;
  model: string; modelParam: Record<string, string>; coupling: string; couplingParam: Record<string, string>;
  integrator: string; dt: number; noise?: string; seed: number; steps: number;
  param: string; index?: number; voi: number; fdStep: number; engine: string;
}
function surfaceCheck(o: SurfaceCheckOptions, engineGiven: boolean): void {
  if (engineGiven && o.engine !== 'adjoint') throw new Error('--engine tensor: surface runs are differentiated by the float64 adjoint only (drop --engine or use --engine adjoint)');
  if (!(o.dt > 0)) throw new Error(`--dt: expected a positive number of ms, got ${o.dt}`);
  if (!(o.fdStep > 0)) throw new Error(`--fd-step: expected a positive relative step, got ${o.fdStep}`);
  const parameters: Record<string, number | number[]> = {};
  for (const [k, v] of Object.entries(o.modelParam as Record<string, string>)) parameters[k] = parseNumbers(v, `--model-param ${k}`);
  const couplingParameters: Record<string, number | number[]> = {};
  for (const [k, v] of Object.entries(o.couplingParam as Record<string, string>)) couplingParameters[k] = parseNumbers(v, `--coupling-param ${k}`);
  const surf = surfaceConfigFromOptions(o);
  // mesh, mapping and kernel read once: the finite differences run the surface engine many times
  const surface = readTvbSurfaceZip(o.surface);
  surf.surface = surface;
  surf.regionMapping = readRegionMapping(o.regionMapping!);
  const lc = surf.localConnectivity;
  if (typeof lc === 'string') surf.localConnectivity = readSparseMat(lc);
  else if (lc && !('rowPtr' in lc)) surf.localConnectivity = localConnectivity(surface, lc);
  const connectivity = readTvbConnectivityZip(o.connectivity!);
  const config: SimulationConfig = {
    model: o.model, parameters, connectivity, coupling: o.coupling, couplingParameters, ...surf,
    integrator: { name: o.integrator as IntegratorName, dt: o.dt, noise: o.noise !== undefined ? { nsig: parseNumbers(o.noise, '--noise'), seed: o.seed } : undefined },
    duration: o.steps * o.dt,
    monitors: [{ name: 'TemporalAverage', period: 1 }],
    initialConditions: { seed: o.seed },
  };
  const r = surfaceGradcheck(config, { param: o.param, index: o.index, voi: o.voi, step: o.fdStep });
  const within = Math.abs(r.adjoint - r.finiteDifference) <= 2 * r.fdError;
  emit({ model: o.model, coupling: o.coupling, steps: o.steps, dt: o.dt, surface: o.surface, ...r, agreesWithinFdError: within }, [
    `surface ${o.surface}, model ${o.model}, coupling ${o.coupling}, ${o.steps} steps of ${o.dt} ms; loss = mean of voi ${o.voi ?? 0} of TemporalAverage 1 ms over the last half`,
    `loss: ${r.loss}`,
    `autodiff_grad=${r.adjoint}   (d loss / d ${r.param}${r.index !== undefined ? `[${r.index}]` : ''} at ${r.value}, float64 surface adjoint, ${r.seconds.adjoint.toFixed(2)} s)`,
    `fd_grad=${r.finiteDifference} ± ${r.fdError.toExponential(2)}   (Richardson-extrapolated central differences from h=${r.h}, surface engine, ${r.seconds.finiteDifference.toFixed(2)} s)`,
    r.belowResolution ? `gradient below finite-difference resolution (FD error ${r.fdError.toExponential(2)}); autodiff_grad ${within ? 'agrees within' : 'differs by more than twice'} that error` : `rel_err=${r.relErr}`,
  ].join('\n'));
}
