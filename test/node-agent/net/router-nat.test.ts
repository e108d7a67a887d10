import { suite } from "uvu";
import * as assert from "uvu/assert";
import { renderRouterNat } from "../../../node-agent/net/router-nat.js";
import { readRouterSpec } from "../../../node-agent/net/router-spec.js";
import type { RouterContext } from "../../../node-agent/net/context.js";

const ctx: RouterContext = {
  externalBridge: "exBr",
  externalPrefix: 24,
  externalIPs: [{ externalIPID: "eip1", address: "192.168.10.100", prefix: 24, bindInternalIPv4Address: "10.0.0.1" }],
  networks: { net1: { group: "group1", namespace: "ns1", ipv4CIDR: "10.0.0.0/24" }, net2: { group: "group1", namespace: "ns1", ipv4CIDR: "10.0.1.0/24" } },
};

const N = suite("renderRouterNat");

N("the humstack README router: 1:1 NAT for eip1, SNAT of net1 to natGatewayIP", () => {
  const spec = readRouterSpec("r", {
    externalGateway: "192.168.10.254",
    externalIPs: [{ externalIPID: "eip1", bindInternalIPv4Address: "10.0.0.1" }],
    natGatewayIP: "192.168.10.200",
    nics: [{ networkID: "net1", ipv4Address: "10.0.0.254/24" }],
  });
  assert.is(
    renderRouterNat(spec, ctx),
    [
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      ":INPUT ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      ":POSTROUTING ACCEPT [0:0]",
      '-A PREROUTING -d 192.168.10.100/32 -m comment --comment "eip:eip1" -j DNAT --to-destination 10.0.0.1',
      '-A POSTROUTING -s 10.0.0.1/32 -o ext0 -m comment --comment "eip:eip1" -j SNAT --to-source 192.168.10.100',
      '-A POSTROUTING -s 10.0.0.0/24 -o ext0 -m comment --comment "nic:net1" -j SNAT --to-source 192.168.10.200',
      "COMMIT",
      "",
    ].join("\n"),
  );
});

N("port forwards: TCP and UDP unless the rule names one; destAddress defaults to natGatewayIP (with /nn stripped)", () => {
  const spec = readRouterSpec("r", {
    externalGateway: "192.168.10.254",
    natGatewayIP: "192.168.10.200/24",
    nics: [{ networkID: "net1", ipv4Address: "10.0.0.254/24" }, { networkID: "net2", ipv4Address: "10.0.1.254/24" }],
    dnatRules: [
      { destPort: 2222, toDestAddress: "10.0.0.5", toDestPort: 22, protocol: "tcp" },
      { destAddress: "192.168.10.201", destPort: 53, toDestAddress: "10.0.1.5", toDestPort: 53 },
    ],
  });
  const rules = renderRouterNat(spec, { ...ctx, externalIPs: [] }).split("\n").filter((l) => l.startsWith("-A"));
  assert.equal(rules, [
    '-A PREROUTING -d 192.168.10.200/32 -i ext0 -p tcp -m tcp --dport 2222 -m comment --comment "dnat:0" -j DNAT --to-destination 10.0.0.5:22',
    '-A PREROUTING -d 192.168.10.201/32 -i ext0 -p tcp -m tcp --dport 53 -m comment --comment "dnat:1" -j DNAT --to-destination 10.0.1.5:53',
    '-A PREROUTING -d 192.168.10.201/32 -i ext0 -p udp -m udp --dport 53 -m comment --comment "dnat:1" -j DNAT --to-destination 10.0.1.5:53',
    '-A POSTROUTING -s 10.0.0.0/24 -o ext0 -m comment --comment "nic:net1" -j SNAT --to-source 192.168.10.200',
    '-A POSTROUTING -s 10.0.1.0/24 -o ext0 -m comment --comment "nic:net2" -j SNAT --to-source 192.168.10.200',
  ]);
});

N("readRouterSpec refuses bad addresses and ports with coded errors", () => {
  const base = { externalGateway: "192.168.10.254", natGatewayIP: "192.168.10.200", nics: [] };
  const code = (spec: Record<string, unknown>): string | undefined => {
    try {
      readRouterSpec("r", spec);
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  assert.is(code(base), undefined);
  assert.is(code({ ...base, externalGateway: "192.168.10.300" }), "INVALID_ADDRESS");
  assert.is(code({ ...base, natGatewayIP: "1.2.3.4/33" }), "INVALID_ADDRESS");
  assert.is(code({ ...base, nics: [{ networkID: "n", ipv4Address: "10.0.0.1" }] }), "INVALID_ADDRESS");
  assert.is(code({ ...base, dnatRules: [{ destPort: 0, toDestAddress: "10.0.0.1", toDestPort: 1 }] }), "INVALID_NET_SPEC");
  assert.is(code({ ...base, dnatRules: [{ destPort: 1, toDestAddress: "10.0.0.1", toDestPort: 1, protocol: "sctp" }] }), "INVALID_NET_SPEC");
  assert.is(code({ ...base, externalGateway: "-j ACCEPT" }), "INVALID_ADDRESS");
});

N.run();
