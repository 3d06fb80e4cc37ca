/** `smc-waves whoami`: which token SMC_WAVES_API_TOKEN is to the daemon, and what it may do. */
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves whoami [--json] [--server URL]

The name and role the daemon knows SMC_WAVES_API_TOKEN by, and the actions that role allows.

options:
  --json        the API's JSON
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

const OPTIONS = {
  json: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

interface Session {
  name: string;
  role: string;
  open: boolean;
  actions: string[];
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("whoami", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `takes no arguments, got ${positionals.join(" ")}\n${usageLine("whoami", HELP)}`,
    );
  }
  const session = await new ApiClient(values.server, process.env).json<Session>(
    "GET",
    "/api/session",
  );
  if (values.json) console.log(JSON.stringify(session, null, 2));
  else {
    const who = session.open
      ? "anonymous (the daemon has no token: anyone on its machine is an admin)"
      : `${session.name} (${session.role})`;
    console.log(`${who}; may ${session.actions.join(", ") || "only read"}`);
  }
  return EXIT.ok;
}
