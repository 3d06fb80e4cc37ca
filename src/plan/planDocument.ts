import {
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  type Pair,
  Parser,
  type YAMLMap,
  YAMLParseError,
} from "yaml";
import type { PlanPath } from "./planProblem.ts";

/** Plans are a few hundred KiB at most; 5 MiB leaves room for 10,000+ servers and bounds the work. */
export const MAX_PLAN_BYTES = 5 * 1024 * 1024;
/**
 * Nesting limits checked on the token stream, before yaml composes nodes: its composer recurses and
 * runs out of memory (a fatal, uncatchable crash) somewhere between 600 and 1,000 levels. A plan
 * needs 9 levels; 32 is generous. Indentation is bounded separately because block nesting can also
 * grow one column per level.
 */
const MAX_NESTING = 32;
const MAX_INDENT_COLUMNS = 256;
/** Alias expansions yaml allows before calling it a billion-laughs attack. */
const MAX_ALIAS_COUNT = 100;

export interface Position {
  line: number;
  col: number;
}

/** A finding with a position already known (YAML-level problems). */
interface PositionedFinding extends Position {
  path: PlanPath;
  message: string;
}

export interface PlanDocument {
  /** The plan as plain data; undefined when the YAML itself is unusable (see `problems`). */
  data?: unknown;
  problems: PositionedFinding[];
  /**
   * Where `path` is in the file: the value's start (or the key's, with `at: "key"`), else the
   * nearest existing ancestor's, so a missing key points at the mapping that lacks it.
   */
  locate(path: PlanPath, at?: "key" | "value"): Position;
}

/** Parses YAML text with positions, refusing input that would hang or crash the parser. */
export function parsePlanDocument(text: string): PlanDocument {
  const lineCounter = new LineCounter();
  const start: Position = { line: 1, col: 1 };
  const refuse = (message: string, position = start): PlanDocument => ({
    problems: [{ ...position, path: [], message }],
    locate: () => start,
  });

  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_PLAN_BYTES) {
    return refuse(
      `The file is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a plan may be at most ${MAX_PLAN_BYTES / 1024 / 1024} MiB`,
    );
  }
  const parsed = parseGuarded(text, lineCounter);
  if ("refused" in parsed) {
    return refuse(parsed.refused.message, lineCounter.linePos(parsed.refused.offset));
  }
  const doc = parsed.doc;
  const at = (offset: number): Position => lineCounter.linePos(offset);
  const locate = (path: PlanPath, target: "key" | "value" = "value") =>
    at(locateOffset(doc, path, target));

  const problems: PositionedFinding[] = [...doc.errors, ...doc.warnings].map((error) => {
    const offset = error.pos[0];
    let message = `Invalid YAML: ${error.message.split("\n")[0]}`;
    if (error.code === "DUPLICATE_KEY") {
      // The error's range covers one character; the key is the text up to its colon.
      const key = /^[^:\n]*/.exec(text.slice(offset, offset + 200))?.[0].trim() ?? "";
      message = `Duplicate key \`${key}\`: a key may appear only once in a mapping`;
    } else if (error.code === "MULTIPLE_DOCS") {
      message =
        "A plan is one YAML document, but another starts here; remove this `---` and what follows, or split the file";
    }
    return { ...at(offset), path: [], message };
  });
  const complexKey = findComplexKey(doc);
  if (complexKey !== undefined) {
    problems.push({
      ...at(complexKey),
      path: [],
      message: "A mapping key must be plain text, not a list or a mapping (is an indentation off?)",
    });
  }
  if (problems.length > 0) return { problems, locate };
  if (doc.contents === null) {
    return { problems: [{ ...start, path: [], message: EMPTY_PLAN }], locate };
  }
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), problems, locate };
  } catch (error) {
    const message =
      error instanceof ReferenceError
        ? `Aliases expand too much (more than ${MAX_ALIAS_COUNT} times their anchors' size); a plan may not multiply itself through \`*alias\` references`
        : `Cannot read the YAML: ${error instanceof Error ? error.message : String(error)}`;
    return { problems: [{ ...start, path: [], message }], locate };
  }
}

const EMPTY_PLAN = "The plan is empty: expected a mapping with `name`, `regionId` and `waves`";

/**
 * yaml's `parseDocument`, driven token by token so each token passes a nesting check before the
 * parser sees it: input the composer could not survive is refused early, in one lexing pass.
 */
function parseGuarded(
  text: string,
  lineCounter: LineCounter,
): { doc: Document.Parsed } | { refused: { offset: number; message: string } } {
  const parser = new Parser(lineCounter.addNewLine);
  // The parser reports each line start, the first one included, as `Parser.parse` would.
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  const guard = nestingGuard();
  for (const lexeme of new Lexer().lex(text)) {
    const refused = guard(lexeme);
    if (refused !== undefined) return { refused };
    for (const token of parser.next(lexeme)) tokens.push(token);
  }
  for (const token of parser.end()) tokens.push(token);

  const composer = new Composer({
    merge: true,
    uniqueKeys: true,
    // Problems are returned, never printed: keep yaml from writing process warnings.
    logLevel: "error",
  });
  let first: Document.Parsed | undefined;
  for (const doc of composer.compose(tokens, true, text.length)) {
    if (first === undefined) {
      first = doc;
    } else {
      first.errors.push(
        new YAMLParseError([doc.range[0], doc.range[1]], "MULTIPLE_DOCS", "multiple documents"),
      );
      break;
    }
  }
  // compose(…, forceDoc = true) always yields a document, if an empty one.
  return first === undefined ? { refused: { offset: 0, message: EMPTY_PLAN } } : { doc: first };
}

/** A per-token check for nesting the composer could not survive (see MAX_NESTING). */
function nestingGuard(): (lexeme: string) => { offset: number; message: string } | undefined {
  let offset = 0;
  let flowDepth = 0;
  let lineIndicators = 0;
  let atLineStart = true;
  return (lexeme) => {
    const type = CST.tokenType(lexeme);
    const tokenOffset = offset;
    // Control tokens (document/scalar/flow-end markers) are not source text.
    if (type !== "doc-mode" && type !== "scalar" && type !== "flow-error-end") {
      offset += lexeme.length;
    }
    if (type === "newline") {
      atLineStart = true;
      lineIndicators = 0;
      return undefined;
    }
    if (atLineStart && type === "space" && lexeme.length > MAX_INDENT_COLUMNS) {
      return {
        offset: tokenOffset,
        message: `Indented ${lexeme.length} columns; plans nest far less (at most ${MAX_INDENT_COLUMNS} columns of indentation)`,
      };
    }
    atLineStart = false;
    if (type === "flow-map-start" || type === "flow-seq-start") flowDepth += 1;
    else if (type === "flow-map-end" || type === "flow-seq-end") flowDepth -= 1;
    else if (type === "seq-item-ind" || type === "explicit-key-ind" || type === "map-value-ind") {
      lineIndicators += 1;
    }
    if (flowDepth > MAX_NESTING || lineIndicators > MAX_NESTING) {
      return {
        offset: tokenOffset,
        message: `Nested more than ${MAX_NESTING} levels deep; a plan needs fewer than 10`,
      };
    }
    return undefined;
  };
}

/** Offset of the first mapping key that is a collection: plain data cannot hold one. */
function findComplexKey(doc: Document): number | undefined {
  // An explicit stack instead of yaml's `visit`: this runs on every plan, and visit's generic
  // bookkeeping costs more than the walk itself on a 10,000-server plan.
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isMap(pair.key) || isSeq(pair.key)) return rangeStart(pair.key) ?? 0;
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return undefined;
}

/** Offset of the node at `path`, or of its nearest existing ancestor. */
function locateOffset(doc: Document, path: PlanPath, target: "key" | "value"): number {
  let node: unknown = doc.contents;
  let best = rangeStart(node) ?? 0;
  for (let index = 0; index < path.length; index += 1) {
    const segment = path[index];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment));
      if (pair === undefined) break;
      const keyStart = rangeStart(pair.key);
      const last = index === path.length - 1;
      const emptyValue = isScalar(pair.value) && pair.value.value === null;
      if (last && (target === "key" || emptyValue) && keyStart !== undefined) return keyStart;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else {
      break;
    }
    const here = rangeStart(isAlias(node) ? node.resolve(doc) : node);
    if (here === undefined) break;
    best = here;
  }
  return best;
}

function findPair(doc: Document, map: YAMLMap, key: string): Pair | undefined {
  const direct = map.items.find(
    (pair) =>
      isScalar(pair.key) && typeof pair.key.value !== "symbol" && String(pair.key.value) === key,
  );
  if (direct !== undefined) return direct;
  // `<<: *anchor` merge keys: the value lives in the anchored mapping.
  for (const pair of map.items) {
    // With merge keys on, yaml gives `<<` a symbol value; its source text is still `<<`.
    if (!isScalar(pair.key) || pair.key.source !== "<<") continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const resolved = isAlias(source) ? source.resolve(doc) : source;
      if (isMap(resolved)) {
        const found = resolved.items.find(
          (candidate) => isScalar(candidate.key) && String(candidate.key.value) === key,
        );
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || isPair(node)) return undefined;
  return (node as Node).range?.[0];
}
