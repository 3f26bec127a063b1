// Gradient-health monitoring and reports: re-exports only.
export { GradientMonitor, type NamedGrad, type StepRecord } from './gradient-monitor.js';
export type { MonitorEvent, MonitorEventKind, MonitorEventReason } from './events.js';
export type { DivergeOptions, ExplodeOptions, MonitorOptions, VanishOptions } from './options.js';
export { HISTORY_FORMAT, isMonitorHistory, type MonitorHistory, type MonitorSummary } from './history.js';
export { reportSpec, type ReportOptions, type ReportRun } from './report-spec.js';
export { renderReport, renderSvg, writeReport } from './report-render.js';
export { formatFigure, summaryTable, type SummaryTableOptions } from './summary-table.js';
export type { Detector, DetectorInput, NormSeries } from './detectors/detector.js';
export { ExplodeDetector } from './detectors/explode.js';
export { VanishDetector } from './detectors/vanish.js';
export { DivergeDetector } from './detectors/diverge.js';
