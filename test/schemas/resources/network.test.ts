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

test("Bridge: spec.id is not used, so any value humstack accepted is valid, \"0\" included (issue #13)", () => {
  const bridge = change(base, "/meta/annotations/networkv0~1network_type", "Bridge");
  for (const id of ["0", 0, "", "00", "-1", "bridge-a", "br 0", 1.5, -3, 99999999999, "100"]) expectValid(change(bridge, "/spec/id", id), `id ${JSON.stringify(id)}`);
  expectValid(change(bridge, "/spec/id", REMOVE), "no id");
  // No network_type annotation: the network is a Bridge (the loader warns), so the same holds.
  expectValid(change(change(base, "/meta/annotations", {}), "/spec/id", "0"), "untyped");
});

test("Bridge: what is unsafe to print or store is still refused", () => {
  const bridge = change(base, "/meta/annotations/networkv0~1network_type", "Bridge");
  expectIssue(change(bridge, "/spec/id", "0\nx"), "/spec/id", "pattern", /printable/);
  expectIssue(change(bridge, "/spec/id", "\u001b[31m"), "/spec/id", "pattern", /printable/);
  expectIssue(change(bridge, "/spec/id", "9".repeat(254)), "/spec/id", "maxLength", /253/);
  expectIssue(change(bridge, "/spec/id", true), "/spec/id", "type", /string or number/);
  expectIssue(change(bridge, "/spec/id", { a: 1 }), "/spec/id", "type", /string or number/);
});

test("VXLAN and VLAN: spec.id stays required and strict", () => {
  const vlan = change(base, "/meta/annotations/networkv0~1network_type", "VLAN");
  for (const doc of [base, vlan]) {
    expectIssue(change(doc, "/spec/id", "0"), "/spec/id", "pattern", /VNI or VLAN id|VLAN id 1-4094/);
    expectIssue(change(doc, "/spec/id", 0), "/spec/id", "minimum", />= 1/);
    expectIssue(change(doc, "/spec/id", -1), "/spec/id", "minimum", />= 1/);
    expectIssue(change(doc, "/spec/id", "bridge-a"), "/spec/id", "pattern", /VNI or VLAN id|VLAN id 1-4094/);
    expectIssue(change(doc, "/spec/id", REMOVE), "/spec", "required", /"id"/);
  }
});

metaCases(test, base, "namespace");
test.run();
