export * from './ast.js';
export * from './parse.js';
export * from './codegen-js.js';
export { FUNCTIONS, CONSTANTS } from './functions.js';
