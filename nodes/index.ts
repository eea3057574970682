/**
 * exitgraph's built-in node pack. Each node lives in its own file, in a folder named after its
 * palette category; this list is the only place that gathers them.
 */
import { definePack, type NodePack } from '../sdk/index.js';
import { earlyExitPack } from '../sdk/early-exit/index.js';
import { difficultyEstimator } from './early-exit/difficulty-estimator.js';
import { exitSelector } from './early-exit/exit-selector.js';
import { semanticMapGenerator } from './early-exit/semantic-map-generator.js';
import { expressionEditor } from './faces/expression-editor.js';
import { faceReenactor } from './faces/face-reenactor.js';
import { switchImage } from './flow/switch-image.js';
import { loadFrames } from './frames/load-frames.js';
import { saveFrames } from './frames/save-frames.js';
import { blendImages } from './image/blend-images.js';
import { cropImage } from './image/crop-image.js';
import { loadImage } from './image/load-image.js';
import { previewImage } from './image/preview-image.js';
import { resizeImage } from './image/resize-image.js';
import { saveImage } from './image/save-image.js';
import { colorizeLabelMap } from './labels/colorize-label-map.js';
import { loadLabelMap } from './labels/load-label-map.js';
import { paintedLabelMap } from './labels/painted-label-map.js';
import { resizeLabelMap } from './labels/resize-label-map.js';
import { qualityMetric } from './metrics/quality-metric.js';
import { booleanPrimitive } from './primitives/boolean.js';
import { mathOperation } from './primitives/math.js';
import { numberPrimitive } from './primitives/number.js';
import { stringPrimitive } from './primitives/string.js';

export const builtinNodes = definePack({
  name: 'exitgraph',
  nodes: [
    loadImage,
    saveImage,
    previewImage,
    resizeImage,
    cropImage,
    blendImages,
    loadLabelMap,
    paintedLabelMap,
    resizeLabelMap,
    colorizeLabelMap,
    numberPrimitive,
    stringPrimitive,
    booleanPrimitive,
    mathOperation,
    switchImage,
    qualityMetric,
    difficultyEstimator,
    exitSelector,
    semanticMapGenerator,
    faceReenactor,
    expressionEditor,
    loadFrames,
    saveFrames,
  ],
});

export default builtinNodes;

/** What a host needs to run the built-in nodes, in registration order: the early-exit layer, then the nodes. */
export const builtinPacks: readonly NodePack[] = [earlyExitPack, builtinNodes];
