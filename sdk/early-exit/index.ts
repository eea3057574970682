/**
 * exitgraph's early-exit layer (`exitgraph/early-exit`): the values that travel between
 * early-exit nodes, routers, ONNX sessions and devices, model packs, metrics, evaluation and
 * reports. It plugs into a host as a pack (`earlyExitPack`), like any plugin.
 */
export { earlyExitPack } from './early-exit-pack.js';
export { DIFFICULTY, EXIT_PLAN } from './plans.js';
export type { Calibration, Difficulty, ExitPlan, NoveltyKind, PlanAudit, PlanNovelty, QualityPromise } from './plans.js';
export { NoveltyReference } from './novelty/novelty-reference.js';
export type { NoveltyScore } from './novelty/novelty-reference.js';
export { labelMapFeatures, featureDistance, FEATURE_MAP_SIZE } from './novelty/label-map-features.js';
export { NOVELTY_PARAMS, DEFAULT_NOVELTY_POLICY, SAMPLING_GAP_LIMIT, checkNovelty, noveltyChecks, noveltyKind, noveltyPolicy } from './novelty/novelty-policy.js';
export type { NoveltyPolicy } from './novelty/novelty-policy.js';
export { calibrationWithNovelty, readNoveltyReference } from './novelty/read-novelty.js';

// Frame sequences (FRAMES): streamed, one frame at a time. See docs/node-authoring.md.
export { FRAMES, FrameError, frameSequence, framesFromImages, isSkipped, mapFrames } from './frames/frames.js';
export type { Frame, FrameCost, FrameErrorPolicy, FrameItem, FrameSequence, FrameStep, SkippedFrame } from './frames/frames.js';

// Exit selection: routers
export { defineRouter, planFor } from './routers/define-router.js';
export type { AnyRouterDefinition, RouteRequest, RouterDefinition } from './routers/define-router.js';
export { RouterRegistry, ROUTERS, BUILTIN_ROUTERS, routersExtension } from './routers/router-registry.js';
export { routerParamsSchema, paramsForRouter, routerName } from './routers/selector-schema.js';
export { binomialCdf, conformalLambda, exitForLambda, groupedLambdas, learnThenTestLambda, noveltyGroup, violations } from './routers/risk-control.js';
export type { FittedLambda, GroupedLambdas } from './routers/risk-control.js';
export { RouterStreams, ROUTER_STREAMS } from './routers/router-streams.js';
export { AuditLedger } from './audit/audit-ledger.js';
export type { AuditFigures, AuditSpec } from './audit/audit-ledger.js';
export { AuditStreams, AUDITS } from './audit/audit-streams.js';
export { AuditDistances, AUDIT_DISTANCES } from './audit/audit-distances.js';
export { auditRun } from './audit/audit-run.js';
export type { AuditResult } from './audit/audit-run.js';
export { AUDIT_PARAMS, auditReason, planAudit, tightened } from './audit/selector-audit.js';
export { clopperPearson } from './audit/binomial-interval.js';
export { simulateAudit } from './audit/simulate-audit.js';
export type { AuditPoint, AuditSimulation } from './audit/simulate-audit.js';

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
  lpipsWeightFiles,
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
export { OnnxSession, SessionCache, ONNX_SESSIONS, sessionCache, sessionOptions, supportsDeviceOutputs, modelKey, readTensor, runSessionsOffThread } from './onnx/sessions.js';
export type { BuiltModel, Feeds, Fetched, ModelSource, SessionCacheOptions, SessionHandle, SessionRequest } from './onnx/sessions.js';
export { defaultOptimizedModelDir } from './onnx/optimized-model-cache.js';
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
export { resolvePackDir, resolvePackName, isPackName, availablePacks, packSearchPaths, PackNotFoundError } from './packs/find-pack.js';
export { PackLoadError, formatPackProblem } from './packs/pack-problems.js';
export type { PackProblem } from './packs/pack-problems.js';
export { PACK_FORMAT, PACK_FORMAT_V2, inputChannels, normalizeManifest, packInputs, packStages, predictorInputs, referenceInputs } from './packs/manifest.js';
export type { CalibrationData, ExitSpec, GuidesSpec, ImageInputSpec, LabelMapInputSpec, PackFormat, PackInputSpec, PackManifest, PackManifestV2File, PackOutputSpec, PredictorSpec, ReferenceSpec, SegmentSpec, SplitSpec, StageSpec } from './packs/manifest.js';
export { manifestSchema, manifestSchemaV2, calibrationSchema, validateManifest, validateCalibration } from './packs/manifest-schema.js';
export { planPack } from './packs/pack-plan.js';
export type { PackPlan, PackStep, StepKind } from './packs/pack-plan.js';
export { computeCosts, escalationMacs } from './packs/pack-costs.js';
export type { ExitCost, PackCosts } from './packs/pack-costs.js';
export { PackRunner, PackRun } from './packs/pack-runner.js';
export { PackRunners, PACK_RUNNERS } from './packs/pack-runners.js';
export type { ExitResult, PackRunnerOptions, Prediction, StepRecord } from './packs/pack-runner.js';
export { packInputTensor, outputImage } from './packs/pack-io.js';
export type { PackInput } from './packs/pack-io.js';
export { isNamedInputs, resolveInputs } from './packs/pack-inputs.js';
export type { PackInputs } from './packs/pack-inputs.js';
export { StageCache, STAGE_CACHE_SIZE } from './packs/stage-cache.js';
export type { StageOutputs } from './packs/stage-cache.js';
export { monolithicExitModel, oracleModel, predictorModel } from './packs/pack-monolith.js';

// Evaluation and reports
export { evaluatePack } from './evaluation/pack-evaluation.js';
export type { EvaluatePackOptions, EvaluatedExit, PackEvaluation } from './evaluation/pack-evaluation.js';
export { evaluateRouter, bestFixedExit, routeEvaluation } from './evaluation/router-evaluation.js';
export type { RouterFigures } from './evaluation/router-evaluation.js';
export { tauCurve, curveCsv, CURVE_TAUS } from './evaluation/tau-curve.js';
export type { CurvePoint } from './evaluation/tau-curve.js';
export { readPackSplit } from './evaluation/pack-split.js';
export { readInputFolder } from './evaluation/input-folder.js';
export type { PackSplit } from './evaluation/pack-split.js';
export { distanceFor, PACK_METRICS } from './evaluation/distance.js';
export { mean, median, quantile, spearman } from './evaluation/statistics.js';
export { buildPackReport, splitFigures, REPORT_TAUS, RISK_ALPHA } from './reports/pack-report.js';
export type { PackReport, PackReportExit } from './reports/pack-report.js';
export { lineChart, histogramChart, svgToPng } from './reports/svg-chart.js';
export type { ChartOptions, Series } from './reports/svg-chart.js';
