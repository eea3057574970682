import { definePack } from '../kernel/plugins/node-pack.js';
import { FRAMES } from './frames/frames.js';
import { DIFFICULTY, EXIT_PLAN } from './plans.js';
import { routersExtension } from './routers/router-registry.js';

/**
 * The early-exit layer as a pack: it brings the DIFFICULTY, EXIT_PLAN and FRAMES port types and the
 * `routers` extension point, the way any plugin brings its own. Register it before packs whose
 * nodes use those types or that contribute routers (the built-in nodes do both).
 */
export const earlyExitPack = definePack({
  name: 'exitgraph/early-exit',
  description: 'Port types and the router extension point of the early-exit layer',
  nodes: [],
  portTypes: [DIFFICULTY, EXIT_PLAN, FRAMES],
  extensions: [routersExtension],
});
