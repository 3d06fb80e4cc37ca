import { expect, it } from "vitest";
import { nextEveningInShanghai } from "./quickstartCommand.ts";

it("starts the quick start's world at the next 13:30 UTC, always ahead of now", () => {
  expect(nextEveningInShanghai(Date.parse("2026-11-27T10:00:00Z"))).toBe(
    Date.parse("2026-11-27T13:30:00Z"),
  );
  expect(nextEveningInShanghai(Date.parse("2026-11-27T13:30:00Z"))).toBe(
    Date.parse("2026-11-28T13:30:00Z"),
  );
  expect(nextEveningInShanghai(Date.parse("2026-12-31T23:59:00Z"))).toBe(
    Date.parse("2027-01-01T13:30:00Z"),
  );
});
