// Gradient-health monitoring and reports: re-exports only.
export { formatEvent, GradientMonitor, type ListenerOptions, type NamedGrad, type StepRecord } from './gradient-monitor.js';
export type { DetectorEvent, MonitorEvent, MonitorEventKind, MonitorEventLevel, MonitorEventReason } from './events.js';
export type { ClipPinnedOptions, CollapseOptions, DivergeOptions, ExplodeOptions, MonitorOptions, SpectralOptions, VanishOptions } from './options.js';
export type { RunContext } from './run-context.js';
export { JSONL_FORMAT, type JsonlOptions, type JsonlTarget } from './jsonl.js';
export { historiesFromJsonl, readJsonl } from './jsonl-read.js';
export { reportCli } from './report-cli.js';
export { HISTORY_FORMAT, isMonitorHistory, type MonitorHistory, type MonitorSummary } from './history.js';
export { reportSpec, type ReportOptions, type ReportRun } from './report-spec.js';
export { renderReport, renderSvg, writeReport } from './report-render.js';
export { formatFigure, summaryTable, type SummaryTableOptions } from './summary-table.js';
export type { Detector, DetectorInput, NormSeries } from './detectors/detector.js';
export { ExplodeDetector } from './detectors/explode.js';
export { VanishDetector } from './detectors/vanish.js';
export { DivergeDetector } from './detectors/diverge.js';
export { CollapseDetector } from './detectors/collapse.js';
export { ClipPinnedDetector } from './detectors/clip-pinned.js';
export { SpectralDetector } from './detectors/spectral.js';
