import { expect, it } from "vitest";
import { sourceBytes } from "./sourceBytes.ts";

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
