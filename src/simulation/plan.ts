/** The run plan moved to src/plan/ (issue 13); this module keeps the old import path working. */
export { prepareRun, type PreparedRun } from '../plan/build.js';
