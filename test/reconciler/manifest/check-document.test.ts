import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkDocument, fieldPath } from "../../../reconciler/manifest/check-document.js";

const bs = (spec: Record<string, unknown>) => ({
  meta: { apiType: "systemv0/blockstorage", id: "bs1", group: "g", namespace: "n" },
  spec: { requestSize: "1G", limitSize: "10G", from: { type: "Empty" }, ...spec },
});

const check = suite("checkDocument");

check("a valid document has no issue", () => {
  assert.equal(checkDocument(bs({})), []);
});

check("a bad quantity is one BAD_QUANTITY issue, not also the schema's pattern error", () => {
  const issues = checkDocument(bs({ limitSize: "1.5G" }));
  assert.equal(issues.map((i) => [i.code, i.pointer]), [["BAD_QUANTITY", "/spec/limitSize"]]);
  assert.match(issues[0]!.message, /^spec\.limitSize: "1\.5G" is not a size/);
});

check("a zero size is refused; a numeric size is accepted", () => {
  assert.equal(checkDocument(bs({ requestSize: 0 })).map((i) => i.code), ["BAD_QUANTITY"]);
  assert.equal(checkDocument(bs({ requestSize: 1073741824 })), []);
});

check("a quantity of the wrong type is left to the schema", () => {
  const issues = checkDocument(bs({ requestSize: ["1G"] }));
  assert.equal(issues.map((i) => [i.code, i.pointer]), [["SCHEMA", "/spec/requestSize"]]);
});

check("a typo of a required key gives one UNKNOWN_FIELD at the key, not also MISSING_FIELD", () => {
  const doc = bs({});
  const spec = doc.spec as Record<string, unknown>;
  spec["limitSzie"] = spec["limitSize"];
  delete spec["limitSize"];
  const issues = checkDocument(doc);
  assert.equal(issues.map((i) => [i.code, i.pointer, i.atKey]), [["UNKNOWN_FIELD", "/spec/limitSzie", true]]);
});

check("a missing key that is not a typo stays MISSING_FIELD, pointing at the parent's key", () => {
  const doc = bs({});
  delete (doc.spec as Record<string, unknown>)["limitSize"];
  const issues = checkDocument(doc);
  assert.equal(issues.map((i) => [i.code, i.pointer, i.atKey]), [["MISSING_FIELD", "/spec", true]]);
});

check("meta and apiType problems are reported before the schema runs", () => {
  assert.equal(checkDocument({ spec: {} }).map((i) => [i.code, i.pointer]), [["MISSING_META", ""]]);
  assert.equal(checkDocument({ meta: [] }).map((i) => [i.code, i.pointer]), [["MISSING_META", "/meta"]]);
  assert.equal(checkDocument({ meta: { id: "x" } }).map((i) => i.code), ["MISSING_API_TYPE"]);
  const unknown = checkDocument({ meta: { apiType: "corev0/grop", id: "x" } });
  assert.equal(unknown.map((i) => [i.code, i.pointer]), [["UNKNOWN_API_TYPE", "/meta/apiType"]]);
  assert.match(unknown[0]!.message, /did you mean corev0\/group\?/);
});

check("fieldPath renders pointers as people read fields", () => {
  assert.is(fieldPath("/spec/nics/0/ipv4Address"), "spec.nics[0].ipv4Address");
  assert.is(fieldPath("/meta/annotations/networkv0~1network_type"), 'meta.annotations["networkv0/network_type"]');
  assert.is(fieldPath(""), "");
});

check.run();
