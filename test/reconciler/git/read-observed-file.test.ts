import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ObservedFileError, readObservedFile, toAppliedResource } from "../../../reconciler/git/read-observed-file.js";

const R = suite("readObservedFile / toAppliedResource");
const dir = mkdtempSync(join(tmpdir(), `humops-observed-${process.pid}-`));
R.after(() => rmSync(dir, { recursive: true, force: true }));

R("an array, or a map keyed by ResourceKey; identity from key or id+scope; source.file or source.path", async () => {
  const arrayFile = join(dir, "a.json");
  writeFileSync(arrayFile, JSON.stringify([
    { apiType: "systemv0/network", id: "net1", group: "g1", namespace: "ns1", state: "Available", node: "n1", source: { path: "net.yaml", commit: "abc" } },
    { key: "corev0/group/g1", apiType: "corev0/group", state: "Active", spec: {}, annotations: { a: "b" }, generation: 3 },
  ]));
  const a = await readObservedFile(arrayFile);
  assert.equal(a[0], { key: "systemv0/network/g1/ns1/net1", apiType: "systemv0/network", state: "Available", details: {}, node: "n1", source: { file: "net.yaml", commit: "abc" } });
  assert.equal(a[1], { key: "corev0/group/g1", apiType: "corev0/group", state: "Active", details: {}, spec: {}, annotations: { a: "b" }, generation: 3 });
  const mapFile = join(dir, "m.json");
  writeFileSync(mapFile, JSON.stringify({ "corev0/group/g2": { apiType: "corev0/group", state: "Active" } }));
  assert.is((await readObservedFile(mapFile))[0]?.key, "corev0/group/g2");
});

R("a file that is not usable is an ObservedFileError naming the file", async () => {
  for (const [name, text] of [["bad.json", "{"], ["noid.json", '[{"apiType":"corev0/group"}]'], ["kind.json", '[{"apiType":"corev0/nope","id":"x"}]'], ["scalar.json", "3"]] as const) {
    const f = join(dir, name);
    writeFileSync(f, text);
    try {
      await readObservedFile(f);
      assert.unreachable(name);
    } catch (e) {
      assert.instance(e, ObservedFileError);
      assert.is((e as ObservedFileError).code, "OBSERVED_FILE");
      assert.match((e as Error).message, f);
    }
  }
  assert.throws(() => toAppliedResource({ apiType: "corev0/group", key: "systemv0/network/x" }), /neither a key nor an id/);
});

R.run();
