#!/usr/bin/env node
// `npm run bench [-- REGEX]`: runs every bench/*.bench.ts (or those matching REGEX) one after
// another; each prints its figures and writes bench/results/<name>.json.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const pattern = process.argv[2] ? new RegExp(process.argv[2]) : undefined;
const files = readdirSync(`${root}bench`).filter((f) => f.endsWith(".bench.ts") && (!pattern || pattern.test(f))).sort();
let failed = 0;
for (const f of files) {
  console.log(`== bench/${f}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `bench/${f}`], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
