/**
 * `npm run bench`: every benchmark section, each comparing exitgraph against a baseline measured
 * in the same run, printed as figures and ratios. Benchmarks print; tests assert behaviour.
 */
import type { Bench, BenchSection } from './bench-report.js';
import { coldStartBench } from './cold-start.js';
import { earlyExitBench } from './early-exit.js';
import { engineOverheadBench } from './engine-overhead.js';
import { frameSequencesBench } from './frame-sequences.js';
import { faceSequencesBench } from './face-sequences.js';
import { hostileGraphsBench } from './hostile-graphs.js';
import { livePaintBench } from './live-paint.js';
import { lpipsBench } from './lpips.js';
import { packRunnerBench } from './pack-runner.js';
import { paintedMapsBench } from './painted-maps.js';
import { serverLoadBench } from './server-load.js';
import { scaleOutBench } from './scale-out.js';

const benches: Bench[] = [coldStartBench, engineOverheadBench, hostileGraphsBench, lpipsBench, packRunnerBench, earlyExitBench, paintedMapsBench, frameSequencesBench, faceSequencesBench, serverLoadBench, scaleOutBench, livePaintBench];

function print(section: BenchSection): void {
  console.log(`\n## ${section.title}`);
  const width = Math.max(...section.figures.map((f) => f.name.length));
  for (const figure of section.figures) {
    const value = Math.abs(figure.value) >= 100 ? figure.value.toFixed(0) : figure.value.toPrecision(3);
    console.log(`  ${figure.name.padEnd(width)}  ${value} ${figure.unit}${figure.target ? `  (target ${figure.target})` : ''}`);
  }
  for (const note of section.notes ?? []) console.log(`  note: ${note}`);
}

const only = process.argv.slice(2);
for (const bench of benches) {
  if (only.length && !only.some((name) => bench.name.toLowerCase().includes(name.toLowerCase()))) continue;
  print(await bench());
}
