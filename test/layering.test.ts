// The rings of STYLE.md §0-1, checked on every import: reconciler/ and node-agent/ never import
// each other, schemas/ imports neither, and the pure core (manifest, validate, diff, plan,
// status) imports no I/O library.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const IMPORT = /(?:^|\n)\s*(?:import|export)[^"';]*?from\s+"([^"]+)"/g;
const IO = /^(node:fs|node:fs\/promises|fs|node:child_process|node:net|node:http|isomorphic-git.*|@nats-io\/.*|nats|zx.*|chokidar|pino)$/;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...filesUnder(p));
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(IMPORT)].map((m) => m[1]!);
}

function resolved(file: string, spec: string): string {
  return spec.startsWith(".") ? relative(ROOT, join(ROOT, file, "..", spec)) : spec;
}

function violations(dirs: string[], bad: (target: string) => boolean): string[] {
  return dirs.flatMap((d) => filesUnder(d).flatMap((f) => importsOf(f).filter((s) => bad(resolved(f, s))).map((s) => `${f} imports ${s}`)));
}

const rings = suite("import rings");

rings("reconciler/ never imports node-agent/, and node-agent/ never imports reconciler/", () => {
  assert.equal(violations(["reconciler"], (t) => t.startsWith("node-agent/")), []);
  assert.equal(violations(["node-agent"], (t) => t.startsWith("reconciler/")), []);
});

rings("schemas/ imports neither side", () => {
  assert.equal(violations(["schemas"], (t) => t.startsWith("node-agent/") || t.startsWith("reconciler/")), []);
});

rings("the pure core imports no I/O library", () => {
  const core = ["reconciler/manifest", "reconciler/validate", "reconciler/diff", "reconciler/plan", "reconciler/status"];
  assert.equal(violations(core, (t) => IO.test(t)), []);
});

rings("the checks see through relative paths and catch a violation", () => {
  assert.is(resolved("reconciler/controller/x.ts", "../../node-agent/vm/vm-driver.js"), "node-agent/vm/vm-driver.js");
  assert.ok(IO.test("isomorphic-git/http/node"));
  assert.ok(IO.test("zx/core"));
  assert.not.ok(IO.test("yaml"));
});

rings.run();
