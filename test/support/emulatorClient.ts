/**
 * Our SmcClient wired to an in-process SMC emulator, for the client conformance suites: start one
 * per test, close them all after each, and the small assertions those suites share.
 */
import { expect } from "vitest";
import {
  type EmulatorOptions,
  type RunningEmulator,
  type SourceSpec,
  startEmulator,
} from "../../src/emulator/startEmulator.ts";
import { SmcClient } from "../../src/smc/client.ts";
import { classify, type ErrorClass, SmcError } from "../../src/smc/errors.ts";
import type { ReplicationJob } from "../../src/smc/types.ts";

const MINUTE = 60_000;

/** `s-` + 20 lowercase alphanumerics, as the service spells source ids. */
export const sourceId = (n: number) => `s-${String(n).padStart(20, "0")}`;

/** A 20 GiB source without data disks: its jobs run through in about half an emulated hour. */
export const small = (n: number, extra: Partial<SourceSpec> = {}): SourceSpec => ({
  sourceId: sourceId(n),
  name: `web-${n}`,
  systemDiskGiB: 20,
  dataDiskGiB: [],
  ...extra,
});

/** Emulators and clients started by one test file; `closeAll` in its afterEach. */
export class EmulatorClients {
  readonly #running: Array<{ emulator: RunningEmulator; client: SmcClient }> = [];

  /** An emulator (sources 1–3 unless `options` says otherwise) and a client signed for it. */
  async setup(options: EmulatorOptions = {}, method: "GET" | "POST" = "POST") {
    const emulator = await startEmulator({
      sourceList: [small(1), small(2), small(3)],
      ...options,
    });
    const client = new SmcClient({
      endpoint: emulator.url,
      method,
      regionId: "cn-hangzhou",
      credentials: emulator.credentials,
    });
    this.#running.push({ emulator, client });
    return { emulator, smc: client };
  }

  async closeAll(): Promise<void> {
    for (const { emulator, client } of this.#running.splice(0)) {
      client.close();
      await emulator.close();
    }
  }
}

/** The rejection of `call`, which must be an SmcError of class `expected` (and code, when given). */
export async function rejection(
  call: Promise<unknown>,
  expected: ErrorClass,
  code?: string,
): Promise<SmcError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SmcError);
  const smcError = error as SmcError;
  if (code !== undefined) expect(smcError.code).toBe(code);
  expect(classify(smcError)).toBe(expected);
  expect(smcError.requestId).not.toBe("");
  return smcError;
}

export async function job(smc: SmcClient, jobId: string): Promise<ReplicationJob> {
  const page = await smc.describeReplicationJobs({ jobIds: [jobId] });
  const found = page.items[0];
  if (!found) throw new Error(`job ${jobId} not found`);
  return found;
}

/** Moves emulated time a minute at a time until the job satisfies `done` (at most 3 emulated days). */
export async function advanceUntil(
  emulator: RunningEmulator,
  smc: SmcClient,
  jobId: string,
  done: (job: ReplicationJob) => boolean,
): Promise<ReplicationJob> {
  for (let minute = 0; minute < 3 * 24 * 60; minute++) {
    const current = await job(smc, jobId);
    if (done(current)) return current;
    emulator.advanceClock(MINUTE);
  }
  throw new Error(`job ${jobId} never reached the expected state`);
}

export const create = (
  smc: SmcClient,
  n: number,
  extra: { name?: string; clientToken?: string } = {},
) => smc.createReplicationJob({ sourceId: sourceId(n), systemDiskSize: 40, ...extra });
