import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases } from "./expect.js";

const base = example("01-corev0-namespace.yaml");
const test = suite("corev0/namespace schema");

test("the README example is valid", () => {
  expectValid(base);
});

test("spec: no keys", () => {
  expectIssue(change(base, "/spec/quota", 1), "/spec/quota", "additionalProperties", /unknown key "quota"/);
});

test("a wrong apiType type is one clear error", () => {
  expectIssue(change(base, "/meta/apiType", 3), "/meta/apiType", "enum", /unknown apiType 3; known apiTypes: corev0\/group/);
});

metaCases(test, base, "group");
test.run();
