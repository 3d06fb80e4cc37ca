import type { Notification } from "./eventToNotification.ts";
import type { MessageFormat } from "./notificationConfig.ts";

/** What the daemon knows about the plan when it sends, beyond the event itself. */
export interface MessageContext {
  planName?: string;
  /** Servers by status: the wave's for a wave event, else the plan's. */
  counts?: Record<string, number>;
}

interface Described {
  /** One line, the message's headline and chat notification preview. */
  title: string;
  /** Lines of plain text, each a fact; list items start with "- ". */
  lines: string[];
}

/** Counts read in this order; statuses absent or at 0 are left out. */
const STATUS_ORDER = ["succeeded", "failed", "running", "creating", "pending", "cancelled"];

function countsText(counts: Record<string, number> | undefined): string | undefined {
  if (!counts) return undefined;
  const known = [...STATUS_ORDER, ...Object.keys(counts).filter((s) => !STATUS_ORDER.includes(s))];
  const parts = known.flatMap((status) => {
    const count = counts[status] ?? 0;
    return count > 0 ? [`${count} ${status}`] : [];
  });
  return parts.length > 0 ? `Servers: ${parts.join(", ")}` : undefined;
}

/** The words of a notification, the same in every format. */
export function describeNotification(n: Notification, context: MessageContext = {}): Described {
  const planName = context.planName ?? n.planId;
  const plan = planName === n.planId ? `plan ${n.planId}` : `plan ${planName} (${n.planId})`;
  const wave = `wave ${n.wave ?? "?"} of ${plan}`;
  const what = n.server ? `server ${n.server} in ${wave}` : wave;
  const titles: Record<Notification["event"], string> = {
    "plan.submitted": `Plan ${planName} submitted`,
    "plan.started": `Plan ${planName} started`,
    "plan.succeeded": `Plan ${planName} succeeded`,
    "plan.failed": `Plan ${planName} failed`,
    "plan.cancelled": `Plan ${planName} cancelled`,
    "wave.started": `Wave ${n.wave} of plan ${planName} started`,
    "wave.finished": `Wave ${n.wave} of plan ${planName} finished`,
    "wave.failed": `Wave ${n.wave} of plan ${planName} failed`,
    "gate.waiting": `Plan ${planName} waits for you: ${n.gate ?? "a gate"}`,
    "cutover.ready": `Cutover ready: ${n.server ? `server ${n.server}` : `wave ${n.wave}`} of plan ${planName}`,
    "cutover.done": `Cutover done: ${n.server ? `server ${n.server}` : `wave ${n.wave}`} of plan ${planName}`,
    "server.failed": `${n.failureCount ?? 0} server(s) failed in wave ${n.wave} of plan ${planName}`,
  };
  const lines: string[] = [];
  if (n.event === "plan.submitted" && n.servers !== undefined)
    lines.push(`${n.servers} server(s) to migrate`);
  if (n.event === "gate.waiting") lines.push(`It holds ${wave} until someone lets it go on.`);
  if (n.event.startsWith("cutover.")) lines.push(`About ${what}.`);
  if (n.reason) lines.push(`Reason: ${n.reason}`);
  if (n.imageId) lines.push(`Image: ${n.imageId}`);
  if (n.jobId) lines.push(`Replication job: ${n.jobId}`);
  for (const failure of n.failures ?? []) {
    lines.push(`- ${failure.key}: ${failure.code} — ${failure.message}`);
  }
  const unlisted = (n.failureCount ?? 0) - (n.failures?.length ?? 0);
  if (unlisted > 0) lines.push(`- and ${unlisted} more`);
  const counts = countsText(context.counts);
  if (counts) lines.push(counts);
  lines.push(`At ${new Date(n.at).toISOString()}`);
  return { title: titles[n.event], lines };
}

/** Slack allows 3,000 characters a section and 150 a header; chats read badly past that anyway. */
const MAX_TEXT = 3_000;
const MAX_TITLE = 150;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Slack's mrkdwn treats these three as markup; everything else is literal. */
const slackEscape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The request body for a webhook in `format`, as JSON text. Deterministic: the same notification
 * and context give the same bytes, so every try sends (and signs) the same body.
 */
export function renderBody(
  format: MessageFormat,
  n: Notification,
  context: MessageContext = {},
  publicUrl?: string,
): string {
  const { title, lines } = describeNotification(n, context);
  const viewUrl = publicUrl ? `${publicUrl}/` : undefined;
  switch (format) {
    case "json":
      return JSON.stringify({
        version: 1,
        event: n.event,
        idempotencyKey: n.key,
        occurredAt: new Date(n.at).toISOString(),
        plan: { id: n.planId, ...(context.planName ? { name: context.planName } : {}) },
        ...(n.wave !== undefined ? { wave: n.wave } : {}),
        ...(n.server !== undefined ? { server: n.server } : {}),
        ...(n.reason !== undefined ? { reason: n.reason } : {}),
        ...(n.servers !== undefined ? { servers: n.servers } : {}),
        ...(n.gate !== undefined ? { gate: n.gate } : {}),
        ...(n.jobId !== undefined ? { jobId: n.jobId } : {}),
        ...(n.imageId !== undefined ? { imageId: n.imageId } : {}),
        ...(n.failures !== undefined
          ? { failures: n.failures, failureCount: n.failureCount ?? n.failures.length }
          : {}),
        ...(context.counts ? { counts: context.counts } : {}),
        title,
        text: lines.join("\n"),
        ...(viewUrl ? { url: viewUrl } : {}),
      });
    case "dingtalk": {
      // DingTalk's markdown joins lines unless a blank line or a list item separates them.
      const body = lines.map((line) => (line.startsWith("- ") ? line : `${line}\n`)).join("\n");
      const link = viewUrl ? `\n\n[Open the migration view](${viewUrl})` : "";
      return JSON.stringify({
        msgtype: "markdown",
        markdown: {
          title: clip(title, MAX_TITLE),
          text: clip(`#### ${title}\n\n${body}${link}`, MAX_TEXT),
        },
      });
    }
    case "slack": {
      const link = viewUrl ? `\n<${viewUrl}|Open the migration view>` : "";
      const text = clip(
        `*${slackEscape(title)}*\n${lines.map(slackEscape).join("\n")}${link}`,
        MAX_TEXT,
      );
      // `text` alone carries the whole message for Slack-compatible chats that ignore blocks.
      return JSON.stringify({
        text,
        blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
      });
    }
  }
}
