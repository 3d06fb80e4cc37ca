/**
 * The exit codes of every smc-waves command, in one table: `smc-waves --help`, the README and
 * docs/operations.md print it, and scripts may rely on it.
 */
export const EXIT = {
  /** Done (for `submit --wait` and `quickstart --exit`: the plan succeeded). */
  ok: 0,
  /** Invalid input: usage, config or plan. Nothing was changed; running it again as is fails again. */
  invalid: 1,
  /**
   * Unreachable or refused: the daemon, its Redis or SMC cannot be reached, or said no (token,
   * credentials, a control that does not apply to the plan now, a port in use).
   */
  refused: 2,
  /** The plan ended without succeeding (failed or cancelled). */
  notSucceeded: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as `--help` shows it. */
export const EXIT_CODES_HELP = `exit codes (every command):
  0  ok
  1  invalid input: usage, config or plan; nothing was changed
  2  unreachable or refused: the daemon, its Redis or SMC cannot be reached, or refused the
     request (token, credentials, a control that does not apply now, a port in use)
  3  the plan ended without succeeding (submit --wait, quickstart --exit)`;
