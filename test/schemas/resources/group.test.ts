import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases } from "./expect.js";

const base = example("00-corev0-group.yaml");
const test = suite("corev0/group schema");

test("the README example and an empty spec are valid", () => {
  expectValid(base);
  expectValid(change(base, "/spec", {}));
});

test("spec: no keys, and it must be a mapping", () => {
  expectIssue(change(base, "/spec", { users: [] }), "/spec/users", "additionalProperties", /unknown key "users"; no keys are allowed here/);
  expectIssue(change(base, "/spec", "x"), "/spec", "type", /must be a mapping \(got "x"\)/);
});

test("a top-level status block is refused", () => {
  expectIssue(change(base, "/status", {}), "/status", "additionalProperties", /unknown key "status"; allowed keys: meta, spec/);
});

metaCases(test, base, "cluster");
test.run();
