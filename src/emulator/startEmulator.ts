/**
 * Starts an SMC emulator: a real node:http server speaking SMC 2019-06-01 (signed RPC over GET and
 * POST, JSON and XML) on top of one store, one emulated clock, seeded randomness and injectable
 * faults. Used by the CLI (`smc-waves emulator`) and in-process by tests (port 0).
 * The emulator's model choices are documented in ./MODEL.md.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, scaledClock, systemClock } from "../platform/clock.ts";
import { ADMIN_PREFIX, handleAdmin } from "./adminRoutes.ts";
import { handleApi } from "./apiHandler.ts";
import { EmulatorCore } from "./emulatorCore.ts";
import { EmulatorStore, type JobTimelineEntry } from "./emulatorStore.ts";
import { DEFAULT_FAULTS, FaultInjector, type FaultSettings, mergeFaults } from "./faultInjector.ts";
import type { EmulatorCredential } from "./requestAuthenticator.ts";
import { derivedSeed, seededRandom } from "./seededRandom.ts";
import { generateSources, type SourceSpec, sourceFromSpec } from "./sourceCatalogue.ts";
import type { EmulatorStats } from "./statsRecorder.ts";

// Types callers of this module need (others: emulatorStore.ts, faultInjector.ts, requestAuthenticator.ts).
export type { SourceSpec } from "./sourceCatalogue.ts";
export type { EmulatorStats } from "./statsRecorder.ts";

export interface EmulatorOptions {
  /** Interface to bind. Admin routes are unsigned, so keep it on loopback. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one (tests). @default 0 (the CLI's default is 8787) */
  port?: number;
  /** How many realistic sources to generate from `seed`. @default 0 */
  sources?: number;
  /** Explicit sources (a scenario), added before the generated ones. @default [] */
  sourceList?: SourceSpec[];
  /** Jobs that may exist at once; past it CreateReplicationJob answers QuotaExceeded.ReplicationJob. @default 100 */
  quota?: number;
  /** Jobs that may be Running at once; undefined means no cap. @default undefined */
  maxRunningJobs?: number;
  /** Emulated seconds per real second: 3600 runs an hour-long job in one second. @default 1 */
  timeScale?: number;
  /** Seeds sources, ids, jitter, faults and RequestIds. @default 1 */
  seed?: number;
  /** @default "emulator-id" */
  accessKeyId?: string;
  /** @default "emulator-secret" */
  accessKeySecret?: string;
  /** More accepted keys, e.g. an STS key (`STS.` id with a `securityToken`). @default [] */
  extraCredentials?: EmulatorCredential[];
  /** Faults from the start; change them later with `setFaults` or PUT /_emulator/faults. @default none */
  faults?: Partial<FaultSettings>;
  /**
   * Copy speed of the Syncing phase in bytes per emulated second. The default (25 MiB/s) takes a
   * 100 GiB server through a whole run in about 1.5–2 emulated hours. @default 26214400
   */
  bandwidthBytesPerSecond?: number;
  /** The emulated clock; overrides `timeScale` (tests that need exact control of time). */
  clock?: Clock;
  /** Real time, for Timestamp checks and latency. @default systemClock */
  realClock?: Clock;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:41234`: the endpoint for SMC clients. */
  url: string;
  close(): Promise<void>;
  stats(): EmulatorStats;
  timeline(): JobTimelineEntry[];
  faults(): FaultSettings;
  /** Partial update; throws a RangeError listing bad values. */
  setFaults(faults: Partial<FaultSettings>): void;
  /** The emulated clock (with any admin offset). */
  clock: Clock;
  /** Moves emulated time forward by `ms`. */
  advanceClock(ms: number): void;
  reset(): void;
  credentials: { accessKeyId: string; accessKeySecret: string };
}

const DEFAULT_BANDWIDTH_BYTES_PER_SECOND = 25 * 1024 * 1024;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = options.seed ?? 1;
  const realClock = options.realClock ?? systemClock;
  const baseClock =
    options.clock ?? scaledClock(options.timeScale ?? 1, realClock.now(), realClock);
  const faults = mergeFaults(DEFAULT_FAULTS, options.faults ?? {});
  if (!faults.ok) throw new RangeError(`invalid faults: ${faults.problems.join("; ")}`);
  const quota = options.quota ?? 100;
  if (!Number.isInteger(quota) || quota < 0)
    throw new RangeError(`quota must be a whole number ≥ 0, got ${quota}`);
  const bandwidth = options.bandwidthBytesPerSecond ?? DEFAULT_BANDWIDTH_BYTES_PER_SECOND;
  if (!(bandwidth > 0))
    throw new RangeError(`bandwidthBytesPerSecond must be above 0, got ${bandwidth}`);

  const now = baseClock.now();
  const scenarioRandom = seededRandom(derivedSeed(seed, "scenario"));
  const initialSources = [
    ...(options.sourceList ?? []).map((spec) => sourceFromSpec(spec, scenarioRandom, now)),
    ...generateSources(options.sources ?? 0, seed, now),
  ];
  const credentials: EmulatorCredential = {
    accessKeyId: options.accessKeyId ?? "emulator-id",
    accessKeySecret: options.accessKeySecret ?? "emulator-secret",
  };
  const store = new EmulatorStore({
    quota,
    maxRunningJobs: options.maxRunningJobs,
    simulation: {
      seed,
      bandwidthBytesPerSecond: bandwidth,
      jobErrorRate: faults.faults.jobErrorRate,
    },
  });
  const core = new EmulatorCore({
    store,
    faults: new FaultInjector(seed, faults.faults),
    baseClock,
    realClock,
    credentials: [credentials, ...(options.extraCredentials ?? [])],
    initialSources,
    seed,
  });

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://emulator.invalid");
    const handled = url.pathname.startsWith(ADMIN_PREFIX)
      ? handleAdmin(core, request, response, url)
      : handleApi(core, request, response, url);
    handled.catch((error: unknown) => {
      console.error("SMC emulator: could not answer a request:", error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const address = await listen(server, options.host ?? "127.0.0.1", options.port ?? 0);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    close: () => closeServer(server),
    stats: () => {
      core.now();
      return store.stats.snapshot();
    },
    timeline: () => store.timeline(core.now()),
    faults: () => core.faults.faults,
    setFaults: (update) => {
      const problems = core.setFaults(update);
      if (problems.length > 0) throw new RangeError(`invalid faults: ${problems.join("; ")}`);
    },
    clock: core.clock,
    advanceClock: (ms) => {
      core.advanceClock(ms);
    },
    reset: () => core.reset(),
    credentials: {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive clients (pop-core keeps its sockets) would hold close() open until they time out.
    server.closeAllConnections();
  });
}
