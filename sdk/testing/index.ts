/**
 * exitgraph's test harness (`exitgraph/testing`) for node and router authors: a host with exactly
 * the packs and plugins a test names, one node or a small graph run through the real engine with
 * fixture inputs, fixed difficulty estimates for routers, a tiny stub model pack, and stable summaries of images and label maps for
 * snapshots. It works with any test runner. See docs/node-authoring.md.
 */
export { createTestHost } from './test-host.js';
export type { TestHost, TestHostOptions } from './test-host.js';
export { runNode } from './run-node.js';
export type { NodeHost, NodeRun, RunNodeOptions } from './run-node.js';
export { checkPrompt, runPrompt, validatePrompt } from './run-prompt.js';
export type { GraphHost, PromptRun, ValidateOptions } from './run-prompt.js';
export { tempWorkspace } from './temp-workspace.js';
export type { TempWorkspace } from './temp-workspace.js';
export { eventTypes, eventsOf, firstNodeError } from './run-events.js';
export type { NodeErrorEvent } from './run-events.js';
export { fixedDifficulty } from './difficulty.js';
export type { FixedDifficultyOptions } from './difficulty.js';
export { writeStubPack } from './stub-pack.js';
export type { StubPackOptions } from './stub-pack.js';
export { imageDigest, labelMapDigest, summarizeImage, summarizeLabelMap } from './snapshots.js';
export type { ImageSummary, LabelMapSummary } from './snapshots.js';
