import { type BrokenPlan, HEAD, yaml } from "./planFixture.ts";

/** Mistakes in how a job runs: incremental runs, network, times, duplicates, windows, policy. */
export const BROKEN_JOB_SETTINGS: BrokenPlan[] = [
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
];
