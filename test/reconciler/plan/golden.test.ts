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
