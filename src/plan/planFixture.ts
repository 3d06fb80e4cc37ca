/**
 * What the broken-plan fixtures share: the moment they are judged at, a YAML helper, a valid plan
 * and the usual first lines. The cases themselves live by concern in brokenPlans.fixture.ts.
 */

/** Epoch ms the fixtures are validated at: 2026-11-20T00:00:00Z. */
export const NOW = Date.parse("2026-11-20T00:00:00Z");

/** Strips the indentation common to all lines, so fixtures can sit indented in code. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce(
    (text, part, index) => text + part + (index < values.length ? String(values[index]) : ""),
    "",
  );
  const lines = raw
    .replace(/^\n/, "")
    .replace(/\n\s*$/, "\n")
    .split("\n");
  const indents = lines
    .filter((line) => line.trim() !== "")
    .map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((line) => line.slice(cut)).join("\n");
}

/** A small valid plan the mutations below start from. */
export const VALID_PLAN = yaml`
  name: dc1-to-hangzhou
  regionId: cn-hangzhou
  defaults:
    systemDiskSize: 80
    netMode: 2
    vSwitchId: vsw-bp1ddbrxdlrcbim460000
    tags: { project: dc1 }
    validTime: 30d
  policy:
    maxJobs: 10
    pollInterval: 30s
  waves:
    - name: wave-1
      window: { cron: "0 22 * * 1-5", duration: 6h, timezone: Asia/Shanghai }
      servers:
        - name: web-01
        - sourceId: s-bp1e2fsl57knvuug0000
          systemDiskSize: 120
          dataDisks: [{ index: 1, size: 200 }]
    - name: wave-2
      notBefore: "2026-12-05T14:00:00Z"
      defaults: { runOnce: false, frequency: 12, maxNumberOfImageToKeep: 3 }
      servers: [{ name: db-01 }, { name: db-02 }]
`;

export interface BrokenPlan {
  mistake: string;
  text: string;
  /** Every problem, `line:col: message`, in file order. */
  expected: string[];
}

/** The first four lines of most cases: a plan name, a region and a default system disk. */
export const HEAD = yaml`
  name: dc1
  regionId: cn-hangzhou
  defaults:
    systemDiskSize: 80
`;
