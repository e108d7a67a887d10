import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("03-corev0-externalip.yaml");
const test = suite("corev0/externalip schema");

test("the README example is valid; the address may be left to the pool", () => {
  expectValid(base);
  expectValid(change(change(base, "/spec/ipv4Address", REMOVE), "/spec/ipv4Prefix", REMOVE));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/ipv4Prefix", "24"), "/spec/ipv4Prefix", "type", /must be an integer \(got "24"\)/);
  expectIssue(change(base, "/spec/ipv4Prefix", 33), "/spec/ipv4Prefix", "maximum", /<= 32/);
});

test("spec: an unknown key", () => {
  expectIssue(change(base, "/spec/poolId", "eippool"), "/spec/poolId", "additionalProperties", /did you mean "poolID"/);
});

test("spec: a bad address and a bad pool id", () => {
  expectIssue(change(base, "/spec/ipv4Address", "192.168.10.100/24"), "/spec/ipv4Address", "format", /IPv4 address like 10\.0\.0\.1/);
  expectIssue(change(base, "/spec/poolID", "../pool"), "/spec/poolID", "pattern", /not an id/);
  expectIssue(change(base, "/spec/poolID", REMOVE), "/spec", "required", /"poolID"/);
});

metaCases(test, base, "namespace");
test.run();
