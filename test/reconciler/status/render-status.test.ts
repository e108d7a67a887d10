import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { resourceKey, type ApiType } from "../../../schemas/kinds.js";
import { computeConditions } from "../../../reconciler/status/conditions.js";
import { renderStatusFiles } from "../../../reconciler/status/render-status.js";
import { parseStatusFiles, manifestsCommitTrailer } from "../../../reconciler/status/parse-status.js";
import type { ClusterStatus, ResourceStatus } from "../../../reconciler/status/types.js";

const GOLDEN = new URL("./golden/", import.meta.url).pathname;
const C = "1111111111111111111111111111111111111111";
const T0 = new Date("2026-01-01T00:00:00Z");

function st(apiType: ApiType, id: string, o: { ready: boolean; state: string; node?: string; group?: string; namespace?: string; details?: Record<string, unknown>; reason?: string }): ResourceStatus {
  const ref = { apiType, id, ...(o.group ? { group: o.group } : {}), ...(o.namespace ? { namespace: o.namespace } : {}) };
  const outcome = o.ready ? { phase: "ready" as const, reason: "Applied", message: "generation 1 applied" } : { phase: "reconciling" as const, reason: o.reason ?? "Applying", message: "not yet on node n1" };
  return {
    ...ref,
    key: resourceKey(ref),
    source: { path: "m.yaml", commit: C },
    observedCommit: C,
    state: o.state,
    ready: o.ready,
    conditions: computeConditions({ outcome, previous: [], now: T0, observedCommit: C }),
    ...(o.node ? { node: o.node } : {}),
    generation: 1,
    specHash: "abcd",
    details: o.details ?? {},
  };
}

function cluster(): ClusterStatus {
  const ns = { group: "g1", namespace: "ns1" };
  const list = [
    st("corev0/group", "g1", { ready: true, state: "Active" }),
    st("corev0/namespace", "ns1", { ready: true, state: "Active", group: "g1" }),
    st("systemv0/network", "net1", { ready: true, state: "Active", ...ns, details: { bridge: "hmbxxxx" } }),
    st("systemv0/virtualrouter", "vr1", { ready: true, state: "Active", node: "n1", ...ns, details: { networks: ["net1"] } }),
    st("systemv0/virtualmachine", "vm1", { ready: false, state: "Pending", node: "n1", ...ns, details: { networks: ["net1"], pid: 42 } }),
  ];
  return {
    manifestsCommit: C,
    resources: new Map(list.map((r) => [r.key, r])),
    nodes: new Map([["n1", { name: "n1", address: "198.18.0.1", capacity: { vcpus: 4, memoryBytes: 8 * 1024 ** 3 }, allocated: { vcpus: 1, memoryBytes: 1024 ** 3 }, ready: true, since: T0.toISOString() }]]),
    diagnostics: [{ file: "bad.yaml", line: 3, column: 5, severity: "error", message: "spec.vcpus: \"1500m\" is not a whole number of vCPUs" }],
  };
}

const render = suite("renderStatusFiles (golden)");

render("matches the golden status tree", () => {
  const files = renderStatusFiles(cluster());
  if (process.env["UPDATE_GOLDEN"] === "1") {
    for (const [p, text] of files) {
      mkdirSync(dirname(join(GOLDEN, p)), { recursive: true });
      writeFileSync(join(GOLDEN, p), text);
    }
  }
  const golden = new Map<string, string>();
  const walk = (d: string, base: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${base}${e.name}/`);
      else golden.set(`${base}${e.name}`, readFileSync(join(d, e.name), "utf8"));
    }
  };
  walk(GOLDEN, "");
  assert.equal([...files.keys()].sort(), [...golden.keys()].sort());
  for (const [p, text] of files) assert.fixture(text, golden.get(p)!, p);
});

render("round-trips through parseStatusFiles; same state renders the same bytes", () => {
  const c = cluster();
  const files = renderStatusFiles(c);
  const parsed = parseStatusFiles(files);
  const byKey = (m: ReadonlyMap<string, ResourceStatus>) => [...m.values()].sort((a, b) => a.key.localeCompare(b.key));
  assert.equal(byKey(parsed.resources), byKey(c.resources));
  assert.equal(parsed.nodes.get("n1"), c.nodes.get("n1"));
  assert.equal(renderStatusFiles(cluster()), files);
});

render("lastTransitionTime only changes when a condition's status changes", () => {
  const first = computeConditions({ outcome: { phase: "reconciling", reason: "Applying", message: "a" }, previous: [], now: T0, observedCommit: C });
  const later = new Date("2026-01-02T00:00:00Z");
  const same = computeConditions({ outcome: { phase: "reconciling", reason: "DependencyNotReady", message: "b" }, previous: first, now: later, observedCommit: C });
  assert.is(same[0]!.lastTransitionTime, T0.toISOString());
  const flipped = computeConditions({ outcome: { phase: "ready", reason: "Applied", message: "ok" }, previous: same, now: later, observedCommit: C });
  assert.is(flipped[0]!.lastTransitionTime, later.toISOString());
  assert.equal(flipped.map((x) => x.type), ["Ready"], "Reconciling disappears when not True");
});

render("Manifests-Commit trailer", () => {
  assert.is(manifestsCommitTrailer(`humops status\n\nManifests-Commit: ${C}\n`), C);
  assert.is(manifestsCommitTrailer("no trailer"), undefined);
});

render.run();
