/**
 * The browser-safe part of the kernel (`exitgraph/browser`): modules that use no Node built-in,
 * so the editor client imports them instead of keeping copies. Everything exported here must
 * bundle for the browser (test/browser/bundle.test.ts checks it).
 */

// Links: which output type may feed which input type.
export { ANY_TYPE, BUILTIN_PORT_TYPES, definePortType, type PortType } from './ports/port-type.js';
export { PortTypeRegistry } from './ports/port-registry.js';
export { describePortType, portTypeFromDescription, type PortDescription } from './ports/port-description.js';

// The node catalogue `/api/nodes` serves.
export { describeNode, type NodeCatalog, type NodeDescription, type ParamCondition, type ParamSchema, type ParamsDescription } from './node/describe-node.js';
export type { InputSpec, OutputSpec } from './node/define-node.js';

// Graph formats: the editor's workflow and ComfyUI's API prompt.
export { isWorkflow, parseWorkflow, type Workflow, type WorkflowLink, type WorkflowNode } from './graph/workflow-format.js';
export { isApiLink, parseApiPrompt, toApiPrompt } from './graph/api-format.js';
export { isLink, type ApiPrompt, type ApiPromptNode, type Graph, type GraphNode, type InputBinding, type LinkRef } from './graph/graph.js';
export { formatProblem, type GraphProblem, type GraphProblemKind } from './graph/graph-problem.js';

// PNG text chunks (graphs embedded in output images) over Uint8Array.
export { addPngText, asciiJson, isPng, readPngChunks, readPngPalette, readPngText, writePngChunks, type PngChunk } from './image/png-text.js';
export { crc32 } from './image/crc32.js';

// Class colours, so painted and colourized label maps look alike.
export { NATURAL_CLASS_COLORS, classColor, classColorFor, classPalette, colorizeLabels, type Rgb255 } from './image/class-colors.js';
