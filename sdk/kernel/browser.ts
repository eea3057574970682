/**
 * The browser-safe part of the kernel (`exitgraph/browser`): modules that use no Node built-in,
 * so the editor client imports them instead of keeping copies. Everything exported here must
 * bundle for the browser (test/browser/bundle checks it).
 */
export { classColor, colorizeLabels } from './image/class-colors.js';
