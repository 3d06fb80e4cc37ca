/**
 * Realistic mistakes in wave plans, each with every problem the validator must report for it
 * (`line:col: message`). Judged at NOW. Shared by the table test and the fuzz test's seeds.
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
const HEAD = yaml`
  name: dc1
  regionId: cn-hangzhou
  defaults:
    systemDiskSize: 80
`;

export const BROKEN_PLANS: BrokenPlan[] = [
  {
    mistake: "system disk below the contract's 20 GiB",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              systemDiskSize: 10
    `,
    expected: ["9:25: Expected `systemDiskSize` to be a whole number from 20 to 500, got `10`"],
  },
  {
    mistake: "system disk with a unit",
    text: yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        systemDiskSize: 80GB
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ['4:19: Expected `systemDiskSize` to be a whole number from 20 to 500, got `"80GB"`'],
  },
  {
    mistake: "fractional system disk size",
    text:
      HEAD.replace("80", "80.5") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["4:19: Expected `systemDiskSize` to be a whole number from 20 to 500, got `80.5`"],
  },
  {
    mistake: "data disk below 20 GiB",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks: [{ index: 1, size: 10 }]
    `,
    expected: ["9:39: Expected `size` to be a whole number from 20 to 32768, got `10`"],
  },
  {
    mistake: "data disk index 17",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks:
                - index: 17
                  size: 100
    `,
    expected: ["10:20: Expected `index` to be a whole number from 1 to 16, got `17`"],
  },
  {
    mistake: "data disk index counted from 0",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks: [{ index: 0, size: 100 }, { index: 1, size: 100 }]
    `,
    expected: ["9:30: Expected `index` to be a whole number from 1 to 16, got `0`"],
  },
  {
    mistake: "the same data disk index twice",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks:
                - { index: 1, size: 100 }
                - { index: 1, size: 200 }
    `,
    expected: [
      "11:22: Data disk index 1 is already used by `dataDisks[0]`; each index may appear once",
    ],
  },
  {
    mistake: "more than 20 tags once inherited ones are merged",
    text: yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        systemDiskSize: 80
        tags: { t1: a, t2: a, t3: a, t4: a, t5: a, t6: a, t7: a, t8: a, t9: a, t10: a, t11: a, t12: a }
      waves:
        - name: w1
          servers:
            - name: web-01
              tags: { s1: a, s2: a, s3: a, s4: a, s5: a, s6: a, s7: a, s8: a, s9: a }
    `,
    expected: ["10:15: With inherited tags, `tags` gives a job 21 tags; SMC allows at most 20"],
  },
  {
    mistake: "tag key in the provider's reserved prefix",
    text:
      HEAD +
      yaml`
        tags: { aliyun-owner: ops, acs:env: prod }
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "5:11: Invalid key `aliyun-owner` in `tags`: expected 1–128 characters not starting with `aliyun`, `acs:`, `http://` or `https://`",
      "5:30: Invalid key `acs:env` in `tags`: expected 1–128 characters not starting with `aliyun`, `acs:`, `http://` or `https://`",
    ],
  },
  {
    mistake: "unquoted number as a tag value",
    text:
      HEAD +
      yaml`
        tags: { cost-centre: 4711 }
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '5:24: Expected `cost-centre` to be a string of at most 128 characters not starting with `aliyun`, `acs:`, `http://` or `https://` (quote numbers: `"1"`), got `4711`',
    ],
  },
  {
    mistake: "plan name with spaces",
    text:
      HEAD.replace("name: dc1", "name: DC1 to Hangzhou") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '1:7: Expected `name` to be 2–64 characters: a letter first, then letters, digits, `_` or `-`, got `"DC1 to Hangzhou"`',
    ],
  },
  {
    mistake: "plan name with a dot",
    text:
      HEAD.replace("name: dc1", "name: dc1.prod") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '1:7: Expected `name` to be 2–64 characters: a letter first, then letters, digits, `_` or `-`, got `"dc1.prod"`',
    ],
  },
  {
    mistake: "region written as a city",
    text:
      HEAD.replace("cn-hangzhou", "Hangzhou") +
      yaml`
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '2:11: Expected `regionId` to be a region id such as `cn-hangzhou`, got `"Hangzhou"`',
    ],
  },
  {
    mistake: "no regionId",
    text: yaml`
      name: dc1
      defaults:
        systemDiskSize: 80
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["1:1: Missing required key `regionId` (a region id such as `cn-hangzhou`)"],
  },
  {
    mistake: "no waves at all",
    text: HEAD,
    expected: ["1:1: Missing required key `waves` (a non-empty list of waves)"],
  },
  {
    mistake: "an empty list of waves",
    text: `${HEAD}waves: []\n`,
    expected: ["5:8: Expected `waves` to be a non-empty list of waves, got an empty list"],
  },
  {
    mistake: "a wave without servers",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 22 * * *", duration: 6h }
    `,
    expected: ["6:5: Missing required key `servers` (a non-empty list of servers)"],
  },
  {
    mistake: "servers written as a mapping",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            web-01: { systemDiskSize: 100 }
    `,
    expected: ["8:7: Expected `servers` to be a non-empty list of servers, got a mapping"],
  },
  {
    mistake: "servers listed as bare names",
    text: `${HEAD}waves:\n  - name: w1\n    servers:\n      - web-01\n      - web-02\n`,
    expected: [
      '8:9: Expected `servers[0]` to be a mapping such as `name: web-01` or `sourceId: s-…`, with any job settings, got `"web-01"`',
      '9:9: Expected `servers[1]` to be a mapping such as `name: web-01` or `sourceId: s-…`, with any job settings, got `"web-02"`',
    ],
  },
  {
    mistake: "a server with both sourceId and name",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - sourceId: s-bp1e2fsl57knvuug0000
              name: web-01
    `,
    expected: [
      "8:9: A server needs exactly one of `sourceId` and `name`, got both (`s-bp1e2fsl57knvuug0000` and `web-01`)",
    ],
  },
  {
    mistake: "a server with neither sourceId nor name",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - systemDiskSize: 100
    `,
    expected: ["8:9: A server needs exactly one of `sourceId` and `name`, got neither"],
  },
  {
    mistake: "an instance id where the source id goes",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - sourceId: i-bp1f1dvfto1sigz50000
    `,
    expected: [
      '8:19: Expected `sourceId` to be a source id such as `s-bp1e2fsl57knvuug0000`, got `"i-bp1f1dvfto1sigz50000"`',
    ],
  },
  {
    mistake: "a URL as a source name",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: https://web-01.dc1.example.com
    `,
    expected: [
      '8:15: Expected `name` to be 2–128 characters: a letter first, then letters, digits, `:`, `_` or `-` (no spaces, dots or `/`), got `"https://web-01.dc1.example.com"`',
    ],
  },
  {
    mistake: "incremental job without frequency and image count",
    text:
      HEAD +
      yaml`
        runOnce: false
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "5:12: `runOnce: false` (incremental job) needs `frequency` (hours between runs, 1–168)",
      "5:12: `runOnce: false` (incremental job) needs `maxNumberOfImageToKeep` (1–10)",
    ],
  },
  {
    mistake: "frequency of 200 hours",
    text:
      HEAD +
      yaml`
        runOnce: false
        frequency: 200
        maxNumberOfImageToKeep: 3
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["6:14: Expected `frequency` to be a whole number from 1 to 168, got `200`"],
  },
  {
    mistake: "frequency without runOnce: false",
    text:
      HEAD +
      yaml`
        frequency: 12
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "5:14: `frequency` only applies to incremental jobs: add `runOnce: false` or remove it",
    ],
  },
  {
    mistake: "keeping 11 images",
    text:
      HEAD +
      yaml`
        runOnce: false
        frequency: 24
        maxNumberOfImageToKeep: 11
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "7:27: Expected `maxNumberOfImageToKeep` to be a whole number from 1 to 10, got `11`",
    ],
  },
  {
    mistake: "VPC transfer without a vSwitch",
    text:
      HEAD +
      yaml`
        netMode: 2
      waves:
        - name: w1
          servers: [{ name: web-01 }, { name: web-02 }]
    `,
    expected: [
      "5:12: `netMode: 2` (VPC transfer) needs a `vSwitchId`: set it beside `netMode` or where the server inherits it",
    ],
  },
  {
    mistake: "netMode 1",
    text:
      HEAD +
      yaml`
        netMode: 1
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["5:12: Expected `netMode` to be `0` (public network) or `2` (VPC), got `1`"],
  },
  {
    mistake: "a VPC id where the vSwitch id goes",
    text:
      HEAD +
      yaml`
        netMode: 2
        vSwitchId: vpc-bp1vwnn14rqpyiczj0000
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '6:14: Expected `vSwitchId` to be a vSwitch id such as `vsw-bp1ddbrxdlrcbim460000`, got `"vpc-bp1vwnn14rqpyiczj0000"`',
    ],
  },
  {
    mistake: "validTime under 7 days",
    text:
      HEAD +
      yaml`
        validTime: 5d
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '5:14: Expected `validTime` to be from 7d to 90d after the job is created, got `"5d"`',
    ],
  },
  {
    mistake: "validTime over 90 days",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          defaults: { validTime: 120d }
          servers: [{ name: web-01 }]
    `,
    expected: [
      '7:28: Expected `validTime` to be from 7d to 90d after the job is created, got `"120d"`',
    ],
  },
  {
    mistake: "validTime in words",
    text:
      HEAD +
      yaml`
        validTime: 30 days
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '5:14: Expected `validTime` to be a duration such as `30s`, `15m`, `6h`, `30d`, or a whole number of milliseconds, got `"30 days"`',
    ],
  },
  {
    mistake: "scheduledStartTime in the past",
    text:
      HEAD +
      yaml`
        scheduledStartTime: "2026-11-01T22:00:00Z"
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      "5:23: `scheduledStartTime` `2026-11-01T22:00:00Z` is in the past (now is 2026-11-20T00:00:00Z); SMC needs a future time",
    ],
  },
  {
    mistake: "scheduledStartTime 45 days ahead",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          servers:
            - name: web-01
              scheduledStartTime: "2027-01-04T22:00:00Z"
    `,
    expected: [
      "9:29: `scheduledStartTime` `2027-01-04T22:00:00Z` is more than 30 days ahead; SMC accepts at most 30 days after creation (until 2026-12-20T00:00:00Z if created now)",
    ],
  },
  {
    mistake: "scheduledStartTime without a time zone",
    text:
      HEAD +
      yaml`
        scheduledStartTime: "2026-11-25 22:00"
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '5:23: Expected `scheduledStartTime` to be an ISO 8601 time with a zone, such as `2026-12-05T14:00:00Z`, got `"2026-11-25 22:00"`',
    ],
  },
  {
    mistake: "scheduledStartTime before the wave may start",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          notBefore: "2026-12-01T00:00:00Z"
          defaults: { scheduledStartTime: "2026-11-28T22:00:00Z" }
          servers: [{ name: web-01 }]
    `,
    expected: [
      "8:37: `scheduledStartTime` `2026-11-28T22:00:00Z` is not after the wave's `notBefore` (2026-12-01T00:00:00Z): the job is created after it, when that time has passed",
    ],
  },
  {
    mistake: "two waves with the same name",
    text:
      HEAD +
      yaml`
      waves:
        - name: wave-1
          servers: [{ name: web-01 }]
        - name: wave-1
          servers: [{ name: web-02 }]
    `,
    expected: [
      "8:11: Wave name `wave-1` is already used by the wave at line 6; wave names must be unique",
    ],
  },
  {
    mistake: "a server in two waves",
    text:
      HEAD +
      yaml`
      waves:
        - name: wave-1
          servers: [{ name: web-01 }, { name: web-02 }]
        - name: wave-2
          servers:
            - name: db-01
            - name: web-02
    `,
    expected: [
      "11:15: Server `web-02` is already listed at line 7; a source can have only one unfinished job, so a second entry is certain to fail",
    ],
  },
  {
    mistake: "the same sourceId twice in a wave",
    text:
      HEAD +
      yaml`
      waves:
        - name: wave-1
          servers:
            - sourceId: s-bp1e2fsl57knvuug0000
            - sourceId: s-bp1e2fsl57knvuug0000
              systemDiskSize: 100
    `,
    expected: [
      "9:19: Server `s-bp1e2fsl57knvuug0000` is already listed at line 8; a source can have only one unfinished job, so a second entry is certain to fail",
    ],
  },
  {
    mistake: "cron with 4 fields",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 22 * *", duration: 6h }
          servers: [{ name: web-01 }]
    `,
    expected: [
      '7:21: Expected `cron` to have 5 fields (minute hour day-of-month month day-of-week), got `"0 22 * *"` with 4',
    ],
  },
  {
    mistake: "cron hour 25",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window:
            cron: "0 25 * * *"
            duration: 6h
          servers: [{ name: web-01 }]
    `,
    expected: [
      '8:13: Invalid cron `"0 25 * * *"`: Constraint error, got value 25 expected range 0-23',
    ],
  },
  {
    mistake: "cron on February 30th",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 0 30 2 *", duration: 6h }
          servers: [{ name: web-01 }]
    `,
    expected: ['7:21: Invalid cron `"0 0 30 2 *"`: Invalid explicit day of month definition'],
  },
  {
    mistake: "misspelled time zone",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 22 * * *", duration: 6h, timezone: Asia/Shangai }
          servers: [{ name: web-01 }]
    `,
    expected: [
      "7:59: Unknown time zone `Asia/Shangai`: expected an IANA zone such as `Asia/Shanghai` or `UTC`; did you mean `Asia/Shanghai`?",
    ],
  },
  {
    mistake: "window shorter than a minute",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 22 * * *", duration: 30s }
          servers: [{ name: web-01 }]
    `,
    expected: ['7:45: Expected `duration` to be from 1m to 31d, got `"30s"`'],
  },
  {
    mistake: "window without a duration",
    text:
      HEAD +
      yaml`
      waves:
        - name: w1
          window: { cron: "0 22 * * *" }
          servers: [{ name: web-01 }]
    `,
    expected: [
      "7:13: Missing required key `duration` (a duration such as `30s`, `15m`, `6h`, `30d`, or a whole number of milliseconds)",
    ],
  },
  {
    mistake: "keeping finished jobs with more servers than maxJobs",
    text:
      HEAD +
      yaml`
      policy: { maxJobs: 2, onFinish: keep }
      waves:
        - name: w1
          servers: [{ name: web-01 }, { name: web-02 }]
        - name: w2
          servers: [{ name: db-01 }]
    `,
    expected: [
      "5:33: `onFinish: keep` leaves every finished job holding its quota slot, so only `maxJobs` (2) of the plan's 3 servers can migrate; use `delete` or raise `maxJobs`",
    ],
  },
  {
    mistake: "maxJobs 0",
    text:
      HEAD +
      yaml`
      policy:
        maxJobs: 0
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ["6:12: Expected `maxJobs` to be a whole number from 1 and up, got `0`"],
  },
  {
    mistake: "onFinish remove",
    text:
      HEAD +
      yaml`
      policy:
        onFinish: remove
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: ['6:13: Expected `onFinish` to be one of `delete`, `keep`, got `"remove"`'],
  },
  {
    mistake: "polling every 100 ms",
    text:
      HEAD +
      yaml`
      policy:
        pollInterval: 100ms
        jobRestarts: -1
      waves:
        - name: w1
          servers: [{ name: web-01 }]
    `,
    expected: [
      '6:17: Expected `pollInterval` to be from 1s to 1h, got `"100ms"`',
      "7:16: Expected `jobRestarts` to be a whole number from 0 to 100, got `-1`",
    ],
  },
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
      '5:15: Expected `targetType` to be one of `Image`, `ContainerImage`, `Instance`, got `"image"`',
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
