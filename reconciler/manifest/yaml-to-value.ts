/**
 * Turns one parsed YAML document into a plain value and, in the same walk, the positions of its
 * nodes by JSON pointer: values (where a field's value starts) and keys (where a mapping key
 * starts, for "unknown key" errors). One walk keeps loading within a small factor of parsing.
 */
import { isAlias, isMap, isScalar, isSeq, type LineCounter } from "yaml";

/** A 1-based [line, column]. */
export type LineCol = readonly [line: number, column: number];

/** Positions of a document's nodes by JSON pointer. */
export interface PositionIndex {
  readonly values: Record<string, LineCol>;
  readonly keys: Record<string, LineCol>;
}

/** A node the walk could not turn into a value (non-scalar key, too deep). */
export interface WalkProblem {
  readonly code: "YAML_NON_STRING_KEY" | "YAML_SYNTAX";
  readonly at: LineCol;
  readonly message: string;
}

/** The value of a document, its positions, and whether it uses aliases (then `value` must come from `toJS`). */
export interface WalkResult {
  readonly value: unknown;
  readonly positions: PositionIndex;
  readonly hasAlias: boolean;
  readonly problems: readonly WalkProblem[];
}

/** Deepest nesting walked; deeper documents are refused rather than risking the stack. */
export const MAX_DEPTH = 64;

interface Walk {
  readonly lc: LineCounter;
  readonly positions: PositionIndex;
  readonly problems: WalkProblem[];
  hasAlias: boolean;
}

/** Escapes one JSON-pointer reference token (RFC 6901). */
export function escapePointerToken(token: string): string {
  if (!token.includes("~") && !token.includes("/")) return token;
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

function posOf(w: Walk, node: unknown): LineCol | undefined {
  const range = (node as { range?: readonly number[] | null }).range;
  if (!range) return undefined;
  const { line, col } = w.lc.linePos(range[0]!);
  return [line, col];
}

function keyString(key: unknown, w: Walk): string | undefined {
  if (isScalar(key)) return key.value === null ? "" : String(key.value);
  w.problems.push({
    code: "YAML_NON_STRING_KEY",
    at: posOf(w, key) ?? [1, 1],
    message: "a mapping key must be a plain scalar (a name), not a list, mapping or alias",
  });
  return undefined;
}

function walkMap(node: { items: readonly { key: unknown; value: unknown }[] }, ptr: string, w: Walk, depth: number) {
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const k = keyString(pair.key, w);
    if (k === undefined) continue;
    const child = `${ptr}/${escapePointerToken(k)}`;
    const keyPos = posOf(w, pair.key);
    if (keyPos) w.positions.keys[child] = keyPos;
    const v = pair.value == null ? null : walkNode(pair.value, child, w, depth + 1);
    if (pair.value == null && keyPos) w.positions.values[child] = keyPos;
    // `__proto__` as a key must become an own property, never the object's prototype.
    if (k === "__proto__") Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

function walkNode(node: unknown, ptr: string, w: Walk, depth: number): unknown {
  const pos = posOf(w, node);
  if (pos) w.positions.values[ptr] = pos;
  if (depth > MAX_DEPTH) {
    w.problems.push({ code: "YAML_SYNTAX", at: pos ?? [1, 1], message: `nesting deeper than ${MAX_DEPTH} levels; flatten the document` });
    return null;
  }
  if (isScalar(node)) return node.value;
  if (isMap(node)) return walkMap(node, ptr, w, depth);
  if (isSeq(node)) return node.items.map((item, i) => walkNode(item, `${ptr}/${i}`, w, depth + 1));
  if (isAlias(node)) w.hasAlias = true;
  return null;
}

/**
 * Walks a document's contents once: its value (core-schema scalars as parsed) and the positions
 * of every node. Aliases are not followed (their targets keep their own positions); when
 * `hasAlias` is true, the caller takes the value from `doc.toJS({ maxAliasCount })` instead.
 */
export function yamlToValue(contents: unknown, lc: LineCounter): WalkResult {
  const w: Walk = { lc, positions: { values: {}, keys: {} }, problems: [], hasAlias: false };
  const value = walkNode(contents, "", w, 0);
  return { value, positions: w.positions, hasAlias: w.hasAlias, problems: w.problems };
}

/**
 * The position for a JSON pointer: the key's position when `preferKey` (unknown-key errors),
 * else the value's. A pointer that has no node (a missing field) falls back to its nearest
 * existing parent, preferring the parent's key (`spec:`) over its first child.
 */
export function positionFor(index: PositionIndex, pointer: string, preferKey: boolean): LineCol | undefined {
  const exact = preferKey ? (index.keys[pointer] ?? index.values[pointer]) : (index.values[pointer] ?? index.keys[pointer]);
  if (exact) return exact;
  let p = pointer;
  while (p !== "") {
    p = p.slice(0, Math.max(0, p.lastIndexOf("/")));
    const found = index.keys[p] ?? index.values[p];
    if (found) return found;
  }
  return undefined;
}
