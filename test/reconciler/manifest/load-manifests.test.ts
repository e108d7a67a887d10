import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadManifests } from "../../../reconciler/manifest/load-manifests.js";
import { ParseCache } from "../../../reconciler/manifest/parse-cache.js";
import type { ManifestFile } from "../../../reconciler/manifest/types.js";
import { HUMSTACK_EXAMPLES } from "../../helpers/examples.js";

const EXAMPLES = HUMSTACK_EXAMPLES;
const examples: ManifestFile[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ path: f, text: readFileSync(join(EXAMPLES, f), "utf8"), blobId: `blob-${f}` }));

const load = suite("loadManifests");

load("loads the humstack README examples: ten resources, no error", () => {
  const r = loadManifests(examples);
  assert.equal(r.diagnostics.filter((d) => d.severity === "error"), []);
  assert.is(r.resources.size, 10);
  assert.equal(r.failedFiles.size, 0);
  const vm = r.resources.get("systemv0/virtualmachine/group1/ns1/vm1")!;
  assert.equal(vm.source, { file: "09-systemv0-virtualmachine.yaml", line: 1, column: 1 });
  assert.equal(vm.positions["/spec/nics/0/networkID"], [20, 18]);
  assert.is((vm.spec["nics"] as { ipv4Address: string }[])[0]!.ipv4Address, "10.0.0.1");
});

load("systemv0/node documents: maintenance declarations, not resources; drain implies cordon; a typo, a spec or a second declaration is an error (issue #14)", () => {
  const node = (id: string, ann: string) => `meta:\n  apiType: systemv0/node\n  id: ${id}\n  annotations:\n${ann}`;
  const ok = loadManifests([{ path: "nodes.yaml", text: `${node("n1", '    humops/cordon: "true"\n')}---\n${node("n2", '    humops/drain: "true"\n')}---\n${node("n3", '    humops/cordon: "false"\n    owner: ops\n')}` }]);
  assert.equal(ok.diagnostics, []);
  assert.is(ok.resources.size, 0);
  assert.equal([...ok.nodes!.values()].map((n) => [n.name, n.cordon, n.drain, n.source.line]), [["n1", true, false, 1], ["n2", true, true, 7], ["n3", false, false, 13]]);
  const typo = loadManifests([{ path: "n.yaml", text: node("n1", '    humops/cordn: "true"\n') }]);
  assert.equal(typo.diagnostics.map((d) => [d.line, d.code, d.message.includes('did you mean "humops/cordon"')]), [[5, "UNKNOWN_FIELD", true]]);
  assert.ok(typo.failedFiles.has("n.yaml"));
  assert.is(typo.nodes, undefined);
  const yes = loadManifests([{ path: "n.yaml", text: node("n1", "    humops/cordon: yes\n") }]);
  assert.equal(yes.diagnostics.map((d) => d.code), ["SCHEMA"], "only the strings \"true\" and \"false\"");
  const spec = loadManifests([{ path: "n.yaml", text: `${node("n1", '    humops/cordon: "true"\n')}spec:\n  limitVcpus: 4\n` }]);
  assert.equal(spec.diagnostics.map((d) => d.code), ["UNKNOWN_FIELD"]);
  const badName = loadManifests([{ path: "n.yaml", text: node("node1.example.org", '    humops/cordon: "true"\n') }]);
  assert.equal(badName.diagnostics.map((d) => d.code), ["SCHEMA"], "a node name has no dots");
  const twice = loadManifests([{ path: "a.yaml", text: node("n1", '    humops/cordon: "true"\n') }, { path: "b.yaml", text: node("n1", '    humops/drain: "true"\n') }]);
  assert.equal(twice.diagnostics.map((d) => [d.file, d.code]), [["a.yaml", "DUPLICATE_ID"], ["b.yaml", "DUPLICATE_ID"]]);
  assert.is(twice.nodes, undefined, "neither declaration is used");
  assert.equal([...twice.failedFiles].sort(), ["a.yaml", "b.yaml"]);
});

load("the result does not depend on the order of the files", () => {
  const a = loadManifests(examples);
  const b = loadManifests([...examples].reverse());
  assert.equal([...a.resources.keys()], [...b.resources.keys()]);
  assert.equal(a.diagnostics, b.diagnostics);
});

load("a duplicate identity is an error at both places and keeps the key applied", () => {
  const net = examples.find((f) => f.path.includes("network"))!;
  const r = loadManifests([...examples, { path: "z/copy.yaml", text: `\n${net.text}` }]);
  const dups = r.diagnostics.filter((d) => d.code === "DUPLICATE_ID");
  assert.equal(dups.map((d) => `${d.file}:${d.line}`), ["04-systemv0-network.yaml:1", "z/copy.yaml:2"]);
  assert.match(dups[0]!.message, /z\/copy\.yaml:2:1/);
  assert.is(dups[0]!.resource, "systemv0/network group1/ns1/net1");
  assert.not.ok(r.resources.has("systemv0/network/group1/ns1/net1"));
  assert.ok(r.invalidKeys.has("systemv0/network/group1/ns1/net1"));
  assert.equal([...r.failedFiles].sort(), ["04-systemv0-network.yaml", "z/copy.yaml"]);
});

load("an invalid document's identity goes to invalidKeys and its file to failedFiles", () => {
  const text = "meta:\n  apiType: systemv0/network\n  id: net9\n  group: g\n  namespace: n\nspec:\n  ipv4CIDR: nope\n";
  const r = loadManifests([{ path: "n.yaml", text }]);
  assert.equal([...r.invalidKeys], ["systemv0/network/g/n/net9"]);
  assert.equal([...r.failedFiles], ["n.yaml"]);
  assert.is(r.resources.size, 0);
});

load("reuses cached parses by blob id and path", () => {
  const cache = new ParseCache();
  const first = loadManifests(examples, { cache });
  assert.is(cache.size, 10);
  const again = loadManifests(examples, { cache });
  assert.is(again.resources.get("corev0/group/group1"), first.resources.get("corev0/group/group1"), "same object: not re-parsed");
  const changed = examples.map((f) => (f.path.startsWith("00") ? { ...f, text: f.text.replace("name: group1", "name: renamed"), blobId: "new" } : f));
  const third = loadManifests(changed, { cache });
  assert.is(third.resources.get("corev0/group/group1")!.meta.name, "renamed");
  cache.retain(changed);
  assert.is(cache.size, 10);
  assert.is(cache.get(examples[0]!), undefined);
});

load.run();
