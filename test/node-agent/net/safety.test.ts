import { suite } from "uvu";
import * as assert from "uvu/assert";
import { deviceName, humopsIfName, ipv4, ipv4Cidr, ipv4WithPrefix, natComment } from "../../../node-agent/net/safety.js";
import { readNetworkContext, readRouterContext } from "../../../node-agent/net/context.js";

const S = suite("net safety checks and contexts");

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

S("interface names: humops names and safe configured devices only", () => {
  assert.is(humopsIfName("x", "hmbaaaaaaaaaaaa"), "hmbaaaaaaaaaaaa");
  assert.is(codeOf(() => humopsIfName("x", "eth0")), "UNSAFE_NAME");
  for (const ok of ["eth0", "exBr", "bond0.100", "en_p1-s0"]) assert.is(deviceName("d", ok), ok);
  for (const bad of ["", "-x", "a b", "eth0;id", "sixteen-chars-xx", "..", "a/b", "ext$0"]) assert.is(codeOf(() => deviceName("d", bad)), "UNSAFE_NAME", bad);
});

S("addresses: ipaddr.js decides, prefixes 0..32, networks normalised", () => {
  assert.is(ipv4("a", "10.0.0.1"), "10.0.0.1");
  for (const bad of ["10.0.0", "10.0.0.256", "::1", "0x0a.0.0.1", "-j", "10.0.0.1 "]) assert.is(codeOf(() => ipv4("a", bad)), "INVALID_ADDRESS", bad);
  assert.equal(ipv4Cidr("c", "10.0.0.254/24"), { address: "10.0.0.254", prefix: 24, network: "10.0.0.0/24" });
  for (const bad of ["10.0.0.1", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/2x"]) assert.is(codeOf(() => ipv4Cidr("c", bad)), "INVALID_ADDRESS", bad);
  assert.equal(ipv4WithPrefix("n", "192.168.10.200", 24), { address: "192.168.10.200", prefix: 24, network: "192.168.10.0/24" });
  assert.is(natComment("systemv0/network/g/ns/n-1.x"), "systemv0/network/g/ns/n-1.x");
  assert.is(codeOf(() => natComment('a" -j ACCEPT')), "UNSAFE_NAME");
});

S("contexts: shapes and addresses checked", () => {
  assert.equal(readNetworkContext("k", undefined), {});
  assert.equal(readNetworkContext("k", { peers: ["198.18.0.2"] }), { peers: ["198.18.0.2"] });
  assert.is(codeOf(() => readNetworkContext("k", { peers: "198.18.0.2" })), "INVALID_NET_SPEC");
  assert.is(codeOf(() => readNetworkContext("k", { peers: ["x"] })), "INVALID_ADDRESS");
  const ok = { externalBridge: "exBr", externalPrefix: 24, externalIPs: [], networks: { n: { group: "g", namespace: "ns", ipv4CIDR: "10.0.0.7/24" } } };
  assert.equal(readRouterContext("k", ok).networks, { n: { group: "g", namespace: "ns", ipv4CIDR: "10.0.0.0/24" } });
  assert.is(codeOf(() => readRouterContext("k", { ...ok, externalPrefix: 33 })), "INVALID_NET_SPEC");
  assert.is(codeOf(() => readRouterContext("k", { ...ok, externalIPs: [{ externalIPID: "e", address: "1.2.3.4", prefix: 24 }] })), "INVALID_NET_SPEC");
  assert.is(codeOf(() => readRouterContext("k", null)), "INVALID_NET_SPEC");
});

S.run();
