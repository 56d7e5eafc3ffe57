export { buildReport, reportFigures, keyNumbers, type ReportOptions, type ReportFigure, type KeyNumber } from './report.js';
