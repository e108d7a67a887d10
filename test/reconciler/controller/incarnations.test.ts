// incarnations.ts: when a resource keeps its incarnation and when it gets a new one, which
// observed objects the round works with, and what the command id depends on (issue #11).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { ResourceKey } from "../../../schemas/kinds.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";
import { assignIncarnations, commandIdOf, currentIncarnationView } from "../../../reconciler/controller/incarnations.js";
import { parseResourceStatus } from "../../../reconciler/status/parse-status.js";
import { resourceDocument } from "../../../reconciler/status/render-status.js";
import type { ResourceStatus } from "../../../reconciler/status/types.js";
import { stringify } from "yaml";

const A: ResourceKey = "systemv0/virtualmachine/g1/ns1/a";
const B: ResourceKey = "systemv0/virtualmachine/g1/ns1/b";
const C: ResourceKey = "systemv0/virtualmachine/g1/ns1/c";
const D: ResourceKey = "systemv0/virtualmachine/g1/ns1/d";
const status = (key: ResourceKey, over: Partial<ResourceStatus>): ResourceStatus => ({
  key, apiType: "systemv0/virtualmachine", id: key.split("/").at(-1)!, group: "g1", namespace: "ns1", source: { path: "vm.yaml", commit: "c1" },
  observedCommit: "c1", state: "Running", ready: true, conditions: [], node: "n1", generation: 3, specHash: "h", details: {}, ...over,
});
const obs = (key: ResourceKey, incarnation?: string): ObservedResource => ({ key, apiType: "systemv0/virtualmachine", state: "Running", generation: 1, details: { pid: 1 }, ...(incarnation ? { incarnation } : {}) });

const I = suite("incarnations");

I("kept while declared; new when first seen, when declared again while Deleting, and for a status file without one", () => {
  let n = 0;
  const previous = new Map<ResourceKey, ResourceStatus>([
    [A, status(A, { incarnation: "inc-a" })],
    [B, status(B, { incarnation: "inc-b", state: "Deleting", ready: false })],
    [C, status(C, {})],
  ]);
  const load = { resources: new Map([A, B, C, D].map((k) => [k, {}])) } as unknown as Parameters<typeof assignIncarnations>[0];
  const r = assignIncarnations(load, previous, () => `new-${++n}`);
  assert.equal([...r.of], [[A, "inc-a"], [B, "new-1"], [C, "new-2"], [D, "new-3"]]);
  assert.equal([...r.minted].sort(), [B, C, D]);
});

I("the round's view drops another incarnation's object only where the resource is placed; legacy objects stay", () => {
  const observed = new Map([
    ["n1", new Map([[A, obs(A, "old")], [B, obs(B)], [C, obs(C, "inc-c")]])],
    ["n2", new Map([[A, obs(A, "old")]])],
  ]);
  const view = currentIncarnationView(observed, new Map([[A, "inc-a"], [B, "inc-b"], [C, "inc-c"]]), new Map([[A, ["n1"]], [B, ["n1"]], [C, ["n1"]]]));
  assert.equal([...view.get("n1")!.keys()], [B, C]);
  assert.equal([...view.get("n2")!.keys()], [A], "kept where it is not placed: its delete still finds it");
  assert.is(observed.get("n1")!.size, 3, "input untouched");
});

I("command ids differ by incarnation and by controller run, and are stable otherwise", () => {
  const base = { itemId: `${A}@n1`, op: "apply", generation: 1, incarnation: "i1", runId: "r1", attempt: 0 };
  assert.is(commandIdOf(base), commandIdOf({ ...base }));
  assert.is.not(commandIdOf(base), commandIdOf({ ...base, incarnation: "i2" }));
  assert.is.not(commandIdOf(base), commandIdOf({ ...base, runId: "r2" }));
  assert.is.not(commandIdOf(base), commandIdOf({ ...base, attempt: 1 }));
  assert.match(commandIdOf(base), /^[0-9a-f]{32}$/);
});

I("the status file carries the incarnation and reads it back; an older file has none", () => {
  const s = status(A, { incarnation: "inc-a" });
  assert.is(parseResourceStatus(stringify(resourceDocument(s)))?.incarnation, "inc-a");
  const legacy = status(A, {});
  assert.not.ok("incarnation" in resourceDocument(legacy));
  assert.is(parseResourceStatus(stringify(resourceDocument(legacy)))?.incarnation, undefined);
});

I.run();
