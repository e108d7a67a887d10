/**
 * Helpers for the per-kind schema tests: take a valid document, change one node by JSON
 * pointer, and check that validateDocument reports exactly one issue, where and how expected.
 */
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { validateDocument, type SchemaIssue } from "../../../schemas/validators.js";
import { HUMSTACK_EXAMPLES } from "../../helpers/examples.js";

/** Marks a node to delete in `change`. */
export const REMOVE = Symbol("remove");

/** The parsed humstack example of a kind (shared/examples/humstack/<file>). */
export function example(file: string): Record<string, unknown> {
  return parse(readFileSync(`${HUMSTACK_EXAMPLES}/${file}`, "utf8")) as Record<string, unknown>;
}

/** A deep copy of `doc` with the node at `pointer` set to `value` (or removed). Parents are created. */
export function change(doc: unknown, pointer: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const tokens = pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: Record<string, unknown> = copy;
  for (const t of tokens.slice(0, -1)) {
    node[t] ??= {};
    node = node[t] as Record<string, unknown>;
  }
  const last = tokens[tokens.length - 1]!;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return copy;
}

/** Asserts that `doc` is valid. */
export function expectValid(doc: unknown, what = ""): void {
  const r = validateDocument(doc);
  assert.ok(r.ok, `${what} ${JSON.stringify(r.ok ? [] : r.errors, null, 1)}`);
}

/** Asserts that `doc` gives exactly one issue, at `pointer`, with the keyword and a message matching `message`. */
export function expectIssue(doc: unknown, pointer: string, keyword: string, message: RegExp): SchemaIssue {
  const r = validateDocument(doc);
  assert.is(r.ok, false, `expected an issue at ${pointer}`);
  if (r.ok) throw new Error("unreachable");
  assert.is(r.errors.length, 1, `one issue expected, got ${JSON.stringify(r.errors, null, 1)}`);
  const issue = r.errors[0]!;
  assert.is(issue.pointer, pointer, issue.message);
  assert.is(issue.keyword, keyword, issue.message);
  assert.match(issue.message, message);
  return issue;
}

type Test = (name: string, fn: () => void) => void;

/** Registers the meta checks every kind shares: unknown key, bad id, labels, scope, annotations. */
export function metaCases(test: Test, base: Record<string, unknown>, scope: "cluster" | "group" | "namespace"): void {
  test("meta: an unknown key is named, with a suggestion and the allowed keys", () => {
    expectIssue(change(base, "/meta/nmae", "x"), "/meta/nmae", "additionalProperties", /unknown key "nmae" \(did you mean "name"\?\); allowed keys: apiType, id, name/);
  });
  test("meta: humstack's server-set keys are refused", () => {
    expectIssue(change(base, "/meta/resourceHash", "abc"), "/meta/resourceHash", "additionalProperties", /unknown key "resourceHash"/);
  });
  test("meta: a bad id says which shape is expected", () => {
    expectIssue(change(base, "/meta/id", "a/b"), "/meta/id", "pattern", /not an id of 1-63 letters.*pattern \^\[A-Za-z0-9\]/);
    expectIssue(change(base, "/meta/id", "a..b"), "/meta/id", "not", /without '\.\.'/);
    expectIssue(change(base, "/meta/id", "x".repeat(64)), "/meta/id", "pattern", /1-63/);
    expectIssue(change(base, "/meta/id", 12), "/meta/id", "type", /must be a string \(got number 12\); quote the value/);
  });
  test("meta: a missing id is reported on meta", () => {
    expectIssue(change(base, "/meta/id", REMOVE), "/meta", "required", /missing required key "id"/);
  });
  test("meta: labels are strings", () => {
    expectValid(change(base, "/meta/labels", { team: "a" }));
    expectIssue(change(base, "/meta/labels", { team: 1 }), "/meta/labels/team", "type", /must be a string/);
  });
  test("meta: an unknown humops/ annotation is a typo, other keys are free strings", () => {
    expectIssue(change(base, "/meta/annotations/humops~1oops", "x"), "/meta/annotations/humops~1oops", "false schema", /unknown humops annotation "humops\/oops"/);
    expectValid(change(base, "/meta/annotations/example.com~1owner", "me"));
    expectIssue(change(base, "/meta/annotations/owner", 3), "/meta/annotations/owner", "type", /quote the value/);
  });
  if (scope === "cluster") {
    test("meta: a cluster-wide kind carries no group or namespace", () => {
      expectIssue(change(base, "/meta/group", "g1"), "/meta/group", "additionalProperties", /this kind is cluster-wide.*remove it/);
      expectIssue(change(base, "/meta/namespace", "n1"), "/meta/namespace", "additionalProperties", /cluster-wide/);
    });
  } else {
    test("meta: the group is required", () => {
      expectIssue(change(base, "/meta/group", REMOVE), "/meta", "required", /missing required key "group"/);
      expectIssue(change(base, "/meta/group", "g 1"), "/meta/group", "pattern", /not an id/);
    });
  }
  if (scope === "group") {
    test("meta: a group-scoped kind carries no namespace", () => {
      expectIssue(change(base, "/meta/namespace", "n1"), "/meta/namespace", "additionalProperties", /group-scoped.*remove it/);
    });
  }
  if (scope === "namespace") {
    test("meta: the namespace is required", () => {
      expectIssue(change(base, "/meta/namespace", REMOVE), "/meta", "required", /missing required key "namespace"/);
    });
  }
}
