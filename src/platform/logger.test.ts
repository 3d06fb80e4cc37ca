import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MigrationEvents } from "./events.ts";
import { createLogger, logMigrationEvents } from "./logger.ts";

/** A destination that keeps every line written to it. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return {
    stream,
    lines,
    json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const SECRETS = [
  "SEKRIT-access-key-secret",
  "SEKRIT-sts-token",
  "SEKRIT-sig=",
  "SEKRIT-bearer",
  "SEKRIT-pw",
];

describe("createLogger", () => {
  it("logs an error's stack trace only at debug or trace", () => {
    const logged = (level: "info" | "debug") => {
      const out = capture();
      createLogger({ destination: out.stream, pretty: false, level }).warn(
        { err: new Error("connect ECONNREFUSED") },
        "failed",
      );
      return out.json()[0]?.err as Record<string, unknown>;
    };
    expect(logged("info")).toEqual({ type: "Error", message: "connect ECONNREFUSED" });
    expect(logged("debug").stack).toMatch(/^Error: connect ECONNREFUSED\n\s+at /);
  });

  it("writes JSON lines with secret keys redacted at any depth", () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, pretty: false, level: "debug" });
    logger.info(
      {
        accessKeySecret: SECRETS[0],
        credentials: { AccessKeySecret: SECRETS[0], securityToken: SECRETS[1] },
        call: { params: { Signature: SECRETS[2], Action: "DescribeRegions" } },
        req: { headers: { authorization: `Bearer ${SECRETS[3]}`, host: "x" } },
        redis: { password: SECRETS[4] },
        token: SECRETS[3],
      },
      "calling",
    );
    const text = out.lines.join("\n");
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const [line] = out.json();
    expect(line).toMatchObject({
      msg: "calling",
      level: 30,
      name: "smc-waves",
      accessKeySecret: "[redacted]",
      credentials: { AccessKeySecret: "[redacted]", securityToken: "[redacted]" },
      call: { params: { Signature: "[redacted]", Action: "DescribeRegions" } },
      req: { headers: { authorization: "[redacted]", host: "x" } },
      redis: { password: "[redacted]" },
    });
  });

  it("redacts in pretty output too", () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, pretty: true });
    logger.info({ params: { SecurityToken: SECRETS[1] } }, "pretty line");
    const text = out.lines.join("\n");
    expect(text).toContain("pretty line");
    expect(text).toContain("[redacted]");
    expect(text).not.toContain(SECRETS[1]);
    expect(() => JSON.parse(out.lines[0] ?? "")).toThrow();
  });

  it("chooses pretty for a TTY and JSON otherwise when pretty is auto", () => {
    const tty = capture();
    createLogger({ destination: tty.stream, pretty: "auto", isTTY: true }).info("hello");
    expect(() => JSON.parse(tty.lines[0] ?? "")).toThrow();
    const pipe = capture();
    createLogger({ destination: pipe.stream, pretty: "auto", isTTY: false }).info("hello");
    expect(JSON.parse(pipe.lines[0] ?? "")).toMatchObject({ msg: "hello" });
  });
});

describe("logMigrationEvents", () => {
  it("writes one line per state change with plan/wave/server/job fields", () => {
    const out = capture();
    const events = new MigrationEvents();
    const off = logMigrationEvents(
      events,
      createLogger({ destination: out.stream, pretty: false }),
    );
    events.emit("plan:submitted", { planId: "p1", servers: 2 });
    events.emit("wave:status", { planId: "p1", wave: "w1", status: "running", generation: 0 });
    events.emit("server:status", {
      planId: "p1",
      wave: "w1",
      key: "s-1",
      sourceId: "s-1",
      status: "running",
      jobId: "j-1",
      generation: 0,
    });
    events.emit("job:restarted", {
      planId: "p1",
      key: "s-1",
      jobId: "j-1",
      errorCode: "InternalError",
    });
    events.emit("server:status", {
      planId: "p1",
      wave: "w1",
      key: "s-2",
      status: "failed",
      reason: "SourceServerState.Invalid",
      generation: 0,
    });
    events.emit("poll:completed", { account: "default", jobs: 2, calls: 1, lagMs: 5 }); // debug: not shown
    off();
    events.emit("plan:status", {
      planId: "p1",
      status: "succeeded",
      previous: "running",
      generation: 0,
    }); // unsubscribed: not shown

    expect(out.json().map(({ time: _t, pid: _p, hostname: _h, ...rest }) => rest)).toEqual([
      {
        level: 30,
        name: "smc-waves",
        event: "plan:submitted",
        plan: "p1",
        servers: 2,
        msg: "plan submitted",
      },
      {
        level: 30,
        name: "smc-waves",
        event: "wave:status",
        plan: "p1",
        wave: "w1",
        status: "running",
        msg: "wave w1 running",
      },
      {
        level: 30,
        name: "smc-waves",
        event: "server:status",
        plan: "p1",
        wave: "w1",
        server: "s-1",
        sourceId: "s-1",
        job: "j-1",
        status: "running",
        msg: "server s-1 running",
      },
      {
        level: 40,
        name: "smc-waves",
        event: "job:restarted",
        plan: "p1",
        server: "s-1",
        job: "j-1",
        errorCode: "InternalError",
        msg: "replication job restarted after InternalError",
      },
      {
        level: 40,
        name: "smc-waves",
        event: "server:status",
        plan: "p1",
        wave: "w1",
        server: "s-2",
        status: "failed",
        reason: "SourceServerState.Invalid",
        msg: "server s-2 failed",
      },
    ]);
  });
});
