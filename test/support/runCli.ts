import { execFile } from "node:child_process";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI (`bin/smc-waves.js`) to the end; resolves with its exit code and output
 * whatever the code. `env` is added to the test's own environment.
 */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/smc-waves.js", ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A stack trace line as Node prints them: what a person must never see without --debug. */
export const STACK_LINE = /^\s+at [^ ]+ \(|^\s+at (file|node):/m;
