/** `smc-waves token new NAME [--role R]` and `smc-waves token hash`: API tokens for http.tokens. */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import {
  newToken,
  RESERVED_TOKEN_NAMES,
  ROLES,
  type Role,
  TOKEN_NAME,
  tokenHash,
} from "../platform/accessTokens.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves token new NAME [--role viewer|operator|admin] [--json]
       smc-waves token hash < token.txt

The daemon's config lists API tokens by name, role and hash, never the token itself:
  http:
    tokens:
      - { name: alice, role: operator, hash: <64 hex digits> }

  new NAME   makes a random token for NAME, prints it once and the line to add to http.tokens
  hash       reads a token from stdin (typed without echo on a terminal) and prints its hash

Roles: viewer reads; operator also submits and controls plans (pause, resume, cancel, retry,
release, approve, cut over); admin also may use the queue dashboard's write actions. The daemon
reads http.tokens when it starts: restart it after a change.

options:
  --role R    the new token's role  [viewer]
  --json      new: {name, role, token, hash} as JSON
  -h, --help  this help`;

const OPTIONS = {
  role: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("token", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [verb, ...rest] = positionals;
  if (verb === "hash") {
    if (rest.length > 0 || values.role !== undefined || values.json) {
      throw new UsageError(
        `token hash takes no arguments: it reads the token from stdin\n${usageLine("token", HELP)}`,
      );
    }
    console.log(tokenHash(checkedToken(await readToken())));
    return EXIT.ok;
  }
  if (verb === "new") {
    const [name] = rest;
    if (name === undefined || rest.length > 1) {
      throw new UsageError(`give exactly one name for the token\n${usageLine("token", HELP)}`);
    }
    return printNew(name, parseRole(values.role ?? "viewer"), values.json === true);
  }
  throw new UsageError(
    `${verb === undefined ? "say what to do" : `unknown action '${verb}'`}: new or hash\n${usageLine("token", HELP)}`,
  );
}

function parseRole(text: string): Role {
  const role = ROLES.find((candidate) => candidate === text);
  if (!role) {
    throw new UsageError(`--role must be one of ${ROLES.join(", ")}, got "${text}"`);
  }
  return role;
}

function printNew(name: string, role: Role, json: boolean): number {
  if (!TOKEN_NAME.test(name)) {
    throw new UsageError(
      `token name "${name}" must be letters, digits, ".", "_", "-" or "@", starting with a letter (at most 64)`,
    );
  }
  if (RESERVED_TOKEN_NAMES.includes(name.toLowerCase())) {
    throw new UsageError(
      `token name "${name}" is reserved (${RESERVED_TOKEN_NAMES.join(", ")}); choose another`,
    );
  }
  const token = newToken();
  const hash = tokenHash(token);
  if (json) {
    console.log(JSON.stringify({ name, role, token, hash }, null, 2));
    return EXIT.ok;
  }
  console.log(`Token for ${name} (${role}), shown once; the daemon keeps only its hash:
  ${token}

Add this line under http.tokens in the daemon's config, then restart the daemon:
  - { name: ${name}, role: ${role}, hash: ${hash} }`);
  return EXIT.ok;
}

/** A bearer token is one word: `Authorization: Bearer <token>` cannot carry a space. */
function checkedToken(token: string): string {
  if (token === "") throw new UsageError("no token on stdin: pipe or type one");
  if (/\s/.test(token)) {
    throw new UsageError(
      "the token holds a space or a line break: a bearer token is one word (smc-waves token new makes one)",
    );
  }
  return token;
}

/** The token from stdin: typed without echo on a terminal, else the piped text less its last line break. */
async function readToken(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write("token (not shown): ");
    const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
    const lines = createInterface({ input: process.stdin, output: muted, terminal: true });
    const line = await new Promise<string>((resolve) => lines.once("line", resolve));
    lines.close();
    process.stderr.write("\n");
    return line;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}
