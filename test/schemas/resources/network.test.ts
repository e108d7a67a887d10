import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("04-systemv0-network.yaml");
const test = suite("systemv0/network schema");

test("the README example is valid; id as a string or an integer", () => {
  expectValid(base);
  expectValid(change(base, "/spec/id", 100));
  expectValid(change(base, "/meta/annotations", {}));
  expectValid(change(base, "/meta/annotations/networkv0~1default_gateway", "10.0.0.254/24"));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/id", true), "/spec/id", "type", /must be a string or integer \(got boolean true\)/);
  expectIssue(change(base, "/spec/id", 1.5), "/spec/id", "type", /string or integer/);
});

test("spec: an unknown key", () => {
  expectIssue(change(base, "/spec/ipv4Cidr", "10.0.0.0/24"), "/spec/ipv4Cidr", "additionalProperties", /did you mean "ipv4CIDR"/);
});

test("annotations: network type is an enum, default gateway an interface address", () => {
  expectIssue(change(base, "/meta/annotations/networkv0~1network_type", "vxlan"), "/meta/annotations/networkv0~1network_type", "enum", /one of VXLAN, VLAN, Bridge \(got "vxlan"\) \(did you mean "VXLAN"\?\)/);
  expectIssue(change(base, "/meta/annotations/networkv0~1default_gateway", "10.0.0.254"), "/meta/annotations/networkv0~1default_gateway", "pattern", /interface address like 10\.0\.0\.254\/24/);
});

test("spec: ids of the VNI/VLAN range", () => {
  expectIssue(change(base, "/spec/id", "0"), "/spec/id", "pattern", /positive whole number/);
  expectIssue(change(base, "/spec/id", "1e3"), "/spec/id", "pattern", /positive whole number/);
  expectIssue(change(base, "/spec/id", 16777216), "/spec/id", "maximum", /<= 16777215/);
  const vlan = change(base, "/meta/annotations/networkv0~1network_type", "VLAN");
  expectValid(change(vlan, "/spec/id", "4094"));
  expectIssue(change(vlan, "/spec/id", "4095"), "/spec/id", "pattern", /VLAN id 1-4094/);
  expectIssue(change(vlan, "/spec/id", 5000), "/spec/id", "maximum", /<= 4094/);
  expectValid(change(base, "/spec/id", "5000"));
});

test("spec: CIDR and required keys", () => {
  expectIssue(change(base, "/spec/ipv4CIDR", "10.0.0/24"), "/spec/ipv4CIDR", "pattern", /IPv4 CIDR/);
  expectIssue(change(base, "/spec/ipv6CIDR", "zz::/64"), "/spec/ipv6CIDR", "pattern", /IPv6 CIDR/);
  expectIssue(change(base, "/spec/id", REMOVE), "/spec", "required", /"id"/);
});

metaCases(test, base, "namespace");
test.run();
