import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver.ts";
import { type ChaosWorld, startChaosWorld } from "./chaosWorld.ts";

/**
 * `kill -9` of the daemon while its webhook request is in flight: the receiver has the message but
 * the daemon never hears back. Another daemon takes the delivery over once its lock expires and
 * sends it again under the same Idempotency-Key, which the receiver absorbs.
 */

const SECRET = "whsec-chaos-0123456789";

let world: ChaosWorld | undefined;
let receiver: WebhookReceiver | undefined;
let dir: string | undefined;
afterEach(async () => {
  await world?.close();
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  world = undefined;
  receiver = undefined;
});

async function waitFor(what: string, condition: () => boolean, ms: number, pollMs = 1) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

describe("a daemon killed mid-delivery", () => {
  it("has its delivery sent again by another daemon, under the same key", async () => {
    let first = true;
    receiver = await startWebhookReceiver({
      secret: SECRET,
      // The first message is taken in but never answered: the sender is killed waiting.
      slowMs: 120_000,
      decide: () => {
        const answer = first ? "slow" : "ok";
        first = false;
        return answer;
      },
    });
    dir = await mkdtemp(join(tmpdir(), "smc-waves-notify-chaos-"));
    const file = join(dir, "notify.yaml");
    await writeFile(
      file,
      [
        "notifications:",
        "  webhooks:",
        `    - { name: ops, url: "${receiver.url}/ops", events: [plan.*], secretEnv: OPS_SECRET }`,
        "  delivery: { timeout: 60s }",
      ].join("\n"),
    );
    world = await startChaosWorld({
      sources: 10,
      quota: 10,
      daemonEnv: { SMC_WAVES_CONFIG: file, OPS_SECRET: SECRET },
    });
    const doomed = await world.fleet.start("doomed");
    const { planId } = await world.submit("notify-kill", [4, 4]);
    const r = receiver;
    await waitFor("the first webhook request", () => r.requests.length > 0, 30_000);
    await doomed.kill();
    const held = r.requests[0];
    expect(held?.headers["idempotency-key"]).toBe(`plan:${planId}:g0:started`);
    expect(await world.ended(planId)).toBe(false);

    await world.fleet.start("survivor");
    await world.waitForEnd(planId, 60_000);
    const started = () =>
      r.requests.filter((q) => q.headers["idempotency-key"] === `plan:${planId}:g0:started`);
    await waitFor(
      "the redelivery and the plan's end",
      () => started().length >= 2 && (r.processed.get("/ops")?.size ?? 0) >= 2,
      30_000,
      25,
    );
    expect([...(r.processed.get("/ops")?.keys() ?? [])].sort()).toEqual([
      `plan:${planId}:g0:started`,
      `plan:${planId}:g0:succeeded`,
    ]);
    // The same delivery job both times, absorbed by its key; signed both times.
    expect(new Set(started().map((q) => q.headers["x-smc-waves-delivery"])).size).toBe(1);
    expect(
      started()
        .slice(1)
        .every((q) => q.repeat),
    ).toBe(true);
    expect(r.requests.every((q) => q.signatureOk)).toBe(true);
  }, 90_000);
});
