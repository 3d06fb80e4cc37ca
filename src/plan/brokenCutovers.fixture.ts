import { type BrokenPlan, HEAD, yaml } from "./planFixture.ts";

/** Mistakes in gates and cut-overs: values, keys, modes, windows, and cut-overs of nothing. */
export const BROKEN_CUTOVERS: BrokenPlan[] = [
  {
    mistake: "a misspelt cut-over mode and gate",
    text:
      HEAD +
      yaml`
        runOnce: false
        frequency: 4
        maxNumberOfImageToKeep: 2
      waves:
        - name: db
          gate: manaul
          cutover: imediate
          servers: [{ name: db-01 }]
    `,
    expected: [
      '10:11: Expected `gate` to be one of `manual`, got `"manaul"`; did you mean `manual`?',
      '11:14: Expected `cutover` to be `immediate`, `manual`, or a mapping such as `{ window: { cron, duration, timezone } }` (with optional `mode`, `syncData`, `onTimeout`), got `"imediate"`; did you mean `immediate`?',
    ],
  },
  {
    mistake: "a cut-over on a wave without incremental servers",
    text:
      HEAD +
      yaml`
      waves:
        - name: web
          cutover: manual
          servers: [{ name: web-01 }, { name: web-02 }]
    `,
    expected: [
      "7:5: `cutover` applies to incremental servers (`runOnce: false`), and none of wave `web`'s 2 server(s) is one: add `runOnce: false` (with `frequency` and `maxNumberOfImageToKeep`) to the servers that keep syncing until their cut-over, or remove `cutover`",
    ],
  },
  {
    mistake: "a misspelt key inside the cut-over and a bad window",
    text:
      HEAD +
      yaml`
        runOnce: false
        frequency: 4
        maxNumberOfImageToKeep: 2
      waves:
        - name: db
          cutover:
            windw: { cron: "30 4 * * *", duration: 3h }
          servers: [{ name: db-01 }]
        - name: db2
          cutover:
            window: { cron: "30 4 * *", duration: 30s, timezone: Asia/Shanghi }
            onTimeout: later
          servers: [{ name: db-02 }]
    `,
    expected: [
      "11:7: Unknown key `windw` in `cutover`; did you mean `window`?",
      '15:23: Expected `cron` to have 5 fields (minute hour day-of-month month day-of-week), got `"30 4 * *"` with 4',
      '15:45: Expected `duration` to be from 1m to 31d, got `"30s"`',
      "15:60: Unknown time zone `Asia/Shanghi`: expected an IANA zone such as `Asia/Shanghai` or `UTC`; did you mean `Asia/Shanghai`?",
      '16:18: Expected `onTimeout` to be one of `wait`, `fail`, got `"later"`',
    ],
  },
  {
    mistake: "a cut-over mode that disagrees with its keys",
    text:
      HEAD +
      yaml`
        runOnce: false
        frequency: 4
        maxNumberOfImageToKeep: 2
      waves:
        - name: db
          cutover: { mode: window, syncData: false }
          servers: [{ name: db-01 }]
        - name: db2
          cutover:
            mode: manual
            window: { cron: "30 4 * * *", duration: 3h }
            onTimeout: fail
          servers: [{ name: db-02 }]
    `,
    expected: [
      "10:22: `mode: window` needs `window: { cron, duration, timezone }`: when cut-overs may start",
      "15:7: A cut-over `window` applies only to `mode: window` (the mode when a window is given), not to `mode: manual`: remove one of them",
      "16:7: `onTimeout` says what happens when a cut-over window closes first, and `mode: manual` has no window: remove it",
    ],
  },
];
