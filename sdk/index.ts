/**
 * exitgraph SDK: everything node authors, hosts and tools import. See docs/node-authoring.md.
 */
// Node authoring
export { defineNode } from './node/define-node.js';
export type { AnyNodeDefinition, InputSpec, InputSpecs, InputValues, NodeDefinition, OutputSpec, OutputSpecs, OutputValues, Params, ParamsSchema } from './node/define-node.js';
export type { NodeContext, NodeLogger, RunningGraph, Workspace } from './node/node-context.js';
export { definePortType, BUILTIN_PORT_TYPES, ANY_TYPE } from './ports/port-type.js';
export type { PortType } from './ports/port-type.js';
export type { Difficulty, ExitPlan, PortValue, PortValues } from './ports/port-values.js';
export { definePack } from './plugins/node-pack.js';
export type { NodePack } from './plugins/node-pack.js';

// Images
export { createImage, imageFromBytes, imageToBytes, isImage } from './image/image.js';
export { classColor, colorizeLabels } from './image/class-colors.js';
export type { Image, LabelMap } from './image/image.js';

// Registry, graphs and validation
export { NodeRegistry } from './node/node-registry.js';
export type { RegisteredNode } from './node/node-registry.js';
export { describeNode } from './node/describe-node.js';
export type { NodeDescription } from './node/describe-node.js';
export { PortTypeRegistry } from './ports/port-registry.js';
export { parseApiPrompt, toApiPrompt, isApiLink } from './graph/api-format.js';
export { parseWorkflow, toWorkflow, isWorkflow } from './graph/workflow-format.js';
export type { Workflow, WorkflowLink, WorkflowNode } from './graph/workflow-format.js';
export { parseGraph, parseGraphText, readGraphFile } from './graph/load-graph.js';
export type { GraphFormat, ParsedGraph } from './graph/load-graph.js';
export type { ApiPrompt, ApiPromptNode, Graph, GraphNode, InputBinding, LinkRef } from './graph/graph.js';
export { validateGraph } from './graph/validate.js';
export type { ValidGraph, ValidNode, ValidationResult } from './graph/validate.js';
export { GraphValidationError, formatProblem } from './graph/graph-problem.js';
export type { GraphProblem, GraphProblemKind } from './graph/graph-problem.js';

// Engine
export { runGraph } from './engine/run-graph.js';
export type { RunOptions, RunResult } from './engine/run-graph.js';
export type { RunEvent, RunEventListener, RunStatus } from './engine/run-events.js';
export { OutputCache, type CachedNode } from './engine/output-cache.js';
export { NodeRunError, RunCancelledError } from './engine/errors.js';
export { localWorkspace, isInside } from './engine/workspace.js';

// Hosts and plugins
export { createHost, CONFIG_FILE } from './host/create-host.js';
export type { Host, HostOptions } from './host/create-host.js';
export { loadPlugins, discoverPluginPackages, registerPack } from './plugins/load-plugins.js';
export type { FailedPack, LoadedPack, PluginReport } from './plugins/load-plugins.js';
export { createDefaultHost, loadBuiltinPack, packageRoot } from './host/builtin-pack.js';
export { decodeImage, encodePng, readImageFile, writePng } from './image/image-io.js';
export { addPngText, asciiJson, isPng, readPngPalette, readPngText } from './image/png-text.js';

// Exit selection: routers
export { defineRouter, planFor } from './routers/define-router.js';
export type { AnyRouterDefinition, Calibration, RouteRequest, RouterDefinition } from './routers/define-router.js';
export { RouterRegistry, routers, BUILTIN_ROUTERS } from './routers/router-registry.js';
export { binomialCdf, conformalLambda, exitForLambda, learnThenTestLambda, violations } from './routers/risk-control.js';
export type { FittedLambda } from './routers/risk-control.js';
export { observeExit, resetRouterStreams, streamState } from './routers/router-streams.js';

// Metrics: LPIPS (alex, squeeze) via onnxruntime, SSIM and PSNR. See docs/metrics.md.
export { loadLpips, sharedLpips, lpipsModelBytes } from './metrics/lpips.js';
export type { Lpips, LpipsOptions, LpipsTensor } from './metrics/lpips.js';
export { buildLpipsModel, LPIPS_MIN_SIZE } from './metrics/lpips-graph.js';
export {
  LPIPS_NETS,
  LPIPS_WEIGHTS_HOWTO,
  LpipsWeightsError,
  WEIGHTS_ENV,
  defaultLpipsWeightsDir,
  lpipsWeightsFingerprint,
  readLpipsWeights,
  resolveLpipsWeightsDir,
} from './metrics/weights.js';
export type { LpipsNet, LpipsWeights } from './metrics/weights.js';
export { ssim } from './metrics/ssim.js';
export { psnr } from './metrics/psnr.js';
export { imagesToLpipsTensor } from './metrics/image-tensor.js';
export { readRgbImage, readImagePair } from './metrics/read-rgb.js';
export { QUALITY_METRICS, METRIC_INFO, isQualityMetric, measureQuality, measureQualityBatch } from './metrics/quality.js';
export type { QualityMetricName, QualityOptions } from './metrics/quality.js';

// ONNX runtime and model packs
// Devices, sessions and the ONNX builder (see docs/onnx-runtime.md); model packs (docs/pack-format.md).
// Model-pack names carry "Model" where a plugin "pack" (node pack) name already exists.
export { OnnxGraphBuilder, tensorProto } from './onnx/graph-builder.js';
export type { AttributeValue, Dim, OnnxGraphBuilderOptions, TensorData, TensorValue, TypedAttribute } from './onnx/graph-builder.js';
export { onnx, elementTypeCode, elementTypeName } from './onnx/onnx-proto.js';
export type { OnnxElementType } from './onnx/onnx-proto.js';
export { chooseDevice, detectDevices, probeDevice, hasGpuDeviceNode, isAccelerator, DeviceUnavailableError, DEVICES, HOW_TO_ENABLE } from './onnx/devices.js';
export type { Device, DeviceAvailability, DeviceChoice, DeviceRequest, DeviceStatus } from './onnx/devices.js';
export { OnnxSession, SessionCache, sessionCache, sessionOptions, supportsDeviceOutputs, modelKey, readTensor } from './onnx/sessions.js';
export type { Feeds, Fetched, ModelSource, SessionRequest } from './onnx/sessions.js';
export { DeviceRunQueue, deviceRunQueue } from './onnx/run-queue.js';
export { TensorPool } from './onnx/tensor-pool.js';
export { decodeModel, readModelInfo, OnnxDecodeError } from './onnx/model-info.js';
export type { DeclaredDim, OnnxModelInfo, TensorDeclaration } from './onnx/model-info.js';
export { inferShapes } from './onnx/shape-inference.js';
export type { InferredShapes } from './onnx/shape-inference.js';
export { countMacs } from './onnx/mac-count.js';
export type { MacCount } from './onnx/mac-count.js';
export { loadPack as loadModelPack, inspectPack as inspectModelPack } from './packs/load-pack.js';
export type { LoadedPack as LoadedModelPack, LoadPackOptions as LoadModelPackOptions, PackInspection as ModelPackInspection } from './packs/load-pack.js';
export { resolvePackDir, packSearchPaths, PackNotFoundError } from './packs/find-pack.js';
export { PackLoadError, formatPackProblem } from './packs/pack-problems.js';
export type { PackProblem } from './packs/pack-problems.js';
export { PACK_FORMAT } from './packs/manifest.js';
export type { CalibrationData, ExitSpec, GuidesSpec, PackInputSpec, PackManifest, PackOutputSpec, PredictorSpec, ReferenceSpec, SegmentSpec, SplitSpec } from './packs/manifest.js';
export { manifestSchema, calibrationSchema, validateManifest, validateCalibration } from './packs/manifest-schema.js';
export { planPack } from './packs/pack-plan.js';
export type { PackPlan, PackStep, StepKind } from './packs/pack-plan.js';
export { computeCosts, escalationMacs } from './packs/pack-costs.js';
export type { ExitCost, PackCosts } from './packs/pack-costs.js';
export { PackRunner, PackRun } from './packs/pack-runner.js';
export type { ExitResult, PackRunnerOptions, Prediction, StepRecord } from './packs/pack-runner.js';
export { packInputTensor, outputImage } from './packs/pack-io.js';
export type { PackInput } from './packs/pack-io.js';
export { monolithicExitModel } from './packs/pack-monolith.js';

// Evaluation and reports
export { evaluatePack } from './evaluation/pack-evaluation.js';
export type { EvaluatePackOptions, EvaluatedExit, PackEvaluation } from './evaluation/pack-evaluation.js';
export { evaluateRouter, bestFixedExit } from './evaluation/router-evaluation.js';
export type { RouterFigures } from './evaluation/router-evaluation.js';
export { tauCurve, curveCsv, CURVE_TAUS } from './evaluation/tau-curve.js';
export type { CurvePoint } from './evaluation/tau-curve.js';
export { readPackSplit } from './evaluation/pack-split.js';
export type { PackSplit } from './evaluation/pack-split.js';
export { distanceFor, PACK_METRICS } from './evaluation/distance.js';
export { mean, median, quantile, spearman } from './evaluation/statistics.js';
export { buildPackReport, REPORT_TAUS } from './reports/pack-report.js';
export type { PackReport, PackReportExit } from './reports/pack-report.js';
