#!/usr/bin/env node
// Entry point of the `exitgraph` command; the CLI itself is compiled from bin/cli/.
import { main } from '../dist/bin/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
