// Programmatic API of the netsynth runner (the `netsynth` CLI is dist/cli.js).
export { main, createProgram, type MainOptions } from './main.js';
export type { CliCommand, CommandEnv } from './command.js';
export { runCommand, formatRunResult } from './commands/run.js';
export { inspectCommand } from './commands/inspect.js';
export { pluginsCommand } from './commands/plugins.js';
export { initCommand } from './commands/init.js';
export { checkCommand } from './commands/check.js';
export { processIo, memoryIo, type CliIo, type OutputStream } from './io.js';
export { ExitCode, exitCodeOf, formatError } from './error-report.js';
export { createProgressReporter, type ProgressOptions } from './progress.js';
export {
  loadConfigFile,
  parseYamlConfig,
  validateConfig,
  locateConfigError,
  YamlLocator,
  type LoadedConfig,
} from './config-file.js';
export { parseOverride, applyOverrides, type ConfigOverride } from './config-overrides.js';
export { configReference, configReferenceMarkdown, configReferenceText, CONFIG_KEY_DOCS, type ConfigKeyReference } from './config-reference.js';
export {
  PluginLoader,
  isLocalSpec,
  RUNNER_DIR,
  type LoadedPlugin,
  type PluginLoaderOptions,
  type ResolvedPlugin,
} from './plugin-loader.js';
export { discoverPlugins, installedPluginPackages, type DiscoveredPlugin, type DiscoveryProblem } from './plugin-discovery.js';
export { runConfigJsonSchema, CONFIG_SCHEMA_FILE } from './config-schema.js';
export { runPipeline, runLoadedConfig, activeStages, type RunOptions, type RunResult, type StageReport } from './pipeline/run-pipeline.js';
export { STAGE_NAMES, type StageName } from './pipeline/state.js';
export type { StageMarker } from './pipeline/output-dir.js';
export type { MetricsFile } from './pipeline/stages/evaluate.js';
export type { OutputFile } from './pipeline/manifest.js';
export { OUT as OUTPUT_PATHS, IMAGES_PER_LABEL } from './pipeline/paths.js';
export { splitHoldout } from './pipeline/split.js';
export { readSampleStore, writeSampleStore, type StoredSample } from './pipeline/sample-store.js';
export { flowOfPackets, sampleOfPackets } from './pipeline/sample-flow.js';
export {
  TensorFileWriter,
  readTensorFile,
  writeTensorFile,
  TENSOR_FILE_FORMAT,
  type TensorFileContents,
  type TensorFileHeader,
} from './tensor-file.js';
export { encodePng, writePngFile } from './png.js';
export { inspectCapture, formatInspectReport, packetRecord, type InspectReport, type InspectOptions, type PacketRecord } from './inspect.js';
export { findCaptures, starterConfig, type StarterConfig } from './init-config.js';
export { toJson, canonicalJson } from './json.js';
