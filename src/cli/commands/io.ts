/**
 * `vbt convert` (connectivities between TVB ZIP, TVB H5 and Network YAML+HDF5; simulation results
 * between JSON, netCDF/HDF5, TVB H5 and BIDS) and `vbt info FILE` (a summary of any file vbt reads).
 */
import { Command, Option } from 'commander';
import { extname } from 'node:path';
import { describeFile, readAnyConnectivity, readSimulationResult, writeConnectivity, writeSimulationResult } from '../../io/files.js';
import { withH5 } from '../../io/h5.js';
import { emit } from '../output.js';

/** Does this input hold a simulation result rather than a connectivity? */
async function isResult(path: string): Promise<boolean> {
  const ext = extname(path).toLowerCase();
  if (ext === '.nc') return true;
  if (ext === '.json') return /"monitors"\s*:/.test((await import('node:fs')).readFileSync(path, 'utf8').slice(0, 1 << 20));
  if (ext === '.h5') return withH5(path, (f) => f.attrs.vbt_class?.value === 'SimulationResult');
  return false;
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('Convert a connectivity (TVB .zip, TVB Connectivity .h5, Network .yaml/.json/.h5, .npz) to TVB .zip, TVB .h5 or a Network sidecar + HDF5; or a simulation result (.json, .nc, .h5) to another result format.')
    .argument('<input>', 'file to read')
    .argument('<output>', 'file (or folder for --format tvb|bids) to write')
    .addOption(new Option('--to <target>', 'connectivity target (default: from the output extension)').choices(['tvb-zip', 'tvb-h5', 'network']))
    .addOption(new Option('--format <format>', 'result format (default: from the output extension)').choices(['hdf5', 'netcdf', 'tvb', 'bids', 'json']))
    .option('--connectivity <file>', 'connectivity the result was simulated on (needed for --format tvb/bids of a non-synthetic run)')
    .option('--subject <label>', 'BIDS subject label', '01')
    .option('--session <label>', 'BIDS session label')
    .option('--description <label>', 'BIDS desc- label')
    .action(async (input: string, output: string, o) => {
      let written: string[];
      if (await isResult(input)) {
        if (o.to) throw new Error(`--to applies to connectivities; ${input} is a simulation result (use --format)`);
        const res = await readSimulationResult(input);
        if (o.connectivity) res.withNetwork(await readAnyConnectivity(o.connectivity));
        written = await writeSimulationResult(res, output, { format: o.format, subject: o.subject, session: o.session, description: o.description });
      } else {
        if (o.format) throw new Error(`--format applies to simulation results; ${input} is read as a connectivity (use --to)`);
        written = await writeConnectivity(await readAnyConnectivity(input), output, o.to);
      }
      for (const w of written) console.log(`wrote ${w}`);
    });

  program
    .command('info')
    .description('Summarise any file vbt reads: TVB ZIP/H5, Network sidecars, vbt results (.nc/.h5/.json), numpy .npz/.npy, BIDS folders, HDF5 trees.')
    .argument('<files...>')
    .action(async (files: string[]) => {
      const out: { file: string; description: string }[] = [];
      for (const f of files) out.push({ file: f, description: await describeFile(f) });
      emit(out.map((x) => ({ ...x, lines: x.description.split('\n') })), out.map((x) => x.description).join('\n'));
    });
}
