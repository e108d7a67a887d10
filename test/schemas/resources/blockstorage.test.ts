import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("08-systemv0-blockstorage.yaml");
const test = suite("systemv0/blockstorage schema");
const sha = "a".repeat(64);

test("the README example and every source are valid", () => {
  expectValid(base);
  expectValid(change(base, "/spec/from", { type: "Empty" }));
  expectValid(change(base, "/spec/from", { type: "BaseImage", baseImage: { imageName: "ubuntu", tag: "2004" } }));
  expectValid(change(base, "/spec/from", { type: "BaseImage", baseImage: { imageName: "ubuntu", tag: 2004 } }));
  expectValid(change(base, "/spec/from", { type: "BlockStorage", blockStorage: { name: "bs0" } }));
  expectValid(change(base, "/spec/from/http/sha256", sha));
  expectValid(change(base, "/meta/annotations/humops~1deletion-policy", "Retain"));
  expectValid(change(base, "/spec/requestSize", 1073741824));
  expectValid(change(base, "/spec/limitSize", "10Gi"));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/requestSize", 1.5), "/spec/requestSize", "type", /string or integer \(got number 1\.5\)/);
  expectIssue(change(base, "/spec/from", "HTTP"), "/spec/from", "type", /must be a mapping/);
});

test("spec: unknown keys", () => {
  expectIssue(change(base, "/spec/limitSise", "10G"), "/spec/limitSise", "additionalProperties", /did you mean "limitSize"\?\); allowed keys: requestSize, limitSize, from/);
  expectIssue(change(base, "/spec/from/http/sha", sha), "/spec/from/http/sha", "additionalProperties", /did you mean "sha256"/);
});

test("bad quantities say what a size looks like", () => {
  for (const q of ["10GB", "1.5G", "10 G", "-1", "G"]) {
    expectIssue(change(base, "/spec/limitSize", q), "/spec/limitSize", "pattern", /a size like "10G".*K, M, G, T, Ki, Mi, Gi or Ti/);
  }
  expectIssue(change(base, "/spec/requestSize", -1), "/spec/requestSize", "minimum", />= 0/);
});

test("bad enums: source type, disk type, deletion policy", () => {
  expectIssue(change(base, "/spec/from/type", "Http"), "/spec/from/type", "enum", /one of Empty, HTTP, BaseImage, BlockStorage \(got "Http"\) \(did you mean "HTTP"\?\)/);
  expectIssue(change(base, "/meta/annotations/blockstoragev0~1type", "local"), "/meta/annotations/blockstoragev0~1type", "enum", /Local, Ceph/);
  expectIssue(change(base, "/meta/annotations/humops~1deletion-policy", "Keep"), "/meta/annotations/humops~1deletion-policy", "enum", /Delete, Retain/);
  expectIssue(change(base, "/meta/annotations/humops~1deletion-polcy", "Retain"), "/meta/annotations/humops~1deletion-polcy", "false schema", /did you mean "humops\/deletion-policy"\?\); known on this kind: humops\/deletion-policy/);
});

test("the source's own block is required by its type", () => {
  expectIssue(change(base, "/spec/from/http", REMOVE), "/spec/from", "required", /missing required key "http"/);
  expectIssue(change(base, "/spec/from", { type: "BaseImage" }), "/spec/from", "required", /"baseImage"/);
  expectIssue(change(base, "/spec/from", { type: "BaseImage", baseImage: { imageName: "ubuntu", tag: "0..1" } }), "/spec/from/baseImage/tag", "not", /tag/);
});

test("bad URL, hash and ids", () => {
  expectIssue(change(base, "/spec/from/http/url", "ftp://host/x.img"), "/spec/from/http/url", "pattern", /http:\/\/ or https:\/\/ URL/);
  expectIssue(change(base, "/spec/from/http/url", "http://"), "/spec/from/http/url", "pattern", /http:\/\/ or https:\/\/ URL/);
  expectIssue(change(base, "/spec/from/http/sha256", "abc"), "/spec/from/http/sha256", "pattern", /64 hexadecimal digits/);
  expectIssue(change(base, "/spec/from", { type: "BlockStorage", blockStorage: { name: "../x" } }), "/spec/from/blockStorage/name", "pattern", /not an id/);
  expectIssue(change(base, "/meta/annotations/blockstoragev0~1node_name", "-w"), "/meta/annotations/blockstoragev0~1node_name", "pattern", /node name/);
});

metaCases(test, base, "namespace");
test.run();
