import { describe, expect, it } from "vitest";
import { NonceCache } from "./nonceCache.ts";
import { bytesToCopy, generateSources } from "./sourceCatalogue.ts";

const GIB = 1024 ** 3;
const NOW = Date.UTC(2024, 5, 1);

describe("generateSources", () => {
  it("gives the same sources for the same seed and others for another seed", () => {
    expect(generateSources(20, 1, NOW)).toEqual(generateSources(20, 1, NOW));
    expect(generateSources(20, 2, NOW)[0]?.sourceId).not.toBe(
      generateSources(20, 1, NOW)[0]?.sourceId,
    );
  });

  it("makes realistic, unique sources", () => {
    const sources = generateSources(300, 5, NOW);
    expect(new Set(sources.map((s) => s.sourceId)).size).toBe(300);
    expect(new Set(sources.map((s) => s.name)).size).toBe(300);
    expect(new Set(sources.map((s) => s.platform)).size).toBeGreaterThan(3);
    for (const source of sources) {
      expect(source.sourceId).toMatch(/^s-[a-z0-9]{20}$/);
      expect(source.name).toMatch(/^[a-z]+-\d{2,}$/);
      expect(source.systemDiskSize).toBeGreaterThanOrEqual(20);
      expect(source.systemDiskSize).toBeLessThanOrEqual(500);
      expect(source.systemDiskParts.length).toBeGreaterThanOrEqual(1);
      expect(source.systemDiskParts.length).toBeLessThanOrEqual(3);
      expect(source.dataDisks.length).toBeLessThanOrEqual(3);
      const systemBytes = source.systemDiskParts.reduce((sum, p) => sum + p.sizeBytes, 0);
      expect(systemBytes).toBeLessThanOrEqual(source.systemDiskSize * GIB);
      expect(systemBytes).toBeGreaterThan(source.systemDiskSize * GIB - 2 * 1024 ** 2);
      expect(
        source.systemDiskParts.every((p) => Number.isInteger(p.sizeBytes) && p.sizeBytes > 0),
      ).toBe(true);
      expect(JSON.parse(source.systemInfo).hostname).toBe(source.name);
      expect(source.systemInfo.length).toBeLessThanOrEqual(1024);
    }
  });

  it("counts the system disk and only the chosen data disks as bytes to copy", () => {
    const source = generateSources(50, 3, NOW).find((s) => s.dataDisks.length >= 2);
    if (!source) throw new Error("seed 3 should give a source with two data disks");
    const system = source.systemDiskParts.reduce((sum, p) => sum + p.sizeBytes, 0);
    const disk1 = source.dataDisks[0]?.parts.reduce((sum, p) => sum + p.sizeBytes, 0) ?? 0;
    expect(bytesToCopy(source, [])).toBe(system);
    expect(bytesToCopy(source, [1])).toBe(system + disk1);
  });
});

describe("NonceCache", () => {
  it("remembers nonces within the window and forgets them after", () => {
    const cache = new NonceCache(1000, 10);
    expect(cache.used("a", 0)).toBe(false);
    expect(cache.used("a", 999)).toBe(true);
    expect(cache.used("a", 1000)).toBe(false);
  });

  it("stays within its memory bound, forgetting the oldest first", () => {
    const cache = new NonceCache(60_000, 100);
    for (let i = 0; i < 1000; i++) cache.used(`n${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.used("n999", 1000)).toBe(true);
  });
});
