import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("06-systemv0-imageentity.yaml");
const test = suite("systemv0/imageentity schema");

test("the README example is valid, and an image source too", () => {
  expectValid(base);
  expectValid(change(base, "/spec/source", { type: "Image", imageName: "ubuntu", imageTag: "2004" }));
  expectValid(change(base, "/spec/source/type", "BlockStorage"));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/source", ["ns1", "bs1"]), "/spec/source", "type", /must be a mapping \(got a list\)/);
  expectIssue(change(base, "/spec/hash", 12), "/spec/hash", "type", /quote the value/);
});

test("spec: unknown keys", () => {
  expectIssue(change(base, "/spec/source/blockstorageID", "bs1"), "/spec/source/blockstorageID", "additionalProperties", /did you mean "blockStorageID"/);
  expectIssue(change(base, "/spec/sources", {}), "/spec/sources", "additionalProperties", /did you mean "source"/);
});

test("bad enum and required keys per source type", () => {
  expectIssue(change(base, "/spec/source/type", "Disk"), "/spec/source/type", "enum", /BlockStorage, Image/);
  expectIssue(change(base, "/spec/source/blockStorageID", REMOVE), "/spec/source", "required", /"blockStorageID"/);
  expectIssue(change(base, "/spec/source", { type: "Image" }), "/spec/source", "required", /"imageName", "imageTag"/);
});

test("bad ids", () => {
  expectIssue(change(base, "/spec/source/namespace", "ns/1"), "/spec/source/namespace", "pattern", /not an id/);
});

metaCases(test, base, "group");
test.run();
