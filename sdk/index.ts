/**
 * exitgraph's kernel (`exitgraph`): node and port definition, graph formats and validation, the
 * engine, plugins and hosts. It knows no domain type: the early-exit layer (`exitgraph/early-exit`)
 * plugs in as a pack. See docs/node-authoring.md.
 */
// Node authoring
export { defineNode } from './kernel/node/define-node.js';
export type { AnyNodeDefinition, InputSpec, InputSpecs, InputValues, NodeDefinition, OutputSpec, OutputSpecs, OutputValues, Params, ParamsSchema } from './kernel/node/define-node.js';
export type { NodeContext, NodeLogger, PreviewDetails, RunningGraph, Workspace } from './kernel/node/node-context.js';
export { definePortType, BUILTIN_PORT_TYPES, ANY_TYPE } from './kernel/ports/port-type.js';
export type { PortType } from './kernel/ports/port-type.js';
export type { PortValue, PortValues } from './kernel/ports/port-values.js';
export { definePack } from './kernel/plugins/node-pack.js';
export { definePackExtension, STANDARD_PACK_FIELDS } from './kernel/plugins/pack-extension.js';
export type { PackBeingRegistered, PackExtension } from './kernel/plugins/pack-extension.js';
export { defineService, HostServices } from './kernel/host/host-services.js';
export type { ServiceKey, ServiceLookup } from './kernel/host/host-services.js';
export type { NodePack } from './kernel/plugins/node-pack.js';

// Images
export { createImage, imageFromBytes, imageToBytes, isImage } from './kernel/image/image.js';
export { NATURAL_CLASS_COLORS, classColor, classColorFor, classPalette, colorizeLabels, type Rgb255 } from './kernel/image/class-colors.js';
export type { Image, LabelMap } from './kernel/image/image.js';

// Registry, graphs and validation
export { NodeRegistry } from './kernel/node/node-registry.js';
export type { RegisteredNode } from './kernel/node/node-registry.js';
export { describeNode } from './kernel/node/describe-node.js';
export type { NodeDescription } from './kernel/node/describe-node.js';
export { PortTypeRegistry } from './kernel/ports/port-registry.js';
export { parseApiPrompt, toApiPrompt, isApiLink } from './kernel/graph/api-format.js';
export { parseWorkflow, toWorkflow, isWorkflow } from './kernel/graph/workflow-format.js';
export type { Workflow, WorkflowLink, WorkflowNode } from './kernel/graph/workflow-format.js';
export { parseGraph, parseGraphText, readGraphFile } from './kernel/graph/load-graph.js';
export type { GraphFormat, ParsedGraph } from './kernel/graph/load-graph.js';
export type { ApiPrompt, ApiPromptNode, Graph, GraphNode, InputBinding, LinkRef } from './kernel/graph/graph.js';
export { validateGraph } from './kernel/graph/validate.js';
export type { ValidGraph, ValidNode, ValidateOptions, ValidationResult } from './kernel/graph/validate.js';
export { DEFAULT_GRAPH_LIMITS, valueDepth, type GraphLimits } from './kernel/graph/graph-limits.js';
export { GraphValidationError, MAX_REPORTED_PROBLEMS, firstProblems, formatProblem, formatProblems } from './kernel/graph/graph-problem.js';
export type { GraphProblem, GraphProblemKind } from './kernel/graph/graph-problem.js';

// Engine
export { runGraph } from './kernel/engine/run-graph.js';
export type { RunOptions, RunResult } from './kernel/engine/run-graph.js';
export type { RunEvent, RunEventListener, RunStatus } from './kernel/engine/run-events.js';
export { DEFAULT_CACHE_BYTES, OutputCache, approximateBytes, type CachedNode, type OutputCacheOptions } from './kernel/engine/output-cache.js';
export { NodeRunError, RunCancelledError } from './kernel/engine/errors.js';
export { localWorkspace, isInside, OutputExistsError } from './kernel/engine/workspace.js';

// Hosts and plugins
export { createHost, CONFIG_FILE } from './kernel/host/create-host.js';
export type { Host, HostOptions } from './kernel/host/create-host.js';
export { loadPlugins, discoverPluginPackages, registerPack } from './kernel/plugins/load-plugins.js';
export type { FailedPack, LoadedPack, PluginReport } from './kernel/plugins/load-plugins.js';
export { packageRoot } from './kernel/host/package-root.js';
export { MAX_IMAGE_PIXELS, checkPixels, decodeImage, encodePng, readImageFile, writePng } from './kernel/image/image-io.js';
export { decodeLabelMap, resizeLabelMapNearest } from './kernel/image/label-map-io.js';
export { addPngText, asciiJson, isPng, readPngChunks, readPngPalette, readPngText } from './kernel/image/png-text.js';
