import { describe, expect, it } from "vitest";
import {
  canMove,
  isEnded,
  isInFlight,
  isRetryable,
  PLAN_STATUSES,
  SERVER_STATUSES,
  statusesBefore,
  WAVE_STATUSES,
} from "./statuses.ts";

describe("lifecycle statuses", () => {
  it("lets nothing leave a succeeded server: a server that migrated is never redone", () => {
    for (const to of SERVER_STATUSES) expect(canMove("server", "succeeded", to)).toBe(false);
  });

  it("ends every plan, wave and server only in an ended status it can reach from where it starts", () => {
    // From the first status, following allowed moves, every ended status is reachable: nothing
    // is stuck where no move leads to an end.
    const reachable = <S extends string>(
      subject: "plan" | "wave" | "server",
      all: readonly S[],
    ) => {
      const seen = new Set<string>([all[0] as string]);
      for (let changed = true; changed; ) {
        changed = false;
        for (const from of [...seen]) {
          for (const to of all) {
            if (!seen.has(to) && canMove(subject, from as never, to as never)) {
              seen.add(to);
              changed = true;
            }
          }
        }
      }
      return seen;
    };
    for (const [subject, all] of [
      ["plan", PLAN_STATUSES],
      ["wave", WAVE_STATUSES],
      ["server", SERVER_STATUSES],
    ] as const) {
      const seen = reachable(subject, all);
      expect([...all].filter((status) => !seen.has(status))).toEqual([]);
    }
  });

  it("names the statuses a move may start from, for the store's compare-and-set", () => {
    expect(statusesBefore("server", "creating")).toEqual(["pending"]);
    expect(statusesBefore("plan", "cancelled").sort()).toEqual(
      ["cancelling", "paused", "pending", "running"].sort(),
    );
    expect(statusesBefore("server", "skipped")).toEqual(["pending"]);
  });

  it("refuses moves that would strand work: an ended server cannot go straight to creating", () => {
    expect(canMove("server", "failed", "creating")).toBe(false);
    expect(canMove("server", "cancelled", "stopping")).toBe(false);
    expect(canMove("plan", "cancelling", "running")).toBe(false);
    expect(canMove("wave", "skipped", "running")).toBe(false);
  });

  it("tells ended, in flight and retryable apart", () => {
    expect(isEnded("plan", "cancelling")).toBe(false);
    expect(isEnded("wave", "skipped")).toBe(true);
    expect(SERVER_STATUSES.filter(isInFlight)).toEqual([
      "creating",
      "running",
      "syncing",
      "cutting-over",
      "stopping",
    ]);
    expect(SERVER_STATUSES.filter(isRetryable)).toEqual(["failed", "cancelled", "skipped"]);
  });
});
