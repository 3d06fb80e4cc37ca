/**
 * Every Redis key smc-waves writes outside BullMQ. All sit under the one hash-tagged prefix
 * (default `{smc-waves}`), so on Redis Cluster they share a slot with the queues and the Lua
 * scripts can touch them together. `sw:` keeps them apart from BullMQ's `<prefix>:<queue>:*` keys.
 * Only the store (this folder) reads or writes them.
 */
export function redisKeys(prefix: string) {
  const root = `${prefix}:sw`;
  return {
    /** SET of plan ids. */
    plans: `${root}:plans`,
    /** HASH: the plan's spec, status and bookkeeping. */
    plan: (planId: string) => `${root}:plan:${planId}`,
    /** LIST of JSON history entries of the plan (operator actions, status changes), newest last. */
    planHistory: (planId: string) => `${root}:plan:${planId}:history`,
    /** HASH: one wave's status and times. */
    wave: (planId: string, wave: number) => `${root}:plan:${planId}:wave:${wave}`,
    /** HASH server status → number of the wave's servers in it; kept by every status change. */
    waveCounts: (planId: string, wave: number) => `${root}:plan:${planId}:wave:${wave}:counts`,
    /** ZSET of the wave's pending servers (by index), scored by start order: admission's queue. */
    wavePending: (planId: string, wave: number) => `${root}:plan:${planId}:wave:${wave}:pending`,
    /** HASH server index → status, of the wave's servers in flight (creating, running, stopping). */
    waveInFlight: (planId: string, wave: number) => `${root}:plan:${planId}:wave:${wave}:in-flight`,
    /** HASH: one server's status, job and progress; servers are numbered in plan order. */
    server: (planId: string, index: number) => `${root}:plan:${planId}:srv:${index}`,
    /** LIST of JSON history entries, newest last, trimmed. */
    history: (planId: string, index: number) => `${root}:plan:${planId}:srv:${index}:history`,
    /** ZSET of quota slots: reservations scored by lease expiry, jobs by CONFIRMED_SLOT. */
    slots: (account: string) => `${root}:acct:${account}:slots`,
    /** HASH slot member → epoch ms it was confirmed, so a reconcile never drops a newer job. */
    slotTimes: (account: string) => `${root}:acct:${account}:slot-times`,
    /** ZSET of job ids the account runs now (ours and others'), for the running figure and cap. */
    running: (account: string) => `${root}:acct:${account}:running`,
    /**
     * STRING: who holds the source's one unfinished job: `planId|index` (a server of ours),
     * `k|planId|index|jobId` (a job an ended plan left), or `x|jobId` (someone else's job).
     */
    sourceLock: (account: string, sourceId: string) => `${root}:acct:${account}:src:${sourceId}`,
    /** SET of source ids locked for jobs ended plans left in the account (`k|…` holders). */
    keptLocks: (account: string) => `${root}:acct:${account}:kept-locks`,
    /** SET of source ids locked for jobs someone else created. */
    externalLocks: (account: string) => `${root}:acct:${account}:ext-locks`,
    /** LIST of JSON { bytes, ms } of the account's finished jobs, newest first, trimmed: the learned throughput. */
    jobRates: (account: string) => `${root}:acct:${account}:job-rates`,
    /** HASH plan id → JSON { wants, at }: each plan's latest claim on the quota, for fair shares. */
    demand: (account: string) => `${root}:acct:${account}:demand`,
    /**
     * ZSET tracked job id → real epoch ms the poller next asks about it: soon after a start or a
     * change, near its predicted finish, and at least once per sweep interval. Kept beside `tracked`.
     */
    pollDue: (account: string) => `${root}:acct:${account}:poll-due`,
    /**
     * SET of `queue|jobId`: step jobs woken since they last started. A step clears its own as it
     * starts; the poller's tick promotes those still asked for once they have parked.
     */
    wakeRequests: `${root}:wake-requests`,
    /**
     * HASH job id → who watches it: `planId|index` for a server's own job, `x|sourceId` for someone
     * else's job that holds a source a server waits for (polled so the wait ends within a poll).
     */
    tracked: (account: string) => `${root}:acct:${account}:tracked`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
