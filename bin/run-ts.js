#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts) with tsx: `node bin/run-ts.js bench/index.ts`.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const entry = process.argv[2];
if (!entry) {
  console.error("usage: node bin/run-ts.js FILE.ts [args…]");
  process.exit(1);
}
process.argv.splice(1, 1);
register();
await import(pathToFileURL(resolve(entry)).href);
