// @ts-check
import { definePack } from 'exitgraph';
import { cautiousRouter } from './cautious-router.js';
import { regionCountRouter } from './region-count-router.js';

export default definePack({
  name: 'exitgraph-region-router',
  version: '1.0.0',
  nodes: [regionCountRouter],
  routers: [cautiousRouter],
});
