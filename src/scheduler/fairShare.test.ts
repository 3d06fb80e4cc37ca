import { describe, expect, it } from "vitest";
import { fairShares } from "./fairShare.ts";

describe("fairShares", () => {
  it("gives a lone plan everything it wants up to the capacity", () => {
    expect(fairShares([{ planId: "a", held: 0, wants: 500 }], 100)).toEqual(new Map([["a", 100]]));
  });

  it("splits evenly between plans that both want more than half", () => {
    const shares = fairShares(
      [
        { planId: "a", held: 0, wants: 300 },
        { planId: "b", held: 0, wants: 300 },
      ],
      100,
    );
    expect(shares).toEqual(
      new Map([
        ["a", 50],
        ["b", 50],
      ]),
    );
  });

  it("hands what a small plan does not need to the others", () => {
    const shares = fairShares(
      [
        { planId: "small", held: 0, wants: 5 },
        { planId: "big", held: 0, wants: 500 },
        { planId: "mid", held: 0, wants: 40 },
      ],
      100,
    );
    expect(shares).toEqual(
      new Map([
        ["small", 5],
        ["mid", 40],
        ["big", 55],
      ]),
    );
  });

  it("never shares below what a plan already holds", () => {
    const shares = fairShares(
      [
        { planId: "early", held: 90, wants: 200 },
        { planId: "late", held: 0, wants: 200 },
      ],
      100,
    );
    expect(shares.get("early")).toBe(90);
    expect(shares.get("late")).toBe(50);
  });

  it("gives the odd slot to one plan so the whole capacity is used", () => {
    const shares = fairShares(
      [
        { planId: "a", held: 0, wants: 10 },
        { planId: "b", held: 0, wants: 10 },
      ],
      7,
    );
    expect([...shares.values()].reduce((sum, n) => sum + n, 0)).toBe(7);
  });
});
