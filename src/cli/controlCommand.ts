/** `smc-waves pause | resume | cancel | retry-failed PLAN_ID`: one POST to the daemon each. */
import { parseArgs } from "node:util";
import type { PlanSummary } from "../orchestrator/views.ts";
import { ApiClient, EXIT, withApiErrors } from "./apiClient.ts";
import { planLine } from "./planProgress.ts";

export type ControlVerb = "pause" | "resume" | "cancel" | "retry-failed";

const WHAT: Record<ControlVerb, string> = {
  pause: "Stops starting new jobs; running jobs continue.",
  resume: "Starts new jobs again after a pause.",
  cancel: "Stops starting new jobs for good; with --stop-running, also stops running jobs.",
  "retry-failed":
    "Puts an ended plan's failed and cancelled servers back and runs their waves again.",
};

export function command(verb: ControlVerb): { run(args: string[]): Promise<number> } {
  const help = `usage: smc-waves ${verb} PLAN_ID${verb === "cancel" ? " [--stop-running]" : ""} [--server URL]\n\n${WHAT[verb]}`;
  return {
    async run(args) {
      let parsed: ReturnType<
        typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
      >;
      try {
        parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
      } catch (error) {
        console.error(`smc-waves ${verb}: ${(error as Error).message}\n\n${help}`);
        return EXIT.invalid;
      }
      const { values, positionals } = parsed;
      if (values.help) {
        console.log(help);
        return EXIT.ok;
      }
      const [planId] = positionals;
      if (!planId || positionals.length > 1 || (values["stop-running"] && verb !== "cancel")) {
        console.error(`smc-waves ${verb}: give exactly one plan id\n\n${help}`);
        return EXIT.invalid;
      }
      const api = new ApiClient(values.server, process.env);
      return withApiErrors(async () => {
        const query = values["stop-running"] ? "?stopRunning=true" : "";
        const plan = await api.json<PlanSummary>(
          "POST",
          `/api/plans/${encodeURIComponent(planId)}/${verb}${query}`,
        );
        console.log(planLine(plan));
        return EXIT.ok;
      });
    },
  };
}

const OPTIONS = {
  "stop-running": { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
