import { suite } from "uvu";
import * as assert from "uvu/assert";
import { opsToCommands } from "../../../node-agent/net/ops.js";
import type { Op } from "../../../node-agent/net/ops.js";

const O = suite("opsToCommands");

O("batches by tool in a fixed order, one ip batch per namespace, order kept inside a batch", () => {
  const ops: Op[] = [
    { why: "w", tool: "nat", line: "-A X -j Y" },
    { why: "w", tool: "ip", line: "link add a type bridge", netns: "hmraaaaaaaaaaaa" },
    { why: "w", tool: "ip", line: "link add b type bridge" },
    { why: "w", tool: "netns-del", line: "hmrbbbbbbbbbbbb" },
    { why: "w", tool: "bridge", line: "fdb append 00:00:00:00:00:00 dev x dst 1.2.3.4" },
    { why: "w", tool: "ip", line: "link set b up" },
    { why: "w", tool: "exec", line: "sysctl", command: { argv: ["sysctl", "-w", "a=1"] } },
    { why: "w", tool: "netns-add", line: "hmraaaaaaaaaaaa" },
  ];
  assert.equal(opsToCommands(ops, { mountNsPid: 7 }), [
    { argv: ["nsenter", "--target", "7", "--mount", "--", "ip", "netns", "add", "hmraaaaaaaaaaaa"] },
    { argv: ["ip", "-batch", "-"], stdin: "link add b type bridge\nlink set b up\n" },
    { argv: ["ip", "-n", "hmraaaaaaaaaaaa", "-batch", "-"], stdin: "link add a type bridge\n" },
    { argv: ["bridge", "-batch", "-"], stdin: "fdb append 00:00:00:00:00:00 dev x dst 1.2.3.4\n" },
    { argv: ["iptables-restore", "-w", "--noflush"], stdin: "*nat\n-A X -j Y\nCOMMIT\n" },
    { argv: ["sysctl", "-w", "a=1"] },
    { argv: ["nsenter", "--target", "7", "--mount", "--", "ip", "netns", "del", "hmrbbbbbbbbbbbb"] },
  ]);
});

O("no ops, no commands; without mountNsPid netns commands run as is", () => {
  assert.equal(opsToCommands([]), []);
  assert.equal(opsToCommands([{ why: "w", tool: "netns-add", line: "hmraaaaaaaaaaaa" }]), [{ argv: ["ip", "netns", "add", "hmraaaaaaaaaaaa"] }]);
});

O.run();
