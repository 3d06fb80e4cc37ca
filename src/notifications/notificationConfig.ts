import { z } from "zod";
import { parseDuration } from "../plan/duration.ts";
import { EVENT_PATTERNS } from "./notificationEvents.ts";
import { maskUrl, Secret } from "./secret.ts";

/**
 * The `notifications:` section of the daemon config: raw → validated (this schema) → compiled
 * (`compileNotifications`, which also reads the secrets the section names from the environment).
 */

/** Zero would mean "never wait" (a timeout, a window): refused. */
const positiveDuration = z.custom<string | number>((value) => (parseDuration(value) ?? 0) > 0, {
  error: 'expected a duration above zero, such as "2s", "10m" or milliseconds',
});

const isHttpUrl = (text: string): boolean => {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
};

const httpUrl = z.string().refine(isHttpUrl, {
  error: 'expected an http(s) URL such as "https://hooks.example.com/…"',
});

/** Upper or lower case, digits and `_`, not starting with a digit: what a shell can export. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "expected the name of an environment variable, such as OPS_HOOK_SECRET",
});

const MESSAGE_FORMATS = ["json", "dingtalk", "slack"] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

/** Webhook names appear in metrics labels and logs: short and plain. */
const WEBHOOK_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const webhook = z
  .strictObject({
    name: z.string().regex(WEBHOOK_NAME, {
      error:
        'expected lower case letters, digits and "-", starting with a letter, such as "ops-chat"',
    }),
    url: httpUrl.optional(),
    urlEnv: envName.optional(),
    format: z.enum(MESSAGE_FORMATS).default("json"),
    events: z
      .array(z.enum(EVENT_PATTERNS as [string, ...string[]]))
      .min(1)
      .default(["*"]),
    secretEnv: envName.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.url === undefined && value.urlEnv === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message:
          'is required: give the webhook\'s address as "url", or as "urlEnv" naming an environment variable that holds it',
      });
    } else if (value.url !== undefined && value.urlEnv !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["urlEnv"],
        message: 'give either "url" or "urlEnv", not both',
      });
    }
  });

const delivery = z.strictObject({
  attempts: z.number().int().min(1).max(100).default(15),
  backoff: positiveDuration.default("2s"),
  maxBackoff: positiveDuration.default("10m"),
  timeout: positiveDuration.default("10s"),
  concurrency: z.number().int().min(1).max(100).default(8),
  dedupeWindow: positiveDuration.default("24h"),
});

export const notificationsSchema = z.strictObject({
  publicUrl: httpUrl.optional(),
  serverFailureWindow: positiveDuration.default("1m"),
  webhooks: z
    .array(webhook)
    .default([])
    .superRefine((hooks, ctx) => {
      const seen = new Set<string>();
      hooks.forEach((hook, index) => {
        if (seen.has(hook.name)) {
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            input: hook.name,
            message: "webhook names must be unique",
          });
        }
        seen.add(hook.name);
      });
    }),
  delivery: delivery.prefault({}),
});

type ValidatedNotifications = z.output<typeof notificationsSchema>;

export interface WebhookConfig {
  /** Shown in logs, metrics labels and the dashboard. */
  name: string;
  /** The whole URL is a credential for chat webhooks; `displayUrl` is what logs show. */
  url: Secret;
  /** Scheme, host and port only. */
  displayUrl: string;
  format: MessageFormat;
  /** Event names, `<subject>.*` or `*`. @default ["*"] */
  events: readonly string[];
  /** Signs every body (and DingTalk's URL) when set. */
  secret?: Secret;
}

export interface DeliveryPolicy {
  /** Tries in all, the first included; 15 keep trying for 34–67 minutes. @default 15 */
  attempts: number;
  /** Ceiling of the first retry's delay, ms; doubles per try. @default 2_000 */
  backoffMs: number;
  /** No wait between tries exceeds this, ms, Retry-After included. @default 600_000 */
  maxBackoffMs: number;
  /** Per HTTP attempt, connect to last body byte, ms. @default 10_000 */
  timeoutMs: number;
  /** Deliveries in flight at once per daemon. @default 8 */
  concurrency: number;
  /**
   * How long a delivered notification is remembered, ms: the same fact enqueued again (another
   * daemon, a retried step) within this window is not sent again. @default 86_400_000
   */
  dedupeWindowMs: number;
}

export interface NotificationsConfig {
  /** The daemon's address as people reach it, for links in messages. */
  publicUrl?: string;
  /** At most one server-failure message per plan and wave per this long, ms. @default 60_000 */
  serverFailureWindowMs: number;
  /** @default [] (notifications off) */
  webhooks: WebhookConfig[];
  delivery: DeliveryPolicy;
}

/** A problem found while reading the environment, at a config path. */
export interface NotificationProblem {
  path: (string | number)[];
  message: string;
}

function ms(value: string | number): number {
  const parsed = parseDuration(value);
  // The schema already rejected anything parseDuration cannot read.
  if (parsed === undefined) throw new RangeError(`not a duration: ${String(value)}`);
  return parsed;
}

/**
 * Compiles the section and reads the URLs and secrets it names from `env`. A variable that is unset,
 * empty or (for a URL) not an http(s) URL is a problem at that key; values are never quoted.
 */
export function compileNotifications(
  section: ValidatedNotifications,
  env: Readonly<Record<string, string | undefined>>,
): { config: NotificationsConfig; problems: NotificationProblem[] } {
  const problems: NotificationProblem[] = [];
  const webhooks: WebhookConfig[] = [];
  section.webhooks.forEach((hook, index) => {
    const at = (key: string) => ["notifications", "webhooks", index, key];
    let url = hook.url;
    if (hook.urlEnv !== undefined) {
      url = env[hook.urlEnv];
      if (!url) {
        problems.push({
          path: at("urlEnv"),
          message: `environment variable ${hook.urlEnv} is not set; export the webhook's URL in it`,
        });
      } else if (!isHttpUrl(url)) {
        problems.push({
          path: at("urlEnv"),
          message: `environment variable ${hook.urlEnv} does not hold an http(s) URL`,
        });
        url = undefined;
      }
    }
    let secret: Secret | undefined;
    if (hook.secretEnv !== undefined) {
      const value = env[hook.secretEnv];
      if (value) secret = new Secret(value);
      else {
        problems.push({
          path: at("secretEnv"),
          message: `environment variable ${hook.secretEnv} is not set; export the webhook's signing secret in it, or remove secretEnv`,
        });
      }
    }
    if (url === undefined) return;
    webhooks.push({
      name: hook.name,
      url: new Secret(url),
      displayUrl: maskUrl(url) ?? "(not a URL)",
      format: hook.format,
      events: hook.events,
      ...(secret ? { secret } : {}),
    });
  });
  const d = section.delivery;
  return {
    problems,
    config: {
      ...(section.publicUrl ? { publicUrl: section.publicUrl.replace(/\/+$/, "") } : {}),
      serverFailureWindowMs: ms(section.serverFailureWindow),
      webhooks,
      delivery: {
        attempts: d.attempts,
        backoffMs: ms(d.backoff),
        maxBackoffMs: Math.max(ms(d.maxBackoff), ms(d.backoff)),
        timeoutMs: ms(d.timeout),
        concurrency: d.concurrency,
        dedupeWindowMs: ms(d.dedupeWindow),
      },
    },
  };
}
