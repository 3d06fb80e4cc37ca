#!/usr/bin/env node
// Compiles the CLI to dist/ (`npm run build`; `npm ci` runs it through `prepare`):
//   node scripts/build.js             always rebuild
//   node scripts/build.js --if-stale  rebuild only when a source is newer than the last build
//                                     (`npm start` and the test run use this, so an edit is never
//                                     run stale and an unchanged tree costs a few milliseconds)
// It compiles into a fresh folder and swaps it in whole: a failed build leaves the previous dist/
// as it was, and a build never leaves files of deleted sources behind.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, "dist");
/** Written last: its time is the build's, and its absence means no complete build. */
const STAMP = join(DIST, ".built");
/** Everything the output depends on besides node_modules. Tests and fixtures are never compiled. */
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "package.json", "scripts/build.js"];
const NOT_COMPILED = /\.(test|fixture)\.ts$/;
/** Files the compiled code reads next to itself at run time (`new URL("./web/", import.meta.url)`). */
const ASSETS = ["api/web"];

function newestInput(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return NOT_COMPILED.test(path) ? 0 : stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestInput(join(path, name))),
    stat.mtimeMs,
  );
}

function isStale() {
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return true;
  return INPUTS.some((input) => newestInput(join(ROOT, input)) > built);
}

/** tsc, when the dev dependencies are installed (TypeScript alone may be an optional peer). */
function typescriptCompiler() {
  const require = createRequire(import.meta.url);
  try {
    require.resolve("@types/node/package.json");
    return require.resolve("typescript/bin/tsc");
  } catch {
    return undefined;
  }
}

function build(tsc, lenient) {
  const next = join(ROOT, `dist.next-${process.pid}`);
  const previous = join(ROOT, `dist.previous-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  const compiled = spawnSync(
    process.execPath,
    [tsc, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", next],
    { cwd: ROOT, stdio: "inherit" },
  );
  // tsc exits 2 when it found type errors but emitted JavaScript all the same. A development run
  // (lenient: --if-stale, for tests and npm start) takes that JavaScript, as tsx used to, and
  // `npm test` fails on the errors in its typecheck; a real build (prepare, npm run build, the
  // Docker image) does not.
  const typeErrorsOnly = compiled.status === 2 && existsSync(join(next, "cli/main.js"));
  if (typeErrorsOnly && lenient) {
    console.error("smc-waves: warning: type errors above; dist/ is built from the sources anyway.");
  } else if (compiled.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    console.error("smc-waves: the build failed (tsc above); dist/ is unchanged.");
    process.exit(1);
  }
  for (const asset of ASSETS) {
    cpSync(join(ROOT, "src", asset), join(next, asset), { recursive: true });
  }
  writeFileSync(join(next, ".built"), `${new Date().toISOString()}\n`);
  if (existsSync(DIST)) renameSync(DIST, previous);
  renameSync(next, DIST);
  rmSync(previous, { recursive: true, force: true });
}

const HINT =
  "Build where the dev dependencies are installed: npm ci && npm run build (then, for a " +
  "production tree, npm prune --omit=dev).";
const ifStale = process.argv.includes("--if-stale");
if (ifStale && !isStale()) process.exit(0);

const built = existsSync(STAMP);
// `npm ci --omit=dev` (or with NODE_ENV=production) runs `prepare` too, without the dev
// dependencies a build needs (TypeScript may still be there, as an optional peer of a dependency).
const omitted = (process.env.npm_config_omit ?? "").split(/\W+/);
if (
  process.env.npm_lifecycle_event === "prepare" &&
  (omitted.includes("dev") || process.env.NODE_ENV === "production")
) {
  if (!built)
    console.error(`smc-waves: note: a production install; no build in dist/ yet. ${HINT}`);
  process.exit(0);
}

const tsc = typescriptCompiler();
if (!tsc) {
  if (process.env.npm_lifecycle_event === "prepare") {
    if (!built)
      console.error(
        `smc-waves: note: the dev dependencies are not installed; no build in dist/. ${HINT}`,
      );
    process.exit(0);
  }
  if (ifStale && built) {
    console.error(
      `smc-waves: warning: dist/ is older than the sources; running it anyway. ${HINT}`,
    );
    process.exit(0);
  }
  console.error(`smc-waves: cannot build. ${HINT}`);
  process.exit(1);
}
build(tsc, ifStale);
