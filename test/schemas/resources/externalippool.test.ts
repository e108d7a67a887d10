import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("02-corev0-externalippool.yaml");
const test = suite("corev0/externalippool schema");

test("the README example is valid", () => {
  expectValid(base);
  expectValid(change(base, "/spec/ipv6CIDR", "2001:db8::/64"));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/ipv4CIDR", 10), "/spec/ipv4CIDR", "type", /must be a string/);
  expectIssue(change(base, "/spec", []), "/spec", "type", /must be a mapping \(got a list\)/);
});

test("spec: an unknown key", () => {
  expectIssue(change(base, "/spec/bridge", "exBr"), "/spec/bridge", "additionalProperties", /did you mean "bridgeName"/);
});

test("spec: bad CIDR, gateway and bridge name say what is expected", () => {
  expectIssue(change(base, "/spec/ipv4CIDR", "192.168.10.0"), "/spec/ipv4CIDR", "pattern", /IPv4 CIDR like 10\.0\.0\.0\/24/);
  expectIssue(change(base, "/spec/ipv4CIDR", "192.168.10.0/33"), "/spec/ipv4CIDR", "pattern", /prefix length 0-32/);
  expectIssue(change(base, "/spec/defaultGateway", "192.168.10.256"), "/spec/defaultGateway", "format", /IPv4 address like/);
  expectIssue(change(base, "/spec/bridgeName", "a-very-long-bridge"), "/spec/bridgeName", "pattern", /1-15/);
  expectIssue(change(base, "/spec/bridgeName", "br;rm"), "/spec/bridgeName", "pattern", /Linux interface name/);
  expectIssue(change(base, "/spec/bridgeName", "a..b"), "/spec/bridgeName", "not", /without '\.\.'/);
});

test("spec: required keys", () => {
  expectIssue(change(base, "/spec/bridgeName", REMOVE), "/spec", "required", /missing required key "bridgeName"/);
  expectIssue(change(base, "/spec", REMOVE), "", "required", /missing required key "spec"/);
});

metaCases(test, base, "cluster");
test.run();
