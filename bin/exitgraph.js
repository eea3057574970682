#!/usr/bin/env node
// Entry point of the `exitgraph` command; the CLI itself is compiled from bin/cli/ (tsc, into
// dist/bin/cli/) and bundled into dist/cli/ (bin/bundle-cli.mjs), which starts faster. A bundle
// older than tsc's output is stale, so then the compiled modules run instead.
import { statSync } from 'node:fs';

const modified = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundleIsCurrent = modified('../dist/cli/main.js') >= modified('../dist/bin/cli/main.js');
const { main } = bundleIsCurrent ? await import('../dist/cli/main.js') : await import('../dist/bin/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
