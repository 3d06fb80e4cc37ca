import { type BrokenPlan, HEAD, yaml } from "./planFixture.ts";

/** Mistakes in keys, targets and partitions, and in the YAML itself. */
export const BROKEN_KEYS_AND_YAML: BrokenPlan[] = [
  {
    mistake: "maxJobs at the top level",
    text:
      HEAD +
      yaml`
      maxJobs: 20
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["5:1: Unknown key `maxJobs` in the plan; it belongs under `policy`"],
  },
  {
    mistake: "misspelled key",
    text: yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        sytemDiskSize: 80
      waves:
        - name: w1
          servers: [{ name: web-01, systemDiskSize: 90 }]
    `,
    expected: ["4:3: Unknown key `sytemDiskSize` in `defaults`; did you mean `systemDiskSize`?"],
  },
  {
    mistake: "the API's PascalCase names",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              SystemDiskSize: 100
    `,
    expected: ["9:9: Unknown key `SystemDiskSize` in `servers[0]`; did you mean `systemDiskSize`?"],
  },
  {
    mistake: "misspelled replication parameter",
    text:
      HEAD +
      yaml`
        replicationParameters: { bandwith_limit: 100, compress_level: 12 }
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "5:28: Unknown key `bandwith_limit` in `replicationParameters`; did you mean `bandwidth_limit`?",
      "5:65: Expected `compress_level` to be a whole number from 0 to 10, got `12`",
    ],
  },
  {
    mistake: "target type in lower case",
    text:
      HEAD +
      yaml`
        targetType: image
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '5:15: Expected `targetType` to be one of `Image`, `ContainerImage`, `Instance`, got `"image"`; did you mean `Image`?',
    ],
  },
  {
    mistake: "Instance target without an instance",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              targetType: Instance
    `,
    expected: [
      "9:21: `targetType: Instance` needs `instanceId` (the ECS instance to migrate into) for server `web-01`",
    ],
  },
  {
    mistake: "one target instance for every server",
    text:
      HEAD +
      yaml`
        targetType: Instance
        instanceId: i-bp1f1dvfto1sigz50000
      waves:
        - name: w1
          servers: [{ name: web-01 }, { name: web-02 }]
    `,
    expected: [
      "6:15: `instanceId` `i-bp1f1dvfto1sigz50000` is inherited by several servers; each server needs its own target instance",
    ],
  },
  {
    mistake: "notBefore in words",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          notBefore: next friday
          servers: [{ name: web-01 }]
    `,
    expected: [
      '7:16: Expected `notBefore` to be an ISO 8601 time with a zone, such as `2026-12-05T14:00:00Z`, got `"next friday"`',
    ],
  },
  {
    mistake: "partitions larger than the disk",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks:
                - index: 1
                  size: 20
                  parts:
                    - { device: "1_0", sizeBytes: 21474836480 }
                    - { device: "1_1", sizeBytes: 1073741824 }
    `,
    expected: [
      "13:15: The partitions in `parts` add up to 22548578304 bytes (21.0 GiB), more than the data disk's 20 GiB",
    ],
  },
  {
    mistake: "no system disk size anywhere",
    text: yaml`
      name: dc1
      regionId: cn-hangzhou
      waves:
        - name: w1
          servers: [{ name: web-01 }, { name: web-02 }, { name: web-03 }]
        - name: w2
          servers:
            - name: db-01
              systemDiskSize: 100
            - name: db-02
    `,
    expected: [
      "5:5: No `systemDiskSize` for any of this wave's 3 servers: set it (GiB, 20–500) in the plan's `defaults`, the wave's `defaults` or the server",
      "10:9: No `systemDiskSize` for this server: set it (GiB, 20–500) in the plan's `defaults`, the wave's `defaults` or the server",
    ],
  },
  {
    mistake: "a tab in the indentation",
    text: `${HEAD}waves:\n  - name: w1\n\tservers: [{ name: web-01 }]\n`,
    expected: ["7:1: Invalid YAML: Tabs are not allowed as indentation"],
  },
  {
    mistake: "an unclosed flow list",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }, { name: web-02 }
        - name: w2
          servers: [{ name: db-01 }]
    `,
    expected: [
      "8:3: Invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "8:11: Invalid YAML: Nested mappings are not allowed in compact mappings",
      "8:11: Invalid YAML: Implicit keys need to be on a single line",
    ],
  },
  {
    mistake: "a key twice in one mapping",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              systemDiskSize: 100
              systemDiskSize: 120
    `,
    expected: ["10:9: Duplicate key `systemDiskSize`: a key may appear only once in a mapping"],
  },
  {
    mistake: "a list of servers as a mapping key",
    text: `${HEAD}waves:\n  - name: w1\n    servers:\n      [web-01, web-02]: { systemDiskSize: 100 }\n`,
    expected: [
      "8:7: A mapping key must be plain text, not a list or a mapping (is an indentation off?)",
    ],
  },
  {
    mistake: "the whole plan as a list",
    text: yaml`
      - name: dc1
        regionId: cn-hangzhou
    `,
    expected: [
      "1:1: Expected the plan to be a mapping with `name`, `regionId` and `waves`, got a list",
    ],
  },
  {
    mistake: "an empty file",
    text: "# TODO: write the plan\n",
    expected: ["1:1: The plan is empty: expected a mapping with `name`, `regionId` and `waves`"],
  },
  {
    mistake: "waves as one string",
    text: `${HEAD}waves: wave-1\n`,
    expected: ['5:8: Expected `waves` to be a non-empty list of waves, got `"wave-1"`'],
  },
  {
    mistake: "two documents in one file",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
      ---
      name: dc2
    `,
    expected: [
      "8:1: A plan is one YAML document, but another starts here; remove this `---` and what follows, or split the file",
    ],
  },
];

/** Hostile input: each must be refused with one clear problem, quickly and without a crash. */
export const HOSTILE_PLANS: BrokenPlan[] = [
  {
    mistake: "a billion laughs of aliases",
    text: [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...["b", "c", "d", "e", "f", "g", "h"].map(
        (name, index) =>
          `${name}: &${name} [${Array(10).fill(`*${"abcdefgh"[index]}`).join(", ")}]`,
      ),
      "name: dc1",
    ].join("\n"),
    expected: [
      "1:1: Aliases expand too much (more than 100 times their anchors' size); a plan may not multiply itself through `*alias` references",
    ],
  },
  {
    mistake: "brackets nested 100,000 deep",
    text: `name: dc1\nwaves: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`,
    expected: ["2:40: Nested more than 32 levels deep; a plan needs fewer than 10"],
  },
  {
    mistake: "block lists nested 5,000 deep on one line",
    text: `name: dc1\nwaves:\n  ${"- ".repeat(5_000)}x\n`,
    expected: ["3:67: Nested more than 32 levels deep; a plan needs fewer than 10"],
  },
  {
    mistake: "a file over 5 MiB",
    text: `name: dc1\n# ${"x".repeat(5 * 1024 * 1024)}\n`,
    expected: ["1:1: The file is 5.0 MiB; a plan may be at most 5 MiB"],
  },
];
