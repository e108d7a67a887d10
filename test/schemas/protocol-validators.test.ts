import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  formatIssues,
  parseCommandReply,
  parseNodeCommand,
  parseNodeHeartbeat,
  parseNodeInventory,
  parseNodeRegistration,
} from "../../schemas/protocol-validators.js";
import type { CommandRejection, CommandResult, NodeCommand, NodeInventory, NodeRegistration } from "../../schemas/protocol/messages.js";

// Typed samples: the hand-written types and the schemas must accept the same messages.
const command: NodeCommand = {
  commandId: "r12:systemv0/virtualmachine/g1/ns1/vm1:3", op: "apply", key: "systemv0/virtualmachine/g1/ns1/vm1",
  apiType: "systemv0/virtualmachine", id: "vm1", group: "g1", namespace: "ns1", annotations: { "virtualmachinev0/node_name": "n1" },
  spec: { vcpus: "1000m", memory: "1G" }, generation: 3, context: { networks: [] },
};
const result: CommandResult = {
  commandId: "c1", key: "corev0/group/g1", ok: true, durationMs: 12.5,
  observed: { key: "corev0/group/g1", apiType: "corev0/group", state: "Active", generation: 1, details: {}, node: "n1", drift: [], spec: {} },
};
const failed: CommandResult = { commandId: "c2", key: "corev0/group/g1", ok: false, reason: "CommandFailed", message: "ip exited 2", durationMs: 3 };
const rejection: CommandRejection = { rejected: true, reason: "InvalidMessage", message: "/op must be ..." };
const registration: NodeRegistration = { name: "node_1-a", address: "198.18.0.1", capacity: { vcpus: 0.5, memoryBytes: 1024 }, agentVersion: "0.1.0", accelerator: "kvm" };
const inventory: NodeInventory = { node: "n1", resources: [result.observed!], orphans: ["hmb1234"] };

const V = suite("protocol validators");

V("typed messages validate", () => {
  for (const [name, r] of [
    ["command", parseNodeCommand(command)], ["result", parseCommandReply(result)], ["failed", parseCommandReply(failed)],
    ["rejection", parseCommandReply(rejection)], ["registration", parseNodeRegistration(registration)],
    ["heartbeat", parseNodeHeartbeat({ node: "n1", seq: 0 })], ["inventory", parseNodeInventory(inventory)],
  ] as const) {
    assert.ok(r.ok, `${name}: ${r.ok ? "" : formatIssues(r.errors)}`);
  }
});

V("strict: unknown keys, wrong types, bad names and a failure without reason are invalid, with the path", () => {
  const cases: Array<[string, { ok: boolean; errors?: Array<{ instancePath: string }> }, string]> = [
    ["extra key", parseNodeCommand({ ...command, extra: 1 }), ""],
    ["bad op", parseNodeCommand({ ...command, op: "destroy" }), "/op"],
    ["bad apiType", parseNodeCommand({ ...command, apiType: "systemv0/node" }), "/apiType"],
    ["bad key", parseNodeCommand({ ...command, key: "nope" }), "/key"],
    ["fractional generation", parseNodeCommand({ ...command, generation: 1.5 }), "/generation"],
    ["annotation not a string", parseNodeCommand({ ...command, annotations: { a: 1 } }), "/annotations/a"],
    ["node name with a dot", parseNodeRegistration({ ...registration, name: "a.b" }), "/name"],
    ["wildcard node", parseNodeHeartbeat({ node: "*", seq: 1 }), "/node"],
    ["bad accelerator", parseNodeRegistration({ ...registration, accelerator: "hvf" }), "/accelerator"],
    ["reason not PascalCase", parseCommandReply({ ...failed, reason: "command failed" }), ""],
    ["failure without reason", parseCommandReply({ commandId: "c", key: "corev0/group/g", ok: false, durationMs: 1 }), ""],
    ["observed without state", parseNodeInventory({ ...inventory, resources: [{ ...result.observed!, state: "" }] }), "/resources/0/state"],
  ];
  for (const [name, r, path] of cases) {
    assert.is(r.ok, false, name);
    if (path) assert.ok(r.errors?.some((e) => e.instancePath === path), `${name}: ${JSON.stringify(r.errors)}`);
  }
});

V.run();
