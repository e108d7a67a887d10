import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("07-systemv0-image.yaml");
const test = suite("systemv0/image schema");

test("the README example is valid", () => {
  expectValid(base);
  expectValid(change(base, "/spec/entityMap", {}));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/entityMap", ["latest"]), "/spec/entityMap", "type", /must be a mapping \(got a list\)/);
  expectIssue(change(base, "/spec/entityMap/latest", 1), "/spec/entityMap/latest", "type", /must be a string/);
});

test("spec: an unknown key", () => {
  expectIssue(change(base, "/spec/entitymap", {}), "/spec/entitymap", "additionalProperties", /did you mean "entityMap"/);
  expectIssue(change(base, "/spec/entityMap", REMOVE), "/spec", "required", /"entityMap"/);
});

test("bad tags and entity ids", () => {
  expectIssue(change(base, "/spec/entityMap/a..b", "x"), "/spec/entityMap/a..b", "propertyNames", /key "a\.\.b" is not valid: use a tag/);
  expectIssue(change(base, "/spec/entityMap/-x", "x"), "/spec/entityMap/-x", "propertyNames", /not valid/);
  expectIssue(change(base, "/spec/entityMap/latest", "a b"), "/spec/entityMap/latest", "pattern", /not an id/);
});

metaCases(test, base, "group");
test.run();
