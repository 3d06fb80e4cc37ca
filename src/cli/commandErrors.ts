import { EXIT } from "./exitCodes.ts";

/** An error a command expects and explains itself: its message is for people, `exitCode` is final. */
interface ExplainedError extends Error {
  exitCode: number;
}

const isExplained = (error: unknown): error is ExplainedError =>
  error instanceof Error && typeof (error as Partial<ExplainedError>).exitCode === "number";

/**
 * What a command that threw prints, and its exit code: an explained error (bad usage, the daemon
 * said no) as its message; anything else as one line saying it is unexpected, with the stack
 * trace only when `debug` (`--debug`, or SMC_WAVES_LOG_LEVEL=debug).
 */
export function reportCommandError(command: string, error: unknown, debug: boolean): number {
  if (isExplained(error)) {
    console.error(`smc-waves ${command}: ${error.message}`);
    if (debug && error.stack) console.error(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(
    `smc-waves ${command}: unexpected error: ${message}${debug ? "" : " (run again with --debug for where it happened)"}`,
  );
  if (debug && error instanceof Error && error.stack) console.error(error.stack);
  return EXIT.refused;
}

/** Whether stack traces may be shown: `--debug` sets SMC_WAVES_LOG_LEVEL=debug for the command. */
export function debugWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.SMC_WAVES_LOG_LEVEL === "debug" || env.SMC_WAVES_LOG_LEVEL === "trace";
}
