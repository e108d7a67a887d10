import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { NodeInventory } from "../../../node-agent/diag/inventory.js";
import { countByState, desiredStates, driftOf, resourceRows } from "../../../node-agent/diag/resource-rows.js";
import type { ObservedResource, ResourceCommand } from "../../../schemas/protocol-types.js";

function cmd(apiType: ResourceCommand["apiType"], id: string, generation = 1, spec: Record<string, unknown> = {}): ResourceCommand {
  return { key: `${apiType}/g/ns/${id}`, apiType, id, group: "g", namespace: "ns", annotations: {}, spec, generation, context: {} };
}
function obs(c: ResourceCommand, state: string, extra: Partial<ObservedResource> = {}): ObservedResource {
  return { key: c.key, apiType: c.apiType, state, generation: c.generation, details: {}, ...extra };
}
function inv(known: ResourceCommand[], observed: ObservedResource[], orphans: Record<string, string[]> = {}): NodeInventory {
  const kinds = [...new Set([...known.map((k) => k.apiType), ...observed.map((o) => o.apiType), ...Object.keys(orphans)])].map((apiType) => ({
    apiType: apiType as ResourceCommand["apiType"],
    resources: observed.filter((o) => o.apiType === apiType),
    orphans: orphans[apiType] ?? [],
  }));
  return { source: "host", readAt: "2026-11-22T00:00:00Z", known, kinds };
}

const net = cmd("systemv0/network", "n1", 3);
const disk = cmd("systemv0/blockstorage", "d1");
const vmOff = cmd("systemv0/virtualmachine", "vm1", 1, { actionState: "PowerOff" });

const T = suite("resourceRows / driftOf");

T("a running download's progress is on its row (nodectl ls, issue #11)", () => {
  const rows = resourceRows(inv([disk], [obs(disk, "Downloading", { details: { progress: { phase: "Downloading", doneBytes: 3 * 1024 * 1024, totalBytes: 8 * 1024 * 1024 } } })]));
  assert.equal(rows[0]!.progress, { phase: "Downloading", doneBytes: 3 * 1024 * 1024, totalBytes: 8 * 1024 * 1024 });
  assert.is(resourceRows(inv([net], [obs(net, "Available")]))[0]!.progress, undefined);
});

T("agreeing resources, a Used disk and a powered-off VM that is Stopped", () => {
  const rows = resourceRows(inv([net, disk, vmOff], [obs(net, "Available"), obs(disk, "Used"), obs(vmOff, "Stopped")]));
  assert.equal(rows.map((r) => [r.id, r.desiredState, r.observedState, r.agree]), [
    ["d1", "Active", "Used", true],
    ["n1", "Available", "Available", true],
    ["vm1", "Stopped", "Stopped", true],
  ]);
  assert.equal(driftOf(inv([net], [obs(net, "Available")])).drift, []);
});

T("missing, NotFound, drifted, older generation, and found without a command", () => {
  const stray = obs(cmd("systemv0/virtualmachine", "ghost"), "Running");
  const i = inv(
    [net, disk, cmd("systemv0/network", "n2"), cmd("systemv0/network", "n3", 5)],
    [obs(net, "Pending", { reason: "Drifted", drift: ["bridge hmbxxx missing"] }), obs(cmd("systemv0/network", "n2"), "Available", { reason: "NotFound" }), obs(cmd("systemv0/network", "n3", 4), "Available"), stray],
  );
  const d = driftOf(i).drift;
  assert.equal(d.map((x) => [x.key.split("/").pop(), x.problems]), [
    ["d1", ["not found on the host"]],
    ["n1", ["bridge hmbxxx missing"]],
    ["n2", ["not found on the host"]],
    ["n3", ["generation 4 applied, 5 declared"]],
    ["ghost", ["on the host but no command declares it"]],
  ]);
  assert.equal(resourceRows(i, "systemv0/blockstorage").map((r) => r.observedState), ["Missing"]);
});

T("a wrong state without drift lines still explains itself", () => {
  const vmOn = cmd("systemv0/virtualmachine", "vm2");
  const d = driftOf(inv([vmOn], [obs(vmOn, "Stopped", { reason: "GuestShutdown", message: "guest stopped" })])).drift;
  assert.equal(d[0]!.problems, ["state Stopped (GuestShutdown: guest stopped), want Running"]);
  assert.equal(desiredStates(vmOn), ["Running"]);
});

T("orphans and driver errors are reported per kind; counts by state", () => {
  const i: NodeInventory = { ...inv([net], [obs(net, "Available")], { "systemv0/virtualmachine": ["tap:hmtaaaaaaaaaaaa"] }) };
  const withErr: NodeInventory = { ...i, kinds: [...i.kinds, { apiType: "systemv0/virtualrouter", resources: [], orphans: [], error: "ip failed" }] };
  const d = driftOf(withErr);
  assert.equal(d.orphans, [{ apiType: "systemv0/virtualmachine", object: "tap:hmtaaaaaaaaaaaa" }]);
  assert.equal(d.errors, [{ apiType: "systemv0/virtualrouter", error: "ip failed" }]);
  assert.equal(countByState(resourceRows(inv([net, disk], [obs(net, "Available")]))), { "systemv0/blockstorage": { Missing: 1 }, "systemv0/network": { Available: 1 } });
});

T.run();
