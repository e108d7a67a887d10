import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LineCounter, parseDocument } from "yaml";
import { escapePointerToken, positionFor, yamlToValue } from "../../../reconciler/manifest/yaml-to-value.js";

function walk(text: string) {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: "1.2", schema: "core" });
  return { doc, result: yamlToValue(doc.contents, lc) };
}

const walkSuite = suite("yamlToValue");

const TEXT = `meta:
  apiType: systemv0/network
  annotations:
    networkv0/network_type: VXLAN
spec:
  id: "100"
  nics:
    - networkID: net1
      ipv4Address: 10.0.0.1
  empty:
  flag: no
`;

walkSuite("gives the same value as yaml's toJS for alias-free documents", () => {
  const { doc, result } = walk(TEXT);
  assert.equal(result.value, doc.toJS());
  assert.is(result.hasAlias, false);
  assert.is((result.value as { spec: { flag: unknown } }).spec.flag, "no", "YAML 1.2 core: no is a string");
});

walkSuite("records value and key positions by JSON pointer, escaping / in keys", () => {
  const { result } = walk(TEXT);
  const { values, keys } = result.positions;
  assert.equal(keys["/meta"], [1, 1]);
  assert.equal(values["/meta/apiType"], [2, 12]);
  assert.equal(keys["/meta/annotations/networkv0~1network_type"], [4, 5]);
  assert.equal(values["/spec/nics/0/ipv4Address"], [9, 20]);
  assert.equal(values["/spec/nics/0"], [8, 7]);
  assert.ok(values["/spec/empty"], "an empty value still has a position");
});

walkSuite("positionFor prefers the key for unknown keys and falls back to the nearest parent", () => {
  const { result } = walk(TEXT);
  assert.equal(positionFor(result.positions, "/spec/nics/0/ipv4Address", true), [9, 7]);
  assert.equal(positionFor(result.positions, "/spec/nics/0/ipv4Address", false), [9, 20]);
  assert.equal(positionFor(result.positions, "/spec/nics/0/missing/deeper", false), [8, 7]);
  assert.equal(positionFor(result.positions, "/nothing", false), [1, 1]);
});

walkSuite("flags aliases so the caller resolves them, and a __proto__ key stays an own property", () => {
  const { result } = walk("a: &x 1\nb: *x\n");
  assert.is(result.hasAlias, true);
  const proto = walk("__proto__:\n  polluted: true\n").result.value as Record<string, unknown>;
  assert.ok(Object.hasOwn(proto, "__proto__"));
  assert.is(({} as Record<string, unknown>)["polluted"], undefined);
  assert.is(Object.getPrototypeOf(proto), Object.prototype);
});

walkSuite("reports a non-scalar key and refuses nesting deeper than the limit", () => {
  const { result } = walk("? [a, b]\n: 1\n");
  assert.is(result.problems[0]?.code, "YAML_NON_STRING_KEY");
  const deep = walk("a: " + "[".repeat(70) + "]".repeat(70)).result;
  assert.is(deep.problems[0]?.code, "YAML_SYNTAX");
  assert.match(deep.problems[0]!.message, /nesting deeper than 64/);
});

walkSuite("escapePointerToken follows RFC 6901", () => {
  assert.is(escapePointerToken("a/b~c"), "a~1b~0c");
  assert.is(escapePointerToken("plain"), "plain");
});

walkSuite.run();
