/**
 * Typed reads of the request's flat parameters (`Name`, `Name.N`, `Name.N.Sub.M`). Every failure is
 * an `ApiError` naming the parameter as the caller spelled it, quoting the value and saying what
 * would be valid. Unknown parameters are ignored, as the service's gateway does.
 */
import { ApiError, invalidParameter, missingActionParameter } from "./errorCatalogue.ts";

const INTEGER = /^-?\d+$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/** Parses the service's `yyyy-MM-ddTHH:mm:ssZ`; null when malformed or not a real date. */
export function parseWireTime(text: string): number | null {
  const match = ISO_TIME.exec(text);
  if (!match) return null;
  const ms = Date.parse(text);
  // Date.parse accepts 2024-02-30 by rolling over; reject it by round-tripping the date part.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.slice(0, 10))
    return null;
  return ms;
}

export class ParamReader {
  readonly #params: ReadonlyMap<string, string>;
  /** Prepended to names in errors, e.g. `DataDisk.2.` for a nested reader. */
  readonly #label: string;

  constructor(params: ReadonlyMap<string, string>, label = "") {
    this.#params = params;
    this.#label = label;
  }

  keys(): string[] {
    return [...this.#params.keys()];
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  string(name: string, options: { maxLength?: number } = {}): string | undefined {
    const value = this.#params.get(name);
    if (value === undefined) return undefined;
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      throw invalidParameter(this.#label + name, value, `at most ${options.maxLength} characters`);
    }
    return value;
  }

  /** A required parameter: absent or empty is `MissingParameter.<Name>`. */
  required(name: string, options: { maxLength?: number } = {}): string {
    const value = this.string(name, options);
    if (value === undefined || value === "") throw missingActionParameter(this.#label + name);
    return value;
  }

  int(name: string, range: { min: number; max?: number }): number | undefined {
    const value = this.#params.get(name);
    if (value === undefined) return undefined;
    const expected =
      range.max === undefined
        ? `an integer of at least ${range.min}`
        : `an integer from ${range.min} to ${range.max}`;
    if (!INTEGER.test(value)) throw invalidParameter(this.#label + name, value, expected);
    const number = Number(value);
    if (
      !Number.isSafeInteger(number) ||
      number < range.min ||
      (range.max !== undefined && number > range.max)
    ) {
      throw invalidParameter(this.#label + name, value, expected);
    }
    return number;
  }

  bool(name: string): boolean | undefined {
    const value = this.#params.get(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    throw invalidParameter(this.#label + name, value, "true or false");
  }

  /** A time in `yyyy-MM-ddTHH:mm:ssZ`; an empty value is null ("not set"). */
  time(name: string): number | null | undefined {
    const value = this.#params.get(name);
    if (value === undefined) return undefined;
    if (value === "") return null;
    const ms = parseWireTime(value);
    if (ms === null)
      throw invalidParameter(this.#label + name, value, "a UTC time as yyyy-MM-ddTHH:mm:ssZ");
    return ms;
  }

  oneOf<T extends string>(
    name: string,
    allowed: readonly T[],
    options: { ignoreCase?: boolean } = {},
  ): T | undefined {
    const value = this.#params.get(name);
    if (value === undefined) return undefined;
    const found = allowed.find((item) =>
      options.ignoreCase ? item.toLowerCase() === value.toLowerCase() : item === value,
    );
    if (found === undefined)
      throw invalidParameter(this.#label + name, value, `one of ${allowed.join(", ")}`);
    return found;
  }

  /**
   * The values of `Name.1 … Name.N` in N order. `tooMany` builds the error for more than `max`
   * (the service uses different codes per parameter).
   */
  list(name: string, max: number, tooMany: () => ApiError): string[] {
    return this.indexed(name, max, tooMany, (n) => n === "").map(
      (group) => group.fields.get("") ?? "",
    );
  }

  /**
   * Groups `Name.N.Rest` parameters by N: `DataDisk.1.Size`, `DataDisk.1.Part.2.Device` become
   * group 1 with fields `Size` and `Part.2.Device`. Each group has a reader labelled `Name.N.`.
   */
  groups(
    name: string,
    max: number,
    tooMany: () => ApiError,
  ): Array<{ n: number; reader: ParamReader }> {
    return this.indexed(name, max, tooMany, (rest) => rest !== "").map(({ n, fields }) => ({
      n,
      reader: new ParamReader(fields, `${this.#label}${name}.${n}.`),
    }));
  }

  private indexed(
    name: string,
    max: number,
    tooMany: () => ApiError,
    accept: (rest: string) => boolean,
  ): Array<{ n: number; fields: Map<string, string> }> {
    const byIndex = new Map<number, Map<string, string>>();
    const prefix = `${name}.`;
    for (const [key, value] of this.#params) {
      if (!key.startsWith(prefix)) continue;
      const tail = key.slice(prefix.length);
      const dot = tail.indexOf(".");
      const index = dot === -1 ? tail : tail.slice(0, dot);
      const rest = dot === -1 ? "" : tail.slice(dot + 1);
      if (!accept(rest)) continue;
      if (!/^[1-9]\d*$/.test(index)) {
        throw invalidParameter(this.#label + key, value, `${name}.N with N a whole number from 1`);
      }
      const n = Number(index);
      if (n > max) throw tooMany();
      const fields = byIndex.get(n) ?? new Map<string, string>();
      fields.set(rest, value);
      byIndex.set(n, fields);
    }
    if (byIndex.size > max) throw tooMany();
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([n, fields]) => ({ n, fields }));
  }
}

/** The error for more than 50 items in `SourceId.N` / `JobId.N` lists. */
export function tooManyIds(name: string): () => ApiError {
  return () =>
    new ApiError(
      "InvalidParameter",
      `The specified parameter "${name}.N" is not valid: at most 50 values are allowed.`,
    );
}
