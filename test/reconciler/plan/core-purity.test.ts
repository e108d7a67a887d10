import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../../..");
const CORE = ["reconciler/validate", "reconciler/diff", "reconciler/plan"];
const FORBIDDEN = /from\s+"(node:fs|node:fs\/promises|fs|node:child_process|isomorphic-git[^"]*|nats|@nats-io\/[^"]*|zx|chokidar|pino)"/;

const Purity = suite("the declarative core is pure (STYLE.md §1)");

Purity("validate, diff and plan import no I/O library", () => {
  const offenders: string[] = [];
  for (const dir of CORE) {
    for (const f of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith(".ts"))) {
      const text = readFileSync(join(ROOT, dir, f), "utf8");
      const m = FORBIDDEN.exec(text);
      if (m) offenders.push(`${dir}/${f}: ${m[1]}`);
    }
  }
  assert.equal(offenders, []);
});

Purity("the check itself catches a forbidden import", () => {
  assert.ok(FORBIDDEN.test('import git from "isomorphic-git";'));
  assert.ok(FORBIDDEN.test('import { readFile } from "node:fs/promises";'));
  assert.not.ok(FORBIDDEN.test('import { parse } from "yaml";'));
});

Purity.run();
