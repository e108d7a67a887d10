import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { generateAll, listTargets } from "../../schemas/gen-types.js";

const SCHEMAS = join(import.meta.dirname, "../../schemas");
const test = suite("schemas/generated is up to date");

test("regenerating in memory gives exactly the committed files", async () => {
  const files = await generateAll();
  assert.ok(files.size >= 13, `${files.size} generated files`);
  for (const [outPath, text] of files) {
    const committed = readFileSync(join(SCHEMAS, outPath), "utf8");
    assert.ok(committed === text, `schemas/${outPath} is stale: run npm run gen`);
  }
  const onDisk = readdirSync(join(SCHEMAS, "generated")).map((f) => `generated/${f}`).sort();
  assert.equal(onDisk, [...files.keys()].sort(), "a generated file without a schema (or the reverse)");
});

test("every generated file carries the do-not-edit banner naming its schema", async () => {
  for (const t of await listTargets()) {
    const text = readFileSync(join(SCHEMAS, t.outPath), "utf8");
    assert.ok(text.startsWith(`/* Generated from schemas/${t.schemaPath}; do not edit. Run npm run gen. */`), t.outPath);
  }
});

test("generation is deterministic", async () => {
  const a = await generateAll();
  const b = await generateAll();
  assert.equal([...a.entries()], [...b.entries()]);
});

test.run();
