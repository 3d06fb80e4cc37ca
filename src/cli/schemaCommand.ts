/** `smc-waves schema`: the plan's JSON Schema, for editors (YAML language server) and CI. */
import { planJsonSchema } from "../plan/planSchema.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves schema

Prints the JSON Schema (draft 2020-12) of wave plans: the same schema 'smc-waves validate' runs.
Save it and point the YAML language server at it, e.g. first line of a plan:
  # yaml-language-server: $schema=./plan.schema.json`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("schema", HELP, args, {
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `takes no arguments, got ${positionals.join(" ")}\n${usageLine("schema", HELP)}`,
    );
  }
  console.log(JSON.stringify(planJsonSchema(), null, 2));
  return EXIT.ok;
}
