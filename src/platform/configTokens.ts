import { ENV_TOKEN_NAME, RESERVED_TOKEN_NAMES, tokenHash } from "./accessTokens.ts";

/** A config problem at a path, as `loadConfig` places it (file:line:col). */
interface TokenProblem {
  path: PropertyKey[];
  message: string;
}

/**
 * What the schema cannot see in `http.tokens`: two entries with one name (whose action would the
 * history show?) or one hash (which name is the token's?), a name histories already use, and the
 * name `SMC_WAVES_API_TOKEN` acts under taken by an entry while that variable is set.
 */
export function tokenProblems(
  tokens: ReadonlyArray<{ name: string; hash: string }>,
  envToken: string | undefined,
): TokenProblem[] {
  const problems: TokenProblem[] = [];
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  const envHash = envToken === undefined ? undefined : tokenHash(envToken);
  tokens.forEach((entry, index) => {
    const at = (key: string) => ["http", "tokens", index, key];
    const name = entry.name.toLowerCase();
    const sameName = names.get(name);
    if (sameName !== undefined) {
      problems.push({
        path: at("name"),
        message: `token name ${JSON.stringify(entry.name)} is also the name of http.tokens[${sameName}]; give each token its own name, as histories and logs show it`,
      });
    } else names.set(name, index);
    if (RESERVED_TOKEN_NAMES.includes(name)) {
      problems.push({
        path: at("name"),
        message: `token name ${JSON.stringify(entry.name)} is reserved (${RESERVED_TOKEN_NAMES.join(", ")} already mean something in a plan's history); choose another`,
      });
    }
    if (envToken !== undefined && name === ENV_TOKEN_NAME) {
      problems.push({
        path: at("name"),
        message: `token name "${ENV_TOKEN_NAME}" is the name SMC_WAVES_API_TOKEN acts under, and that variable is set; choose another name, or unset the variable`,
      });
    }
    const hash = entry.hash.toLowerCase();
    const sameHash = hashes.get(hash);
    if (sameHash !== undefined) {
      problems.push({
        path: at("hash"),
        message: `the same token as http.tokens[${sameHash}] (equal hashes): one token, one name; give each person or system its own token (smc-waves token new)`,
      });
    } else hashes.set(hash, index);
    if (hash === envHash) {
      problems.push({
        path: at("hash"),
        message:
          "the same token as SMC_WAVES_API_TOKEN: one token, one name; give this entry its own token (smc-waves token new)",
      });
    }
  });
  return problems;
}
