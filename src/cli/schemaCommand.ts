/** `smc-waves schema`: the plan's JSON Schema, for editors (YAML language server) and CI. */
import { planJsonSchema } from "../plan/planSchema.ts";

const HELP = `usage: smc-waves schema

Prints the JSON Schema (draft 2020-12) of wave plans: the same schema 'smc-waves validate' runs.
Save it and point the YAML language server at it, e.g. first line of a plan:
  # yaml-language-server: $schema=./plan.schema.json`;

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  if (args.length > 0) {
    console.error(`smc-waves schema: takes no arguments, got ${args.join(" ")}\n\n${HELP}`);
    return 2;
  }
  console.log(JSON.stringify(planJsonSchema(), null, 2));
  return 0;
}
