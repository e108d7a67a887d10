/**
 * The bad-input suite: every case under test/fixtures/bad/<case>/ is a small manifests tree
 * plus expect.json, the diagnostics it must produce (code, file, line, column, a message
 * substring). Read through the real file-system adapter, loaded by the real loader.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifests } from "../../../reconciler/manifest/load-manifests.js";
import { readManifestTree } from "../../../reconciler/source/fs-tree.js";
import type { Diagnostic } from "../../../reconciler/manifest/types.js";

interface Expected {
  readonly diagnostics: readonly { code: string; file: string; line: number; column: number; message: string }[];
  readonly valid?: boolean;
  readonly resources?: readonly string[];
  readonly invalidKeys?: readonly string[];
  readonly failedFiles?: readonly string[];
  /** A file made at test time (too large to keep in git): `line` repeated `count` times or up to `bytes`. */
  readonly generate?: { file: string; line: string; count?: number; bytes?: number };
}

const FIXTURES = new URL("../../fixtures/bad/", import.meta.url).pathname;
const cases = readdirSync(FIXTURES).sort();
const bad = suite("bad inputs", { tmp: "" });

bad.before((ctx) => {
  ctx.tmp = mkdtempSync(join(tmpdir(), `humops-bad-${process.pid}-`));
});
bad.after((ctx) => rmSync(ctx.tmp, { recursive: true, force: true }));

function materialize(name: string, exp: Expected, tmp: string): string {
  if (!exp.generate) return join(FIXTURES, name);
  const dir = join(tmp, name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  const g = exp.generate;
  const count = g.count ?? Math.ceil((g.bytes ?? 0) / g.line.length);
  writeFileSync(join(dir, g.file), g.line.repeat(count));
  return dir;
}

function show(ds: readonly Diagnostic[]): string {
  return ds.map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`).join("\n");
}

bad("holds at least 30 cases", () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
});

for (const name of cases) {
  bad(name, async (ctx) => {
    const exp = JSON.parse(readFileSync(join(FIXTURES, name, "expect.json"), "utf8")) as Expected;
    const result = loadManifests(await readManifestTree(materialize(name, exp, ctx.tmp)));
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    // Exactly the expected diagnostics: one clear error per problem, no noise around it.
    assert.is(result.diagnostics.length, exp.diagnostics.length, `expected ${exp.diagnostics.length} diagnostics, got:\n${show(result.diagnostics)}`);
    assert.is(errors.length === 0, exp.valid === true, "valid exactly when expect.json says so");
    for (const want of exp.diagnostics) {
      const hit = result.diagnostics.find(
        (d) => d.code === want.code && d.file === want.file && d.line === want.line && d.column === want.column && d.message.includes(want.message),
      );
      assert.ok(hit, `missing ${JSON.stringify(want)}; got:\n${show(result.diagnostics)}`);
    }
    if (exp.resources) assert.equal([...result.resources.keys()].sort(), [...exp.resources].sort());
    if (exp.invalidKeys) assert.equal([...result.invalidKeys].sort(), [...exp.invalidKeys].sort());
    if (exp.failedFiles) assert.equal([...result.failedFiles].sort(), [...exp.failedFiles].sort());
  });
}

bad.run();
