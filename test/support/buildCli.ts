import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Vitest's global setup: the tests that spawn `bin/smc-waves.js` run the compiled tree in dist/,
 * as users do, so it is rebuilt first when a source is newer than it (a no-op otherwise).
 */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.js", "--if-stale"], {
    cwd: ROOT,
    stdio: "inherit",
  });
}
