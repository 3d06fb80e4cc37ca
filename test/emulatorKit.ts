/**
 * Shared by the emulator's integration tests: an official pop-core client for a running emulator,
 * a hand-signed raw call (for what pop-core cannot send: stale timestamps, reused nonces, XML),
 * error capture, and polling on conditions with short real intervals (never fixed sleeps).
 */
import { randomUUID } from "node:crypto";
import RPCClient from "@alicloud/pop-core";
import { expect } from "vitest";
import type { RunningEmulator } from "../src/emulator/startEmulator.ts";
import { type HttpMethod, sign } from "../src/smc/signature.ts";

export type Params = Record<string, string | number | boolean>;
// pop-core answers parsed JSON; tests read it loosely and assert on what they read.
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field.
export type Body = any;

export function popClient(
  emulator: Pick<RunningEmulator, "url" | "credentials">,
  overrides: Partial<{
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    apiVersion: string;
  }> = {},
): { call(action: string, params?: Params): Promise<Body> } {
  const client = new RPCClient({
    accessKeyId: overrides.accessKeyId ?? emulator.credentials.accessKeyId,
    accessKeySecret: overrides.accessKeySecret ?? emulator.credentials.accessKeySecret,
    ...(overrides.securityToken ? { securityToken: overrides.securityToken } : {}),
    endpoint: emulator.url,
    apiVersion: overrides.apiVersion ?? "2019-06-01",
  });
  return {
    call: (action, params = {}) => client.request<Body>(action, params, { method: "POST" }),
  };
}

export interface CaughtError {
  code: string;
  status: number;
  message: string;
  body: Body;
}

/** Awaits a call that must fail with the service's error body; returns its code, status and body. */
export async function failure(call: Promise<unknown>): Promise<CaughtError> {
  try {
    await call;
  } catch (error) {
    const e = error as {
      code?: string;
      data?: Body;
      entry?: { response?: { statusCode?: number } };
    };
    expect(e.data, `expected a service error body, got ${String(error)}`).toBeDefined();
    expect(e.data.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(e.data.HostId).toBe("smc.aliyuncs.com");
    return {
      code: e.code ?? "",
      status: e.entry?.response?.statusCode ?? 0,
      message: e.data.Message,
      body: e.data,
    };
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Asserts a call fails with `code` (and `status` when given). */
export async function rejects(
  call: Promise<unknown>,
  code: string,
  status?: number,
): Promise<CaughtError> {
  const caught = await failure(call);
  expect(caught.code).toBe(code);
  if (status !== undefined) expect(caught.status).toBe(status);
  return caught;
}

export interface RawOptions {
  method?: HttpMethod;
  accessKeyId?: string;
  secret?: string;
  timestamp?: string;
  nonce?: string;
  /** Common parameters to leave out. */
  omit?: string[];
  /** Sent instead of the computed signature. */
  signature?: string;
}

export function wireTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A call signed by hand with src/smc/signature.ts: full control over every common parameter. */
export async function rawCall(
  emulator: Pick<RunningEmulator, "url" | "credentials">,
  action: string,
  params: Params = {},
  options: RawOptions = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const method = options.method ?? "GET";
  const all: Record<string, string> = {
    Action: action,
    Version: "2019-06-01",
    Format: "JSON",
    AccessKeyId: options.accessKeyId ?? emulator.credentials.accessKeyId,
    SignatureMethod: "HMAC-SHA1",
    SignatureVersion: "1.0",
    SignatureNonce: options.nonce ?? randomUUID(),
    Timestamp: options.timestamp ?? wireTimestamp(Date.now()),
  };
  for (const [key, value] of Object.entries(params)) all[key] = String(value);
  for (const key of options.omit ?? []) delete all[key];
  all.Signature =
    options.signature ?? sign(method, all, options.secret ?? emulator.credentials.accessKeySecret);
  if (options.omit?.includes("Signature")) delete all.Signature;
  const encoded = new URLSearchParams(all).toString();
  const response =
    method === "GET"
      ? await fetch(`${emulator.url}/?${encoded}`)
      : await fetch(`${emulator.url}/`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: encoded,
        });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** Polls `read` every few real milliseconds until `done` holds; fails after `timeoutMs`. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function admin(
  emulator: Pick<RunningEmulator, "url">,
  path: string,
  init?: RequestInit,
): Promise<Body> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, init);
  return { status: response.status, body: await response.json() };
}
