/** SONATA spike reports: files, bluepysnap-style report API, node groups, analysis, figures, spikes from neural masses. */
export * from './sonata.js';
export * from './nodes.js';
export * from './sonata-nodes.js';
export * from './node-sets.js';
export * from './select.js';
export * from './report.js';
export * from './analysis.js';
export * from './plots.js';
export * from './animation.js';
export * from './poisson.js';
export * from './simulation-config.js';
export * from './order.js';
