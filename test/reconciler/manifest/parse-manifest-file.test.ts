import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseManifestFile } from "../../../reconciler/manifest/parse-manifest-file.js";

const GROUP = "meta:\n  apiType: corev0/group\n  id: group1\n";
const NS = "meta:\n  apiType: corev0/namespace\n  id: ns1\n  group: group1\n";

const parse = suite("parseManifestFile");

parse("loads several documents, skipping empty ones silently", () => {
  const r = parseManifestFile({ path: "a.yaml", text: `---\n# only a comment\n---\n${GROUP}---\n${NS}---\n` });
  assert.equal(r.diagnostics, []);
  assert.is(r.failed, false);
  assert.equal(r.documents.map((d) => [d.index, d.key]), [[1, "corev0/group/group1"], [2, "corev0/namespace/group1/ns1"]]);
  const ns = r.documents[1]!.resource!;
  assert.equal(ns.source, { file: "a.yaml", line: 8, column: 1 });
  assert.is(ns.group, "group1");
  assert.is(ns.namespace, undefined);
  assert.equal(ns.spec, {});
  assert.equal(ns.positions["/meta/group"], [11, 10]);
});

parse("an empty file is valid and declares nothing", () => {
  const r = parseManifestFile({ path: "e.yaml", text: "" });
  assert.equal([r.documents, r.diagnostics, r.failed], [[], [], false]);
});

parse("a bad document fails the file but the good one keeps its resource", () => {
  const r = parseManifestFile({ path: "b.yaml", text: `${GROUP}---\nmeta:\n  apiType: corev0/group\n  id: a b\n` });
  assert.is(r.failed, true);
  assert.ok(r.documents[0]!.resource);
  assert.is(r.documents[1]!.resource, undefined);
  assert.is(r.documents[1]!.key, "corev0/group/a b");
  const d = r.diagnostics[0]!;
  assert.equal([d.file, d.line, d.column, d.resource], ["b.yaml", 7, 7, "corev0/group a b"]);
});

parse("a file reported larger than the limit is refused without parsing", () => {
  const r = parseManifestFile({ path: "big.yaml", text: "", sizeBytes: 5 * 1024 * 1024 });
  assert.is(r.failed, true);
  assert.is(r.diagnostics[0]!.code, "FILE_TOO_LARGE");
  assert.match(r.diagnostics[0]!.message, /5242880 bytes/);
});

parse("an alias bomb fails fast with YAML_ALIAS_LIMIT", () => {
  let text = 'meta: {apiType: corev0/group, id: g}\na0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < 12; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(",")}]\n`;
  const started = performance.now();
  const r = parseManifestFile({ path: "bomb.yaml", text });
  assert.ok(performance.now() - started < 2000, "must not expand the bomb");
  assert.equal(r.diagnostics.map((d) => d.code), ["YAML_ALIAS_LIMIT"]);
});

parse("a few aliases within the limit resolve", () => {
  const text = "meta:\n  apiType: corev0/group\n  id: &name g1\n  name: *name\n";
  const r = parseManifestFile({ path: "alias.yaml", text });
  assert.equal(r.diagnostics, []);
  assert.is(r.documents[0]!.resource!.meta.name, "g1");
});

parse("YAML 1.2 core schema: yes/no/on/off stay strings", () => {
  const text = "meta:\n  apiType: corev0/group\n  id: g1\n  labels:\n    a: yes\n    b: off\n";
  const r = parseManifestFile({ path: "l.yaml", text });
  assert.equal(r.diagnostics, []);
  assert.equal(r.documents[0]!.resource!.meta.labels, { a: "yes", b: "off" });
});

parse("a YAML warning (unknown tag) is a warning: the file stays valid", () => {
  const r = parseManifestFile({ path: "t.yaml", text: "meta:\n  apiType: corev0/group\n  id: !custom g1\n" });
  assert.equal(r.diagnostics.map((d) => [d.severity, d.code, d.line, d.column]), [["warning", "YAML_WARNING", 3, 7]]);
  assert.is(r.failed, false);
  assert.is(r.documents[0]!.resource!.id, "g1");
});

parse("is deterministic: the same input gives an equal result", () => {
  const file = { path: "x.yaml", text: `${GROUP}---\n- not a mapping\n` };
  assert.equal(parseManifestFile(file), parseManifestFile(file));
});

parse.run();
