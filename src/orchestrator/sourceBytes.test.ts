import { expect, it } from "vitest";
import { jobBytes, sourceBytes } from "./sourceBytes.ts";

const part = (sizeBytes: number) => ({
  path: "/",
  device: "0_0",
  sizeBytes,
  canBlock: true,
  need: true,
});

it("counts every partition of the system disk and of every data disk", () => {
  const source = {
    systemDiskParts: [part(100), part(20)],
    dataDisks: [
      { index: 1, path: "/data", size: 40, parts: [part(3)] },
      { index: 2, path: "/logs", size: 40, parts: [part(4), part(5)] },
    ],
  };
  expect(sourceBytes(source)).toBe(132);
});

it("counts for the job only the system disk and the data disks its settings list", () => {
  const source = {
    systemDiskParts: [part(100), part(20)],
    dataDisks: [
      { index: 1, path: "/data", size: 40, parts: [part(3)] },
      { index: 2, path: "/logs", size: 40, parts: [part(4), part(5)] },
    ],
  };
  expect(jobBytes(source)).toBe(120);
  expect(jobBytes(source, [{ index: 2 }])).toBe(129);
  expect(jobBytes(source, [{ index: 1 }, { index: 2 }])).toBe(sourceBytes(source));
});
