import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("05-systemv0-virtualrouter.yaml");
const fwd = { destAddress: "192.168.10.200", destPort: 2222, toDestAddress: "10.0.0.1", toDestPort: 22 };
const test = suite("systemv0/virtualrouter schema");

test("the README example is valid, with port forwards too", () => {
  expectValid(base);
  expectValid(change(base, "/spec/dnatRules", [fwd, { ...fwd, destPort: 53, toDestPort: 53, protocol: "udp" }]));
  expectValid(change(base, "/meta/annotations", REMOVE));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/nics", { networkID: "net1" }), "/spec/nics", "type", /must be a list \(got a mapping\)/);
  expectIssue(change(base, "/spec/dnatRules", [{ ...fwd, destPort: "2222" }]), "/spec/dnatRules/0/destPort", "type", /must be an integer/);
});

test("spec: unknown keys, nested too", () => {
  expectIssue(change(base, "/spec/natGatewayIp", "1.2.3.4"), "/spec/natGatewayIp", "additionalProperties", /did you mean "natGatewayIP"/);
  expectIssue(change(base, "/spec/nics/0/ipv4", "10.0.0.1/24"), "/spec/nics/0/ipv4", "additionalProperties", /allowed keys: networkID, ipv4Address/);
  expectIssue(change(base, "/spec/dnatRules", [{ ...fwd, proto: "tcp" }]), "/spec/dnatRules/0/proto", "additionalProperties", /did you mean "protocol"/);
});

test("spec: a bad protocol, port, address", () => {
  expectIssue(change(base, "/spec/dnatRules", [{ ...fwd, protocol: "sctp" }]), "/spec/dnatRules/0/protocol", "enum", /one of tcp, udp/);
  expectIssue(change(base, "/spec/dnatRules", [{ ...fwd, toDestPort: 70000 }]), "/spec/dnatRules/0/toDestPort", "maximum", /<= 65535/);
  expectIssue(change(base, "/spec/nics/0/ipv4Address", "10.0.0.254"), "/spec/nics/0/ipv4Address", "pattern", /interface address like 10\.0\.0\.254\/24/);
  expectIssue(change(base, "/spec/externalIPs/0/bindInternalIPv4Address", "10.0.0.1/24"), "/spec/externalIPs/0/bindInternalIPv4Address", "format", /IPv4 address/);
  expectIssue(change(base, "/spec/externalGateway", "gw"), "/spec/externalGateway", "format", /IPv4 address/);
});

test("spec: bad ids and node name", () => {
  expectIssue(change(base, "/spec/nics/0/networkID", "net 1"), "/spec/nics/0/networkID", "pattern", /not an id/);
  expectIssue(change(base, "/spec/externalIPs/0/externalIPID", REMOVE), "/spec/externalIPs/0", "required", /"externalIPID"/);
  expectIssue(change(base, "/meta/annotations/virtualrouterv0~1node_name", "worker2.example.com"), "/meta/annotations/virtualrouterv0~1node_name", "pattern", /node name .* without dots/);
});

test("spec: humstack's unimplemented natRules are refused", () => {
  expectIssue(change(base, "/spec/natRules", [{}]), "/spec/natRules", "maxItems", /must NOT have more than 0 items/);
});

metaCases(test, base, "namespace");
test.run();
