import { suite } from "uvu";
import * as assert from "uvu/assert";
import { planWork, type WorkInput } from "../../../reconciler/controller/plan-work.js";
import { RecentResults } from "../../../reconciler/controller/recent-results.js";
import type { DesiredResource, LoadResult } from "../../../reconciler/manifest/types.js";
import type { ResourceStatus } from "../../../reconciler/status/types.js";
import { resourceKey, type ApiType, type ResourceKey } from "../../../schemas/kinds.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";
import { nextGeneration, specHash } from "../../../reconciler/controller/generations.js";

function res(apiType: ApiType, id: string, spec: Record<string, unknown> = {}, file = "m.yaml"): DesiredResource {
  const ref = { apiType, id, group: "g", namespace: "ns" };
  return { ...ref, key: resourceKey(ref), meta: ref, spec, source: { file, line: 1, column: 1 }, positions: {} };
}
const obs = (r: { key: ResourceKey; apiType: ApiType }, generation: number, state = "Active"): ObservedResource => ({ key: r.key, apiType: r.apiType, state, generation, details: {} });
const load = (rs: DesiredResource[], o: Partial<LoadResult> = {}): LoadResult => ({ resources: new Map(rs.map((r) => [r.key, r])), diagnostics: [], failedFiles: new Set(), invalidKeys: new Set(), ...o });
const prevStatus = (key: ResourceKey, apiType: ApiType, path: string): ResourceStatus =>
  ({ key, apiType, id: "x", source: { path, commit: "c" }, observedCommit: "c", state: "Active", ready: true, conditions: [], generation: 1, specHash: "h", details: {} });

function input(o: Partial<WorkInput>): WorkInput {
  return { load: load([]), generations: new Map(), placement: new Map(), observed: new Map(), clusterApplied: new Map(), previous: new Map(), stalled: new Map(), ...o };
}

const pw = suite("planWork");

pw("applies what is missing, outdated or drifted; nothing for what matches", () => {
  const net = res("systemv0/network", "n1");
  const disk = res("systemv0/blockstorage", "d1");
  const vm = res("systemv0/virtualmachine", "vm1", { actionState: "PowerOn", blockStorageIDs: ["d1"], nics: [{ networkID: "n1" }] });
  const items = planWork(input({
    load: load([net, disk, vm]),
    generations: new Map([[net.key, 1], [disk.key, 2], [vm.key, 1]]),
    placement: new Map([[net.key, ["a"]], [disk.key, ["a"]], [vm.key, ["a"]]]),
    observed: new Map([["a", new Map([[net.key, obs(net, 1)], [disk.key, obs(disk, 1)], [vm.key, obs(vm, 1, "Stopped")]])]]),
  }));
  assert.equal(items.map((i) => [i.key, i.reason]), [[disk.key, "Update"], [vm.key, "DriftCorrected"]]);
  assert.ok(items[1]!.dependsOn.includes(disk.key) && items[1]!.dependsOn.includes(net.key));
});

pw("a new restart-requested-at value is one apply (Update) to the VM's node, never a delete; the same value is none", () => {
  const spec = { actionState: "PowerOn", blockStorageIDs: [], nics: [] };
  const vmAt = (v: string): DesiredResource => {
    const r = res("systemv0/virtualmachine", "vm1", spec);
    return { ...r, meta: { ...r.meta, annotations: { "humops/restart-requested-at": v } } };
  };
  const prev = { generation: 3, specHash: specHash(spec, { "humops/restart-requested-at": "t1" }) };
  const plan = (r: DesiredResource) => {
    const generation = nextGeneration(prev, specHash(r.spec, r.meta.annotations));
    return planWork(input({ load: load([r]), generations: new Map([[r.key, generation]]), placement: new Map([[r.key, ["a"]]]), observed: new Map([["a", new Map([[r.key, obs(r, 3, "Running")]])]]) }));
  };
  const items = plan(vmAt("t2"));
  assert.equal(items.map((i) => [i.op, i.node, i.reason, i.generation]), [["apply", "a", "Update", 4]]);
  assert.is(items[0]!.desired?.meta.annotations?.["humops/restart-requested-at"], "t2", "the agent gets the value and compares it with the one it handled");
  assert.equal(plan(vmAt("t1")), []);
});

pw("never deletes what a failed file or an invalid document declared; a stalled generation is not retried", () => {
  const kept = res("systemv0/network", "kept");
  const gone = res("systemv0/network", "gone");
  const bad = res("systemv0/virtualmachine", "bad");
  const items = planWork(input({
    load: load([bad], { failedFiles: new Set(["broken.yaml"]), invalidKeys: new Set([gone.key]) }),
    generations: new Map([[bad.key, 3]]),
    placement: new Map([[bad.key, ["a"]]]),
    stalled: new Map([[bad.key, 3]]),
    observed: new Map([["a", new Map([[kept.key, obs(kept, 1)], [gone.key, obs(gone, 1)]])]]),
    previous: new Map([[kept.key, prevStatus(kept.key, kept.apiType, "broken.yaml")]]),
  }));
  assert.equal(items, []);
});

pw("deletes: a VM before its disk on the same node; a resource found without a command is left alone", () => {
  const disk = res("systemv0/blockstorage", "d1");
  const vm = res("systemv0/virtualmachine", "vm1");
  const foreign = res("systemv0/network", "foreign");
  const { generation: _g, ...unmanaged } = obs(foreign, 1);
  const items = planWork(input({ observed: new Map([["a", new Map<ResourceKey, ObservedResource>([[disk.key, obs(disk, 1)], [vm.key, obs(vm, 1)], [foreign.key, unmanaged]])]]) }));
  assert.equal(items.map((i) => [i.key, i.op, i.dependsOn]), [[disk.key, "delete", [vm.key]], [vm.key, "delete", []]]);
});

pw("cluster-level kinds are recorded, not sent: create, update, delete", () => {
  const g = { ...res("corev0/group", "g"), key: "corev0/group/g" as ResourceKey, group: undefined, namespace: undefined } as unknown as DesiredResource;
  const items = planWork(input({ load: load([g]), generations: new Map([[g.key, 2]]), clusterApplied: new Map([[g.key, 1], ["corev0/group/old" as ResourceKey, 1]]) }));
  assert.equal(items.map((i) => [i.key, i.op, i.reason, i.node]), [["corev0/group/g", "apply", "Update", undefined], ["corev0/group/old", "delete", "Delete", undefined]]);
});

pw.run();

const rr = suite("RecentResults");

rr("a result outranks a lagging inventory until confirmed or expired", () => {
  const net = res("systemv0/network", "n1");
  const recent = new RecentResults();
  recent.record("a", net.key, obs(net, 2), 1000);
  const stale = new Map([["a", new Map([[net.key, obs(net, 1)]])]]);
  recent.overlay(stale, 2000, 60_000);
  assert.is(stale.get("a")!.get(net.key)!.generation, 2);
  const confirmed = new Map([["a", new Map([[net.key, obs(net, 2)]])]]);
  recent.overlay(confirmed, 3000, 60_000);
  const later = new Map([["a", new Map<ResourceKey, ObservedResource>()]]);
  recent.overlay(later, 4000, 60_000);
  assert.is(later.get("a")!.size, 0, "after confirmation the inventory rules: a missing resource is drift");
  recent.record("a", net.key, undefined, 5000);
  const deleted = new Map([["a", new Map([[net.key, obs(net, 2)]])]]);
  recent.overlay(deleted, 6000, 60_000);
  assert.is(deleted.get("a")!.size, 0, "a recent delete hides the stale entry");
  const expired = new Map([["a", new Map([[net.key, obs(net, 2)]])]]);
  recent.overlay(expired, 70_000, 60_000);
  assert.is(expired.get("a")!.size, 1, "expired: the inventory is believed");
});

rr("laying results over a view never confirms them: the next sync's stale inventory still gets them", () => {
  const net = res("systemv0/network", "n1");
  const recent = new RecentResults();
  recent.record("a", net.key, obs(net, 1), 1000);
  const view = new Map([["a", new Map<ResourceKey, ObservedResource>()]]);
  recent.layOver(view);
  recent.layOver(view);
  assert.is(view.get("a")!.get(net.key)?.generation, 1);
  const stale = new Map([["a", new Map<ResourceKey, ObservedResource>()]]);
  recent.overlay(stale, 2000, 60_000);
  assert.is(stale.get("a")!.get(net.key)?.generation, 1, "still laid over: the inventory has not shown it yet");
  const other = new Map([["a", new Map<ResourceKey, ObservedResource>()]]);
  recent.layOver(other, () => false);
  assert.is(other.get("a")!.size, 0, "`keep` refuses an entry (another life's)");
});

rr.run();
