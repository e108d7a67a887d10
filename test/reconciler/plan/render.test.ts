import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { loadManifests } from "../../../reconciler/manifest/load-manifests.js";
import { buildPlan } from "../../../reconciler/plan/build-plan.js";
import { appliedFromDesired } from "../../../reconciler/plan/applied-from-desired.js";
import { planToJson } from "../../../reconciler/plan/render-json.js";
import { renderMarkdown } from "../../../reconciler/plan/render-markdown.js";
import { renderText } from "../../../reconciler/plan/render-text.js";
import { readYamlTree } from "./yaml-tree.js";

const BASE = join(import.meta.dirname, "../../fixtures/invalid/_base");
const before = loadManifests(readYamlTree(BASE));
const files = readYamlTree(BASE)
  .filter((f) => f.path !== "03-eip.yaml")
  .map((f) => (f.path === "09-vm.yaml" ? { ...f, text: f.text.replace("limitMemory: 1G", "limitMemory: 2G").replace("ipv4Address: 198.18.0.10", "ipv4Address: 198.18.0.300") } : f))
  .map((f) => (f.path === "06-disk.yaml" ? { ...f, text: f.text.replace("img.qcow2", "img2.qcow2") } : f));
files.push({ path: "11-ns2.yaml", text: "meta:\n  apiType: corev0/namespace\n  id: ns2\n  group: g1\n" });
const applied = appliedFromDesired(before).map((a) => (a.apiType === "systemv0/virtualmachine" ? { ...a, state: "Running" } : a));
const plan = buildPlan({ load: loadManifests(files), applied });

const Render = suite("renderers");

Render("text: symbols per action, grouped by step, summary line; colour only when asked", () => {
  const plain = renderText(plan, { base: "a".repeat(40), head: "b".repeat(40) });
  assert.match(plain, "humops plan: aaaaaaaaaaaa -> bbbbbbbbbbbb");
  assert.match(plain, "Step 1:");
  assert.match(plain, "  + corev0/namespace g1/ns2");
  assert.match(plain, "  -/+ systemv0/blockstorage g1/ns1/bs1 (destroy (replace), node n1)");
  assert.match(plain, '      spec.from.http.url: "http://203.0.113.5/img.qcow2" -> "http://203.0.113.5/img2.qcow2"  # forces replacement');
  assert.match(plain, "Errors (2):");
  assert.match(plain, /Blocked \(\d+\), not applied:/);
  assert.match(plain, /Plan: 1 to create, \d+ to update, 1 to replace, \d+ to delete\./);
  assert.not.match(plain, "\x1b[");
  const coloured = renderText(plan, { color: true });
  assert.match(coloured, "\x1b[31m  -/+ systemv0/blockstorage", "destructive in red");
});

Render("markdown: head sha, summary table, errors first, destructive called out, steps in <details>", () => {
  const md = renderMarkdown(plan, { head: "c".repeat(40) });
  assert.match(md, `### humops plan for \`${"c".repeat(40)}\``);
  assert.match(md, "| create | update | replace | delete | blocked |");
  const errors = md.indexOf("#### :x: Errors");
  const destructive = md.indexOf("#### :warning: Destructive changes");
  const details = md.indexOf("<details><summary>Ordered steps");
  assert.ok(errors > 0 && errors < destructive && destructive < details, "errors, then destructive, then the steps");
  assert.match(md, "**replace** systemv0/blockstorage g1/ns1/bs1");
  assert.ok(md.trimEnd().endsWith("</details>"));
});

Render("json: the contract's shape, changes in execution order", () => {
  const j = planToJson(plan, { head: "d".repeat(40) });
  assert.equal(Object.keys(j), ["valid", "base", "head", "errors", "warnings", "changes", "blocked", "summary"]);
  assert.is(j.valid, false);
  assert.equal(Object.keys(j.errors[0]!), ["file", "line", "column", "resource", "code", "message"]);
  for (const c of j.changes) for (const k of ["action", "apiType", "group", "namespace", "id", "node", "fields", "destructive", "step"]) assert.ok(k in c, k);
  const steps = j.changes.map((c) => c.step ?? 0);
  assert.equal(steps, [...steps].sort((a, b) => a - b), "steps never go down");
  assert.equal(Object.keys(j.summary), ["create", "update", "replace", "delete", "blocked"]);
  const vm = j.blocked.find((b) => b.id === "vm1");
  assert.is(vm?.reason, "InvalidManifest", "the VM with a bad address keeps its applied state");
});

Render.run();
