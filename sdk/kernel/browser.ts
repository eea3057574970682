/**
 * The browser-safe part of the kernel (`exitgraph/browser`): modules that use no Node built-in,
 * so the editor client imports them instead of keeping copies. Everything exported here must
 * bundle for the browser (test/browser/bundle.test.ts checks it).
 */
export { classColor, colorizeLabels } from './image/class-colors.js';
export { addPngText, asciiJson, isPng, readPngChunks, readPngPalette, readPngText, writePngChunks, type PngChunk } from './image/png-text.js';
export { crc32 } from './image/crc32.js';
