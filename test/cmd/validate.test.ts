/**
 * `humops validate` as users run it: the CLI in a child process.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HUMSTACK_EXAMPLES } from "../helpers/examples.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const EXAMPLES = HUMSTACK_EXAMPLES;

function humops(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "cmd/humops.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const validate = suite("humops validate", { dir: "" });
validate.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), `humops-validate-${process.pid}-`));
});
validate.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

validate("the humstack README examples are valid: exit 0", () => {
  const r = humops("validate", EXAMPLES);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^valid: 10 valid resources in 10 files, 0 errors/m);
});

validate("a typo in a key exits 1 and names the file, line and the fix", (ctx) => {
  const tree = join(ctx.dir, "typo");
  cpSync(EXAMPLES, tree, { recursive: true });
  const bs = join(tree, "08-systemv0-blockstorage.yaml");
  writeFileSync(bs, readFileSync(bs, "utf8").replace("limitSize:", "limitSzie:"));
  const r = humops("validate", tree);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^08-systemv0-blockstorage\.yaml:14:3: systemv0\/blockstorage group1\/ns1\/bs1: .*limitSize/m);
  assert.match(r.stdout, /^invalid: 9 valid resources in 10 files, 1 error/m);
});

validate("--format json prints the report object", (ctx) => {
  const tree = join(ctx.dir, "json");
  cpSync(EXAMPLES, tree, { recursive: true });
  writeFileSync(join(tree, "bad.yaml"), "meta:\n  apiType: corev0/group\n  id: ../etc\n");
  const r = humops("validate", "--format", "json", tree);
  assert.is(r.code, 1);
  const report = JSON.parse(r.stdout) as { valid: boolean; errors: { file: string; line: number; column: number; code: string }[]; summary: { files: number } };
  assert.is(report.valid, false);
  assert.equal(report.errors.map((e) => [e.file, e.line, e.column]), [["bad.yaml", 3, 7]]);
  assert.is(report.summary.files, 11);
});

validate("cross-resource checks run too: an undeclared tag target warns, a VM on a missing network fails", (ctx) => {
  const ok = humops("validate", EXAMPLES);
  assert.match(ok.stdout, /07-systemv0-image\.yaml:\d+:\d+: warning: /);
  const tree = join(ctx.dir, "cross");
  cpSync(EXAMPLES, tree, { recursive: true });
  const vm = join(tree, "09-systemv0-virtualmachine.yaml");
  writeFileSync(vm, readFileSync(vm, "utf8").replace("- networkID: net1", "- networkID: net9"));
  const r = humops("validate", tree);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^09-systemv0-virtualmachine\.yaml:\d+:\d+: systemv0\/virtualmachine group1\/ns1\/vm1: .*net9/m);
});

validate("a path that does not exist exits 1 with a message", (ctx) => {
  const r = humops("validate", join(ctx.dir, "missing"));
  assert.is(r.code, 1);
  assert.match(r.stderr, /cannot read the manifests tree/);
});

validate.run();
