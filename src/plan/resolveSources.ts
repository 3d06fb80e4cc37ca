import type { PagedCallOptions, SmcClient } from "../smc/client.ts";
import type { SourceServer } from "../smc/types.ts";
import { closestName } from "./closestName.ts";
import type { CompiledPlan, CompiledServer, ServerRef } from "./compiledPlan.ts";
import { quoteName } from "./planProblem.ts";

/** A problem with one server of a compiled plan, found against the service. */
export interface ServerProblem {
  /** The server's `key` in the compiled plan. */
  key: string;
  /** `waves[0].servers[3]`. */
  path: string;
  /** Where the server is listed in the plan file, when the plan was compiled from one. */
  at?: { line: number; col: number };
  message: string;
}

export interface SourceResolution {
  /** Server key → its source, for every server that matched exactly one source. */
  sources: Map<string, SourceServer>;
  /** Servers that matched none or several sources, or a source another server already has. */
  problems: ServerProblem[];
}

/** Visits every server with its place in the plan. */
export function eachServer(
  plan: CompiledPlan,
  visit: (server: CompiledServer, path: string) => void,
): void {
  plan.waves.forEach((wave, waveIndex) => {
    wave.servers.forEach((server, serverIndex) => {
      visit(server, `waves[${waveIndex}].servers[${serverIndex}]`);
    });
  });
}

/**
 * Maps every server's `sourceId` or `name` to exactly one source of the account. Lists the account's
 * sources once (50 per call) when the plan names servers; otherwise asks only for its ids.
 */
export async function resolveSources(
  plan: CompiledPlan,
  client: Pick<SmcClient, "describeAllSourceServers">,
  options?: PagedCallOptions,
): Promise<SourceResolution> {
  const ids: string[] = [];
  let byName = false;
  eachServer(plan, (server) => {
    if (server.ref.sourceId !== undefined) ids.push(server.ref.sourceId);
    else byName = true;
  });
  const listed = byName
    ? await client.describeAllSourceServers({}, options)
    : ids.length > 0
      ? await client.describeAllSourceServers({ sourceIds: ids }, options)
      : [];
  return matchSources(plan, listed);
}

/** The pure half of `resolveSources`: matches servers against a list of the account's sources. */
function matchSources(plan: CompiledPlan, listed: readonly SourceServer[]): SourceResolution {
  const byId = new Map(listed.map((source) => [source.sourceId, source]));
  const byName = new Map<string, SourceServer[]>();
  for (const source of listed)
    byName.set(source.name, [...(byName.get(source.name) ?? []), source]);

  const sources = new Map<string, SourceServer>();
  const claimedBy = new Map<string, { path: string; at?: { line: number } }>();
  const problems: ServerProblem[] = [];
  eachServer(plan, (server, path) => {
    const problem = (message: string) =>
      problems.push({ key: server.key, path, ...(server.at ? { at: server.at } : {}), message });
    const { sourceId, name }: ServerRef = server.ref;
    let source: SourceServer | undefined;
    if (sourceId !== undefined) {
      source = byId.get(sourceId);
      if (source === undefined) problem(`No source server has id ${quoteName(sourceId)}`);
    } else {
      const matches = byName.get(name ?? "") ?? [];
      source = matches.length === 1 ? matches[0] : undefined;
      if (matches.length === 0) {
        const near = closestName(name ?? "", byName.keys());
        const hint = near === undefined ? "" : `; did you mean \`${near}\`?`;
        problem(`No source server is named ${quoteName(name ?? "")}${hint}`);
      } else if (matches.length > 1) {
        const list = matches.map((match) => match.sourceId).join(", ");
        problem(
          `${matches.length} source servers are named ${quoteName(name ?? "")} (${list}); list the one you mean by \`sourceId\``,
        );
      }
    }
    if (source === undefined) return;
    const other = claimedBy.get(source.sourceId);
    if (other !== undefined) {
      const where = other.at === undefined ? other.path : `line ${other.at.line}`;
      problem(
        `Source ${source.sourceId} (${quoteName(source.name)}) is already listed at ${where}; a source can have only one unfinished job, so a second entry is certain to fail`,
      );
      return;
    }
    claimedBy.set(source.sourceId, { path, ...(server.at ? { at: server.at } : {}) });
    sources.set(server.key, source);
  });
  return { sources, problems };
}
