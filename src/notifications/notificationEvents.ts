/**
 * The events a webhook can ask for, in one vocabulary of `<subject>.<what happened>`. A webhook's
 * `events` list holds these names, `<subject>.*` or `*`.
 */
const NOTIFICATION_EVENTS = [
  "plan.submitted",
  "plan.started",
  "plan.succeeded",
  "plan.failed",
  "plan.cancelled",
  "wave.started",
  "wave.finished",
  "wave.failed",
  "gate.waiting",
  "cutover.ready",
  "cutover.done",
  "server.failed",
] as const;

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const SUBJECTS = [...new Set(NOTIFICATION_EVENTS.map((event) => event.split(".")[0]))];

/** Every spelling a filter accepts: the names, each subject's `<subject>.*`, and `*`. */
export const EVENT_PATTERNS: readonly string[] = [
  "*",
  ...SUBJECTS.map((subject) => `${subject}.*`),
  ...NOTIFICATION_EVENTS,
];

/** Whether `event` is one a filter of `patterns` lets through. */
export function matchesEvent(patterns: readonly string[], event: NotificationEvent): boolean {
  const subject = event.slice(0, event.indexOf("."));
  return patterns.some(
    (pattern) => pattern === "*" || pattern === event || pattern === `${subject}.*`,
  );
}
