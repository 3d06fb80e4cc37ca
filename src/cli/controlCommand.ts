/** `smc-waves pause | resume | cancel | retry-failed PLAN_ID`: one POST to the daemon each. */
import type { PlanSummary } from "../orchestrator/views.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";
import { planLine } from "./planProgress.ts";

export type ControlVerb = "pause" | "resume" | "cancel" | "retry-failed";

const WHAT: Record<ControlVerb, string> = {
  pause: "Stops starting new jobs; running jobs continue.",
  resume: "Starts new jobs again after a pause.",
  cancel: "Stops starting new jobs for good; with --stop-running, also stops running jobs.",
  "retry-failed":
    "Puts an ended plan's failed and cancelled servers back and runs their waves again.",
};

const OPTIONS = {
  "stop-running": { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export function command(verb: ControlVerb): { run(args: string[]): Promise<number> } {
  const help = `usage: smc-waves ${verb} PLAN_ID${verb === "cancel" ? " [--stop-running]" : ""} [--server URL]

${WHAT[verb]} Exit 2 when the plan's status does not allow it (the daemon says why).`;
  return {
    async run(args) {
      const { values, positionals } = parseCommandArgs(verb, help, args, OPTIONS);
      if (values.help) {
        console.log(help);
        return EXIT.ok;
      }
      if (values["stop-running"] && verb !== "cancel") {
        throw new UsageError(`--stop-running applies to cancel only\n${usageLine(verb, help)}`);
      }
      const [planId] = positionals;
      if (!planId || positionals.length > 1) {
        throw new UsageError(`give exactly one plan id\n${usageLine(verb, help)}`);
      }
      const api = new ApiClient(values.server, process.env);
      const query = values["stop-running"] ? "?stopRunning=true" : "";
      const plan = await api.json<PlanSummary>(
        "POST",
        `/api/plans/${encodeURIComponent(planId)}/${verb}${query}`,
      );
      console.log(planLine(plan));
      return EXIT.ok;
    },
  };
}
