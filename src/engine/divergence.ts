/** The error every engine raises when a state turns NaN/Inf, naming where it happened. */

export interface DivergenceInfo {
  step: number;
  time: number;
  batch: number;
  variable: string;
  node: number;
  nodeLabel: string;
  mode: number;
  value: number;
}

export class DivergenceError extends Error {
  constructor(readonly info: DivergenceInfo) {
    super(
      `simulation diverged at step ${info.step} (t = ${info.time} ms): ${info.variable} = ${info.value} at node ${info.node} (${info.nodeLabel})` +
        (info.batch ? `, batch element ${info.batch}` : '') +
        '. Try a smaller dt, other parameters, or state boundaries.',
    );
    this.name = 'DivergenceError';
  }
}
