import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Planner } from "../../../reconciler/plan/planner.js";
import { allowsMassDelete, readTrailer } from "../../../reconciler/plan/trailers.js";
import type { ManifestFile } from "../../../reconciler/manifest/types.js";
import { readYamlTree } from "./yaml-tree.js";

const blob = (f: ManifestFile): ManifestFile => ({ ...f, blobId: createHash("sha1").update(f.text).digest("hex") });
const files = readYamlTree(join(import.meta.dirname, "../../fixtures/invalid/_base")).map(blob);

const P = suite("Planner (incremental)");

P("a re-plan reads only the changed file: cached blobs need no text", () => {
  const planner = new Planner();
  const first = planner.plan({ files, applied: [] });
  assert.is(first.summary.create, 13);
  assert.ok(files.every((f) => planner.isCached(f.path, f.blobId!)));
  const changed = blob({ path: "00-group.yaml", text: files[0]!.text + "---\nmeta:\n  apiType: corev0/namespace\n  id: ns9\n  group: g1\n" });
  assert.not.ok(planner.isCached(changed.path, changed.blobId!));
  const second = planner.plan({ files: [changed, ...files.slice(1).map((f) => ({ ...f, text: "" }))], applied: [] });
  assert.is(second.valid, true, "the textless files came from the cache");
  assert.is(second.summary.create, 14);
  for (let i = 0; i < 40; i++) planner.plan({ files: [blob({ path: "00-group.yaml", text: `${files[0]!.text}# ${i}\n` }), ...files.slice(1)], applied: [] });
  assert.not.ok(planner.isCached(files[0]!.path, files[0]!.blobId!), "the cache stays bounded: old blobs are dropped");
});

P("trailers: Humops-Allow-Mass-Delete", () => {
  assert.ok(allowsMassDelete("Remove all\n\nHumops-Allow-Mass-Delete: yes\n"));
  assert.ok(allowsMassDelete("x\n\nhumops-allow-mass-delete: true"));
  assert.not.ok(allowsMassDelete("x\n\nHumops-Allow-Mass-Delete: no"));
  assert.not.ok(allowsMassDelete("Humops-Allow-Mass-Delete yes"));
  assert.is(readTrailer("status\n\nManifests-Commit: abc\n", "Manifests-Commit"), "abc");
});

P.run();
