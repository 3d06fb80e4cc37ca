import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/**
 * YAML parsed with its node positions kept, so a validator can point at `file:line:col`.
 *
 * Seam: the plan module (`src/plan/`) owns the project's positioned-YAML machinery for plans. This
 * small reader exists for the daemon config only because that module had not landed when the config
 * was written; `loadConfig` depends on the `PositionedYaml` shape alone, so it can switch to the plan
 * module's reader without touching the config schema.
 */
export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

export interface PositionedYaml {
  /** The document as plain data; `undefined` for an empty document. */
  value: unknown;
  /** Syntax errors, each positioned; the value is unusable when there is any. */
  problems: Array<Position & { message: string }>;
  /**
   * Where `path` is in the text: the value's node, or with `key: true` the key naming it. A path
   * that does not exist points at the deepest part of it that does (a missing key → its parent).
   */
  locate(path: readonly PropertyKey[], options?: { key?: boolean }): Position;
}

/** Aliases beyond this many are an alias bomb, not a config file. */
const MAX_ALIASES = 100;

export function parsePositionedYaml(text: string): PositionedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code === "BAD_ALIAS")].map(
    (error) => ({ ...at(error.pos[0]), message: error.message.split("\n")[0] ?? error.code }),
  );
  let value: unknown;
  if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? undefined;
    } catch (error) {
      problems.push({ line: 1, col: 1, message: (error as Error).message });
    }
  }

  const locate: PositionedYaml["locate"] = (path, options = {}) => {
    let node: Node | null | undefined = doc.contents;
    let last: Position = node?.range ? at(node.range[0]) : { line: 1, col: 1 };
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) =>
            isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair || !isScalar(pair.key) || !pair.key.range) return last;
        const keyPosition = at(pair.key.range[0]);
        if (index === path.length - 1 && options.key) return keyPosition;
        node = pair.value as Node | null;
        last = node?.range ? at(node.range[0]) : keyPosition;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment] as Node | null | undefined;
        if (!node?.range) return last;
        last = at(node.range[0]);
      } else {
        return last;
      }
    }
    return last;
  };

  return { value, problems, locate };
}
