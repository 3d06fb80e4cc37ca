#!/usr/bin/env node
// The CLI, compiled to dist/ by `npm run build` (which `npm ci` runs through `prepare`).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error(
    "smc-waves is not built: run `npm run build` (it needs the dev dependencies: npm ci).",
  );
  process.exit(1);
}
// Stack traces in logs name the TypeScript file and line; this costs nothing until one is printed.
process.setSourceMapsEnabled(true);
await import(main.href);
