export { renderReport, buildMetricsJson, REPORT_SECTION_IDS } from './render.js';
export { writeReport } from './write.js';
export type { WriteReportOptions, WrittenReport } from './write.js';
export { renderCdfSvg, SERIES_COLOURS } from './cdf-plot.js';
export type { CdfPlotOptions } from './cdf-plot.js';
export { imageGroupsFor, pngDataUri } from './images.js';
export { thumbnailSize } from './render.js';
export type { ReportImageGroup, ReportInput, ReportOptions } from './types.js';
