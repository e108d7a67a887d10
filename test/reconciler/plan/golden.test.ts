import { suite } from "uvu";
import * as assert from "uvu/assert";
import { golden, goldenCases, planJson, readGoldenInput } from "./golden.js";

const Golden = suite("plan goldens (test/fixtures/plan/<case>/plan.json)");

for (const name of goldenCases()) {
  Golden(name, () => {
    const [actual, expected] = golden(name, planJson(readGoldenInput(name)));
    assert.equal(actual, expected);
  });
}

Golden("the humstack README examples plan in the README's order", () => {
  const plan = planJson(readGoldenInput("humstack-create-all")) as { changes: { apiType: string; step: number }[] };
  const kinds = plan.changes.map((c) => c.apiType.split("/")[1]);
  assert.equal(kinds, ["group", "namespace", "externalippool", "externalip", "network", "blockstorage", "imageentity", "image", "virtualrouter", "virtualmachine"]);
  const step = (k: string) => plan.changes.find((c) => c.apiType.endsWith(`/${k}`))!.step;
  assert.ok(step("imageentity") > step("blockstorage"), "the imageentity waits for bs1");
  assert.ok(step("virtualmachine") > step("network") && step("virtualrouter") > step("externalip"));
});

Golden("shuffled file names and observed order give the same plan", () => {
  for (const name of goldenCases()) {
    const input = readGoldenInput(name);
    const files = input.files.map((f, i) => ({ ...f, path: `zz-${(input.files.length - i) * 7919 % 97}-${f.path.replace(/\//g, "_")}` }));
    const shuffled = planJson({ ...input, files, applied: [...input.applied].reverse() }) as { changes: unknown[]; summary: unknown };
    const plain = planJson(input) as { changes: { key: string; step: number; action: string }[]; summary: unknown };
    const strip = (p: { changes: unknown[] }) => (p.changes as { key: string; step: number; action: string }[]).map((c) => `${c.step} ${c.action} ${c.key}`);
    assert.equal(strip(shuffled), strip(plain), name);
    assert.equal(shuffled.summary, plain.summary, name);
  }
});

Golden.run();
