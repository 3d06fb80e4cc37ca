import { type ParseArgsConfig, parseArgs } from "node:util";
import { closestName } from "../plan/closestName.ts";
import { EXIT } from "./exitCodes.ts";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** A command line the command cannot run: the message is one line for the person who typed it. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = EXIT.invalid;
}

/**
 * `parseArgs` with messages for people: an unknown or misused option becomes one line naming it
 * (with the nearest known option, if one is close), followed by the command's usage line; never
 * Node's wording about positionals and `--`.
 */
export function parseCommandArgs<const O extends OptionsConfig>(
  command: string,
  help: string,
  args: string[],
  options: O,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${describeParseError(error, options)}\n${usageLine(command, help)}`);
  }
}

/** The first line of a command's help: `usage: smc-waves status [PLAN_ID] …`. */
export function usageLine(command: string, help: string): string {
  const first = help.split("\n", 1)[0] ?? "";
  return first.startsWith("usage:")
    ? `${first} (smc-waves ${command} --help for more)`
    : `see smc-waves ${command} --help`;
}

function describeParseError(error: unknown, options: OptionsConfig): string {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'(-[^' ,<]+)/.exec(message ?? "")?.[1];
  const flags = Object.keys(options).map((name) => `--${name}`);
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const near = flag?.startsWith("--") ? closestName(flag, flags) : undefined;
      return `unknown option ${flag ?? "(unreadable)"}${near ? `; did you mean ${near}?` : ""}`;
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const name = /'(?:-\w, )?(--[\w-]+)/.exec(message ?? "")?.[1] ?? flag ?? "an option";
      const takesValue = options[name.replace(/^--/, "")]?.type === "string";
      return takesValue ? `${name} needs a value` : `${name} takes no value`;
    }
    default:
      return message ?? String(error);
  }
}
