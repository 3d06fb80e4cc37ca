import type { Cutover } from "../plan/compiledPlan.ts";
import { decideCutover } from "../scheduler/cutoverDecision.ts";
import { decideWaveStart } from "../scheduler/waveDecision.ts";
import type { ForecastServer, ForecastSetup, ForecastWave } from "./forecastModel.ts";
import { expectedDurationMs, predictFinish } from "./jobEta.ts";
import { MinHeap } from "./minHeap.ts";
import { WindowCalendar } from "./windowCalendar.ts";

/**
 * One sampled run of a plan: every job's length drawn, then the waves played in order with the
 * daemon's rules — quota slots held from create to delete, the running cap, start order, windows,
 * notBefore, gates, incremental servers holding their slot until their cut-over.
 */

/** Fractions of a poll interval the daemon's own steps take (calls, wakes, the dispatcher's pass). */
const START_DELAY_POLLS = 0.1;
const DELETE_DELAY_POLLS = 0.1;
const WAVE_START_POLLS = 0.1;
/** An incremental job's final sync copies the changes: the emulator's share of the full bytes. */
const FINAL_SYNC_SHARE = 0.1;
/** No drawn job runs shorter than this share of its expected length. */
const SHORTEST_DRAW = 0.2;

export interface SimulatedJob {
  wave: number;
  server: ForecastServer;
  create: number;
  start: number;
  finish: number;
  cutover?: number;
  end: number;
}

export interface SimulatedRun {
  waveStarts: number[];
  waveFinishes: number[];
  finish: number;
}

/** What every sample shares: calendars of the windows and each server's expected length. */
export interface PreparedPlan {
  setup: ForecastSetup;
  windows: (WindowCalendar | undefined)[];
  cutoverWindows: (WindowCalendar | undefined)[];
  /** Per wave, per server, its expected run length (ms) at the forecast's throughput. */
  expected: number[][];
}

export function preparePlan(setup: ForecastSetup): PreparedPlan {
  const { bytesPerSecond, fixedMsPerJob } = setup.throughput;
  return {
    setup,
    windows: setup.waves.map((wave) => wave.window && new WindowCalendar(wave.window)),
    cutoverWindows: setup.waves.map(
      (wave) => wave.cutover?.window && new WindowCalendar(wave.cutover.window),
    ),
    expected: setup.waves.map((wave) =>
      wave.servers.map(
        (server) => fixedMsPerJob + expectedDurationMs(server.sizeBytes, bytesPerSecond),
      ),
    ),
  };
}

/** A standard normal draw (Box–Muller) from uniform draws. */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function simulateRun(
  prepared: PreparedPlan,
  random: () => number,
  record?: SimulatedJob[],
): SimulatedRun {
  const { setup } = prepared;
  const poll = setup.pollIntervalMs;
  const waveStarts: number[] = [];
  const waveFinishes: number[] = [];
  // The last wave's end: an ended wave's is its own, even if before now.
  let previousEnd = Number.NEGATIVE_INFINITY;
  setup.waves.forEach((wave, waveIndex) => {
    if (wave.finishedAt !== undefined) {
      waveStarts.push(wave.startedAt ?? wave.finishedAt);
      waveFinishes.push(wave.finishedAt);
      previousEnd = wave.finishedAt;
      return;
    }
    const start =
      wave.startedAt ?? waveStart(wave, Math.max(setup.now, previousEnd + WAVE_START_POLLS * poll));
    const finish = simulateWave(prepared, waveIndex, start, random, record);
    waveStarts.push(start);
    waveFinishes.push(finish);
    previousEnd = finish;
  });
  return {
    waveStarts,
    waveFinishes,
    finish: Number.isFinite(previousEnd) ? previousEnd : setup.now,
  };
}

/** Plays one wave from `start`; returns when its last server ends. */
function simulateWave(
  prepared: PreparedPlan,
  waveIndex: number,
  start: number,
  random: () => number,
  record: SimulatedJob[] | undefined,
): number {
  const { setup } = prepared;
  const wave = setup.waves[waveIndex] as ForecastWave;
  const expected = prepared.expected[waveIndex] as number[];
  const window = prepared.windows[waveIndex];
  const poll = setup.pollIntervalMs;
  const { spread } = setup.throughput;
  const now = setup.now;
  const slots = new MinHeap();
  const running = new MinHeap();
  const runningCap = setup.maxRunningJobs ?? Number.POSITIVE_INFINITY;
  const notice = () => random() * poll;
  const draw = (share: number) => Math.max(SHORTEST_DRAW, 1 + spread * share * gaussian(random));
  let waveEnd = Math.max(start, now);
  let lastAdmit = start;

  /** From a job's finish to its slot coming free: noticed, cut over if incremental, deleted. */
  const settle = (job: SimulatedJob, length: number, ready: number, cutover?: Cutover) => {
    if (job.server.incremental && cutover) {
      const at = cutoverAt(cutover, prepared.cutoverWindows[waveIndex], ready);
      const finalSync = cutover.syncData ? FINAL_SYNC_SHARE * length : 0;
      job.cutover = at;
      job.end = at + finalSync + notice() + DELETE_DELAY_POLLS * poll;
    } else {
      job.end = ready + DELETE_DELAY_POLLS * poll;
    }
    slots.push(job.end);
    waveEnd = Math.max(waveEnd, job.end);
    record?.push(job);
  };

  wave.servers.forEach((server, index) => {
    const length = (expected[index] as number) * draw(1);
    const job: SimulatedJob = { wave: waveIndex, server, create: 0, start: 0, finish: 0, end: 0 };
    const { phase } = server;
    switch (phase.kind) {
      case "running": {
        // The size-based prior at the rate that gives this job its expected length, fixed part included.
        const predicted = predictFinish(
          { startedAt: phase.startedAt, progress: phase.progress, sizeBytes: server.sizeBytes },
          now,
          (Math.max(1, server.sizeBytes) * 1000) / (expected[index] as number),
        );
        job.create = phase.startedAt;
        job.start = phase.startedAt;
        job.finish = now + (predicted - now) * draw(1 - phase.progress / 100);
        running.push(job.finish);
        settle(job, length, job.finish + notice(), wave.cutover);
        return;
      }
      case "syncing":
        job.create = job.start = job.finish = phase.since;
        settle(job, length, now, wave.cutover);
        return;
      case "cutting-over": {
        job.create = job.start = job.finish = job.cutover = phase.since;
        const synced = Math.max(now, phase.since + FINAL_SYNC_SHARE * length);
        job.end = synced + notice() + DELETE_DELAY_POLLS * poll;
        slots.push(job.end);
        waveEnd = Math.max(waveEnd, job.end);
        record?.push(job);
        return;
      }
      case "creating":
        job.create = phase.since;
        break;
      case "pending": {
        let at = lastAdmit;
        while (slots.size >= setup.capacity) at = Math.max(at, slots.pop());
        if (window) at = window.nextOpen(at);
        lastAdmit = at;
        job.create = at;
        break;
      }
    }
    let begin = Math.max(now, job.create + START_DELAY_POLLS * poll);
    while (running.size >= runningCap) begin = Math.max(begin, running.pop());
    job.start = begin;
    job.finish = begin + length;
    running.push(job.finish);
    settle(job, length, job.finish + notice(), wave.cutover);
  });
  return waveEnd;
}

/**
 * When a wave that may start at `from` starts, by the dispatcher's rule: its gate opens when the
 * forecast takes it as approved (`gateOpensAt`), its `notBefore` is waited for.
 */
function waveStart(wave: ForecastWave, from: number): number {
  let at = from;
  const approvedAt = wave.gateOpensAt;
  for (;;) {
    const approved = approvedAt === undefined || approvedAt <= at;
    const gate = approvedAt === undefined ? {} : { gate: "manual" as const };
    const decision = decideWaveStart(
      { ...gate, ...(wave.notBefore === undefined ? {} : { notBefore: wave.notBefore }) },
      { status: "pending", ...(approved ? { approvedAt: at } : {}) },
      at,
    );
    if (decision.kind === "start") return at;
    at = decision.kind === "wait-not-before" ? decision.until : (approvedAt ?? at);
  }
}

/**
 * When an incremental server that is in sync at `ready` is cut over, by the daemon's rule. A
 * window's openings come from the remembered calendar (the same `windowState` underneath); a manual
 * cut-over is taken to happen as soon as the server is ready (the forecast says so).
 */
function cutoverAt(cutover: Cutover, window: WindowCalendar | undefined, ready: number): number {
  if (cutover.mode === "window" && window) return window.nextOpen(ready);
  const decision = decideCutover({ cutover, now: ready, jobWaiting: true, paused: false });
  return decision.kind === "wait-window" ? decision.opensAt : ready;
}
