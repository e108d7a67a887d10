// The whole tree (sources, tests, benchmarks) must typecheck under the strict tsconfig.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";

test("tsc --noEmit on tsconfig.test.json", () => {
  const res = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.test.json"], { encoding: "utf8" });
  assert.is(res.status, 0, res.stdout + res.stderr);
});

test.run();
