import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseCache } from "../../../reconciler/manifest/parse-cache.js";
import type { FileResult } from "../../../reconciler/manifest/types.js";

const cacheSuite = suite("ParseCache");
const result = (path: string): FileResult => ({ path, documents: [], diagnostics: [], failed: false });

cacheSuite("keys entries by blob id AND path; files without blob id are never cached", () => {
  const cache = new ParseCache();
  cache.set({ path: "a.yaml", text: "", blobId: "b1" }, result("a.yaml"));
  cache.set({ path: "n.yaml", text: "" }, result("n.yaml"));
  assert.is(cache.size, 1);
  assert.is(cache.get({ path: "a.yaml", text: "", blobId: "b1" })?.path, "a.yaml");
  assert.is(cache.get({ path: "other.yaml", text: "", blobId: "b1" }), undefined, "same blob elsewhere names another file");
  assert.is(cache.get({ path: "n.yaml", text: "" }), undefined);
});

cacheSuite("retain drops what the current tree no longer has", () => {
  const cache = new ParseCache();
  cache.set({ path: "a.yaml", text: "", blobId: "1" }, result("a.yaml"));
  cache.set({ path: "b.yaml", text: "", blobId: "2" }, result("b.yaml"));
  cache.retain([{ path: "b.yaml", text: "", blobId: "2" }]);
  assert.is(cache.size, 1);
  assert.ok(cache.get({ path: "b.yaml", text: "", blobId: "2" }));
});

cacheSuite.run();
