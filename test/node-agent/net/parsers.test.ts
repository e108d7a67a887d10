import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  commentOf, parseBridgeFdbJson, parseDefaultGateway, parseIpLinkJson, parseIptablesSave, parseNetnsListJson, splitRule,
} from "../../../node-agent/net/parsers.js";

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

const P = suite("net parsers (outputs captured from a real kernel)");

P("parseIpLinkJson: kinds, master, vxlan data, addresses from ip -d -j addr show", () => {
  const links = parseIpLinkJson(fixture("ip-addr-d.json"));
  const by = new Map(links.map((l) => [l.name, l]));
  assert.equal(links.map((l) => l.name), ["lo", "ul1", "ul0", "hmbdtjadjuc7lmc", "hmxujzhiquahrx6", "hmxbbbbbbbbbbbb"]);
  assert.equal(by.get("hmxujzhiquahrx6")?.vxlan, { id: 100, group: "239.0.0.1", dev: "ul0", port: 4789 });
  assert.equal(by.get("hmxbbbbbbbbbbbb")?.vxlan, { id: 101, local: "198.18.0.1", dev: "ul0", port: 4789 });
  assert.is(by.get("hmxujzhiquahrx6")?.master, "hmbdtjadjuc7lmc");
  assert.is(by.get("hmxujzhiquahrx6")?.isUp, true);
  assert.is(by.get("hmxbbbbbbbbbbbb")?.isUp, false);
  assert.is(by.get("hmbdtjadjuc7lmc")?.kind, "bridge");
  assert.equal(by.get("hmbdtjadjuc7lmc")?.addresses.filter((a) => a.family === "inet"), [{ family: "inet", address: "198.19.0.1", prefix: 24, scope: "global" }]);
  assert.is(by.get("ul0")?.kind, "veth");
  assert.is(by.get("ul0")?.parent, "ul1");
});

P("parseIpLinkJson: plain ip -j link show has no kind and no addresses", () => {
  const links = parseIpLinkJson(fixture("ip-link.json"));
  assert.is(links.length, 6);
  assert.ok(links.every((l) => l.kind === undefined && l.addresses.length === 0));
  assert.is(links.find((l) => l.name === "hmxujzhiquahrx6")?.master, "hmbdtjadjuc7lmc");
  assert.equal(parseIpLinkJson(""), []);
  assert.throws(() => parseIpLinkJson("{}"), SyntaxError);
});

P("parseBridgeFdbJson: whole table and per device", () => {
  const all = parseBridgeFdbJson(fixture("bridge-fdb.json"));
  const zero = all.filter((e) => e.mac === "00:00:00:00:00:00");
  assert.equal(zero, [
    { mac: "00:00:00:00:00:00", dev: "hmxujzhiquahrx6", dst: "239.0.0.1", state: "permanent" },
    { mac: "00:00:00:00:00:00", dev: "hmxbbbbbbbbbbbb", dst: "198.18.0.2", state: "permanent" },
    { mac: "00:00:00:00:00:00", dev: "hmxbbbbbbbbbbbb", dst: "198.18.0.3", state: "permanent" },
  ]);
  const dev = parseBridgeFdbJson(fixture("bridge-fdb-dev.json"), "hmxbbbbbbbbbbbb");
  assert.equal(dev.map((e) => [e.dev, e.dst]), [["hmxbbbbbbbbbbbb", "198.18.0.2"], ["hmxbbbbbbbbbbbb", "198.18.0.3"]]);
});

P("parseIptablesSave: chains and rules of the nat table, comments and counters dropped", () => {
  const t = parseIptablesSave(fixture("iptables-save-nat.txt"))["nat"]!;
  assert.equal(t.chains, ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", "HUMOPS-POSTROUTING"]);
  assert.equal(t.rules, [
    "-A POSTROUTING -j HUMOPS-POSTROUTING",
    "-A POSTROUTING -s 10.9.0.0/16 -j MASQUERADE",
    '-A HUMOPS-POSTROUTING -s 198.19.0.0/24 ! -d 198.19.0.0/24 -m comment --comment "systemv0/network/g1/ns1/net1" -j MASQUERADE',
    '-A HUMOPS-POSTROUTING -s 198.19.9.0/24 ! -d 198.19.9.0/24 -m comment --comment "systemv0/network/g1/ns1/gone" -j MASQUERADE',
  ]);
  assert.equal(parseIptablesSave(""), {});
});

P("splitRule and commentOf honour quotes", () => {
  assert.equal(splitRule('-A X -m comment --comment "a b \\"c\\"" -j Y'), ["-A", "X", "-m", "comment", "--comment", 'a b "c"', "-j", "Y"]);
  assert.equal(splitRule('-A X --comment ""'), ["-A", "X", "--comment", ""]);
  assert.is(commentOf('-A HUMOPS-POSTROUTING -m comment --comment "systemv0/network/g/n/x" -j MASQUERADE'), "systemv0/network/g/n/x");
  assert.is(commentOf("-A POSTROUTING -j MASQUERADE"), undefined);
});

P("parseNetnsListJson and parseDefaultGateway", () => {
  assert.equal(parseNetnsListJson(fixture("ip-netns-list.json")), ["h5nsB938", "h5nsA938"]);
  assert.equal(parseNetnsListJson(""), []);
  assert.is(parseDefaultGateway(fixture("ip-route-default.json")), "198.18.0.254");
  assert.is(parseDefaultGateway("[]"), undefined);
});

P.run();
