/**
 * Source servers: seeded realistic ones (`--sources N`) and explicit ones (a scenario file, the
 * admin route). The same seed and count always give the same ids, names, platforms and disks.
 */
import type { SourceDisk, SourcePart, SourceRecord } from "./records.ts";
import { derivedSeed, type SeededRandom, seededRandom } from "./seededRandom.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const DAY = 86_400_000;

/** A source as a scenario file or the admin route describes it; omitted fields get realistic values. */
export interface SourceSpec {
  /** `s-` + 20 lowercase alphanumerics; drawn when omitted. */
  sourceId?: string;
  name: string;
  description?: string;
  /** @default "Available" */
  state?: "Available" | "Unavailable" | "Deleting";
  /** @default "SourceServer.Offline" when Unavailable, "" otherwise */
  errorCode?: string;
  /** e.g. "CentOS", "Ubuntu", "Windows Server 2019". @default drawn */
  platform?: string;
  /** @default "x86_64" */
  architecture?: string;
  /** System disk size in GiB (20–500), split into 1–3 partitions. @default drawn */
  systemDiskGiB?: number;
  /** Data disk sizes in GiB, one entry per disk (at most 16). @default drawn (0–3 disks) */
  dataDiskGiB?: number[];
}

const PLATFORMS = [
  "CentOS",
  "CentOS",
  "Ubuntu",
  "Ubuntu",
  "Red Hat",
  "Debian",
  "SUSE",
  "Windows Server 2016",
  "Windows Server 2019",
] as const;

const ROLES = [
  "web",
  "app",
  "db",
  "cache",
  "mq",
  "api",
  "batch",
  "file",
  "mail",
  "auth",
  "log",
  "ci",
] as const;

function isWindows(platform: string): boolean {
  return platform.startsWith("Windows");
}

/** Splits a disk into partitions whose sizes sum to the disk less a 1 MiB partition table. */
function splitDisk(
  diskIndex: number,
  sizeGiB: number,
  paths: readonly string[],
  random: SeededRandom,
): SourcePart[] {
  const total = sizeGiB * GIB - MIB;
  const parts: SourcePart[] = [];
  let left = total;
  paths.forEach((path, i) => {
    const last = i === paths.length - 1;
    // Boot and recovery partitions are small; the others share the rest.
    const small = /boot|Reserved|Recovery/.test(path);
    const size = last
      ? left
      : small
        ? 512 * MIB * random.int(1, 2)
        : Math.floor(left * (0.4 + random.next() * 0.3));
    parts.push({
      path,
      device: `${diskIndex}_${i}`,
      sizeBytes: size,
      canBlock: true,
      need: diskIndex === 0,
    });
    left -= size;
  });
  return parts;
}

function systemPaths(platform: string, count: number): string[] {
  if (isWindows(platform)) return ["System Reserved", "C:\\", "Recovery"].slice(3 - count);
  return [["/"], ["/boot", "/"], ["/boot", "/", "/var"]][count - 1] ?? ["/"];
}

function dataPath(platform: string, index: number): string {
  return isWindows(platform) ? `${String.fromCharCode(67 + index)}:\\` : `/data${index}`;
}

/** Builds a source record from a spec; `random` fills what the spec leaves out. */
export function sourceFromSpec(spec: SourceSpec, random: SeededRandom, now: number): SourceRecord {
  const platform = spec.platform ?? random.pick(PLATFORMS);
  const systemDiskGiB = spec.systemDiskGiB ?? random.int(20, 500);
  const partitionCount = systemDiskGiB < 40 ? 1 : random.int(1, 3);
  const dataDiskGiB =
    spec.dataDiskGiB ?? Array.from({ length: random.int(0, 3) }, () => random.int(20, 2048));
  const dataDisks: SourceDisk[] = dataDiskGiB.map((size, i) => {
    const index = i + 1;
    const path = dataPath(platform, index);
    return { index, path, size, parts: splitDisk(index, size, [path], random) };
  });
  const state = spec.state ?? "Available";
  const cores = random.pick([2, 4, 8, 16, 32]);
  const ipv4 = `10.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
  return {
    sourceId: spec.sourceId ?? `s-${random.chars(20)}`,
    name: spec.name,
    description:
      spec.description ??
      `Server Source Imported By GotoAliyun. Hostname: ${spec.name} IP Address: ${ipv4}`,
    baseState: state,
    errorCode: spec.errorCode ?? (state === "Unavailable" ? "SourceServer.Offline" : ""),
    statusInfo:
      state === "Unavailable"
        ? JSON.stringify({
            error_code: "S4",
            error_msg: "The SMC client has not reported a heartbeat.",
          })
        : "",
    agentVersion: "2.5.3",
    architecture: spec.architecture ?? "x86_64",
    platform,
    kernelLevel: 1,
    replicationDriver: "SMT",
    heartbeatRate: 30,
    creationTime: now - random.int(1, 30) * DAY,
    jobId: "",
    systemDiskSize: systemDiskGiB,
    systemDiskParts: splitDisk(0, systemDiskGiB, systemPaths(platform, partitionCount), random),
    dataDisks,
    systemInfo: JSON.stringify({
      agent_mode: "daemon",
      agent_type: "aliyun",
      hostname: spec.name,
      ipv4,
      cores: String(cores),
      memory: (cores * 4).toFixed(2),
      cpu_usage: (random.next() * 60).toFixed(2),
      memory_usage: (random.next() * cores * 3).toFixed(2),
    }),
  };
}

/**
 * `count` realistic sources, the same for the same seed: names like `web-01`, `db-07`, `app-113`
 * (unique), mixed platforms, a 20–500 GiB system disk in 1–3 partitions, 0–3 data disks.
 */
export function generateSources(count: number, seed: number, now: number): SourceRecord[] {
  const random = seededRandom(derivedSeed(seed, "sources"));
  const perRole = new Map<string, number>();
  const sources: SourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const role = random.pick(ROLES);
    const number = (perRole.get(role) ?? 0) + random.int(1, 3);
    perRole.set(role, number);
    sources.push(
      sourceFromSpec({ name: `${role}-${String(number).padStart(2, "0")}` }, random, now),
    );
  }
  return sources;
}

/** Bytes of a source's partitions: the whole system disk and the data disks at `dataDiskIndexes`. */
export function bytesToCopy(source: SourceRecord, dataDiskIndexes: readonly number[]): number {
  const sum = (parts: readonly SourcePart[]) =>
    parts.reduce((total, part) => total + part.sizeBytes, 0);
  const chosen = source.dataDisks.filter((disk) => dataDiskIndexes.includes(disk.index));
  return sum(source.systemDiskParts) + chosen.reduce((total, disk) => total + sum(disk.parts), 0);
}
