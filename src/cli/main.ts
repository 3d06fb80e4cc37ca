/**
 * `smc-waves COMMAND [args]`: each command lives in its own module, loaded only when asked for, so
 * `smc-waves validate` does not pay for BullMQ and `smc-waves emulator` does not need Redis.
 */
import { closestName } from "../plan/closestName.ts";
import { debugWanted, reportCommandError } from "./commandErrors.ts";
import { EXIT, EXIT_CODES_HELP } from "./exitCodes.ts";

type CommandModule = { run(args: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  quickstart: {
    summary: "the daemon, an embedded SMC emulator and the example plan: what `npm start` runs",
    load: () => import("./quickstartCommand.ts"),
  },
  daemon: {
    summary: "run the workers and the HTTP API as a long-lived service",
    load: () => import("./daemonCommand.ts"),
  },
  submit: {
    summary: "validate a plan and hand it to the daemon; prints the plan id",
    load: () => import("./submitCommand.ts"),
  },
  status: {
    summary: "plans, or one plan's waves and servers (--watch, --json)",
    load: () => import("./statusCommand.ts"),
  },
  pause: {
    summary: "stop starting new jobs of a plan; running jobs continue",
    load: () => import("./controlCommand.ts").then((module) => module.command("pause")),
  },
  resume: {
    summary: "start new jobs of a paused plan again",
    load: () => import("./controlCommand.ts").then((module) => module.command("resume")),
  },
  cancel: {
    summary: "stop a plan for good (--stop-running stops running jobs too)",
    load: () => import("./controlCommand.ts").then((module) => module.command("cancel")),
  },
  "retry-failed": {
    summary: "run the failed servers of an ended plan again",
    load: () => import("./controlCommand.ts").then((module) => module.command("retry-failed")),
  },
  approve: {
    summary: "let a wave with `gate: manual` start (--wave WAVE)",
    load: () => import("./approveCommand.ts"),
  },
  cutover: {
    summary: "cut over a wave's incremental servers now (--wave WAVE [--server SERVER])",
    load: () => import("./cutoverCommand.ts"),
  },
  release: {
    summary: "delete every job an ended plan left in the account (kept, stopped, failed)",
    load: () => import("./releaseCommand.ts"),
  },
  jobs: {
    summary: "every replication job in the account, with its owner (plan/server or not ours)",
    load: () => import("./jobsCommand.ts"),
  },
  report: {
    summary: "one row per server of a plan, CSV or JSON",
    load: () => import("./reportCommand.ts"),
  },
  whoami: {
    summary: "the name and role the daemon knows SMC_WAVES_API_TOKEN by",
    load: () => import("./whoamiCommand.ts"),
  },
  token: {
    summary: "make an API token for http.tokens (new NAME --role R), or hash one (hash < file)",
    load: () => import("./tokenCommand.ts"),
  },
  emulator: {
    summary: "run a local SMC emulator (real HTTP, signed API)",
    load: () => import("./emulatorCommand.ts"),
  },
  validate: {
    summary: "check a wave plan; every problem as file:line:col",
    load: () => import("./validateCommand.ts"),
  },
  plan: {
    summary: "dry run of a wave plan: start order, job parameters, windows, quota",
    load: () => import("./planCommand.ts"),
  },
  schema: {
    summary: "print the wave plan's JSON Schema (for editors)",
    load: () => import("./schemaCommand.ts"),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`,
  );
  return [
    "usage: smc-waves COMMAND [options] [--debug]",
    "",
    "commands:",
    ...lines,
    "",
    "Run 'smc-waves COMMAND --help' for a command's options. --debug (or SMC_WAVES_LOG_LEVEL=debug)",
    "logs at debug level and shows the stack trace of an unexpected error.",
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

// `--debug` belongs to every command, so it is taken out here: the command sees a debug log level.
const argv = process.argv.slice(2);
const debugFlag = argv.includes("--debug");
if (debugFlag) process.env.SMC_WAVES_LOG_LEVEL = "debug";
const [name, ...rest] = argv.filter((arg) => arg !== "--debug");
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  console.log(usage());
  process.exit(name === undefined ? EXIT.invalid : EXIT.ok);
}
const command = commands[name];
if (!command) {
  const near = closestName(name, Object.keys(commands));
  console.error(
    `smc-waves: unknown command '${name}'${near ? `; did you mean '${near}'?` : ""}\nRun 'smc-waves --help' for the commands.`,
  );
  process.exit(EXIT.invalid);
}
try {
  process.exitCode = await (await command.load()).run(rest);
} catch (error) {
  process.exitCode = reportCommandError(name, error, debugWanted(process.env));
}
