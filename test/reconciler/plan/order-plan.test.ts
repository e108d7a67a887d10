import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { ResourceKey } from "../../../schemas/kinds.js";
import type { AppliedResource, Change } from "../../../reconciler/diff/types.js";
import { diffResources } from "../../../reconciler/diff/diff-resources.js";
import type { DesiredResource } from "../../../reconciler/manifest/types.js";
import { PlanCycleError } from "../../../reconciler/plan/errors.js";
import { orderPlan } from "../../../reconciler/plan/order-plan.js";
import { ResourceRefs } from "../../../reconciler/plan/resource-refs.js";
import { applied, desired } from "../diff/make-resource.js";

const NS = { group: "g1", namespace: "ns1" };
const group = desired("corev0/group", "g1", {});
const ns = desired("corev0/namespace", "ns1", {}, { group: "g1" });
const net = (id: string, vni: string) => desired("systemv0/network", id, { id: vni, ipv4CIDR: "198.18.0.0/24" }, { ...NS, annotations: { "networkv0/network_type": "VXLAN" } });
const disk = (id: string) => desired("systemv0/blockstorage", id, { requestSize: "1G", limitSize: "1G", from: { type: "Empty" } }, NS);
const vm = (id: string, disks: string[]) => desired("systemv0/virtualmachine", id, { blockStorageIDs: disks, nics: [{ networkID: "net1" }] }, NS);

function plan(want: DesiredResource[], have: AppliedResource[]) {
  const d = new Map(want.map((r) => [r.key, r] as const));
  const a = new Map(have.map((r) => [r.key, r] as const));
  const refs = new ResourceRefs(d, a);
  return orderPlan(diffResources(d, a), refs).map((c) => `${c.step} ${c.action}${c.phase ? `/${c.phase}` : ""} ${c.id}`);
}

const Order = suite("orderPlan");

Order("creates follow references; independent ones share a step", () => {
  assert.equal(plan([vm("vm1", ["bs1"]), disk("bs1"), net("net1", "100"), ns, group], []), [
    "1 create g1",
    "2 create ns1",
    "3 create net1",
    "3 create bs1",
    "4 create vm1",
  ]);
});

Order("deletes run in reverse: the VM before its disk and network", () => {
  const all = [group, ns, net("net1", "100"), disk("bs1"), vm("vm1", ["bs1"])];
  assert.equal(plan([group, ns], all.map((r) => applied(r))), ["1 delete vm1", "2 delete bs1", "2 delete net1"]);
});

Order("a VM that drops a disk is updated before the disk is deleted", () => {
  const before = [group, ns, net("net1", "100"), disk("bs1"), disk("bs2"), vm("vm1", ["bs1", "bs2"])];
  assert.equal(plan([group, ns, net("net1", "100"), disk("bs1"), vm("vm1", ["bs1"])], before.map((r) => applied(r))), ["1 update vm1", "2 delete bs2"]);
});

Order("replace = destroy, then create after the destroys of its kind (a new network may reuse a freed VNI)", () => {
  const before = [group, ns, net("net1", "100"), net("net2", "200")];
  const after = [group, ns, net("net1", "101"), net("net3", "200")];
  assert.equal(plan(after, before.map((r) => applied(r))), ["1 replace/destroy net1", "1 delete net2", "2 replace/create net1", "2 create net3"]);
});

Order("a cycle in the changes is a PlanCycleError naming its members", () => {
  const a = desired("systemv0/blockstorage", "bs1", { from: { type: "BaseImage", baseImage: { imageName: "img1", tag: "t" } } }, NS);
  const img = desired("systemv0/image", "img1", { entityMap: { t: "e1" } }, { group: "g1" });
  const ent = desired("systemv0/imageentity", "e1", { source: { namespace: "ns1", blockStorageID: "bs1" } }, { group: "g1" });
  const d = new Map([a, img, ent].map((r) => [r.key, r] as const));
  const changes: Change[] = diffResources(d, new Map());
  try {
    orderPlan(changes, new ResourceRefs(d, new Map()));
    assert.unreachable("should throw");
  } catch (e) {
    assert.instance(e, PlanCycleError);
    assert.is((e as PlanCycleError).code, "PLAN_CYCLE");
    assert.equal([...(e as PlanCycleError).keys].sort(), [a.key, ent.key, img.key].sort() as ResourceKey[]);
  }
});

Order.run();
