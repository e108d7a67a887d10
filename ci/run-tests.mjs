#!/usr/bin/env node
// The test command of README.md (`npm test`). Runs every test/**/*.test.ts file in its own
// process (`node --import tsx FILE`, uvu suites run themselves), so one file that hangs or
// crashes cannot hide the others, then prints the plain line `N passed, N failed`.
//
// uvu exits 0 when nothing ran: this runner fails when zero tests ran, when a file crashes
// before reporting, when a file leaves processes running after it exits, and (under CI=true)
// when any test was skipped. A host file (run alone) that leaves a network namespace behind
// fails too, and the namespace is deleted so the files after it start from a clean host.
//
//   npm test                 every test file
//   npm test -- PATTERN      only files whose path matches the regex PATTERN
//   HOST_TESTS=0 npm test    off CI: leave out test/host/, test/e2e/ and test/harness/netns.*
//                            (refused under CI=true)
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const isCI = process.env.CI === "true";
const pattern = process.argv[2] ? new RegExp(process.argv[2]) : undefined;
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_S ?? 480) * 1000;
// A file that needs longer says so in its first lines: `// test-file-timeout-s: N` (the
// Debian cloud guest builds its image on a fresh machine, then boots twice under TCG).
function timeoutOf(file) {
  const m = /^\/\/ test-file-timeout-s: (\d+)$/m.exec(readFileSync(join(root, file), "utf8").slice(0, 2000));
  return m ? Math.max(fileTimeoutMs, Number(m[1]) * 1000) : fileTimeoutMs;
}
// Files that touch real host objects (netns, qemu, ceph) run one at a time, after the rest.
const SERIAL = /^test\/(host|e2e|integration|harness)\//;

if (isCI && process.env.HOST_TESTS === "0") {
  console.error("HOST_TESTS=0 is not allowed under CI=true: nothing may be skipped in CI");
  process.exit(1);
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}

// The live (non-zombie) processes of process group `pgid`, as "pid command" lines, read from
// /proc. Zombies are ignored: an orphan reparented to PID 1 stays a zombie until it is reaped.
function groupMembers(pgid) {
  const out = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") out.push(`${pid} ${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}`);
  }
  return out;
}

function killGroup(pgid) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {}
}

// The network namespaces mounted under /run/netns (`ip netns list`), by name.
function netnsNames() {
  try {
    return new Set(readdirSync("/run/netns"));
  } catch {
    return new Set();
  }
}

// A serial file runs alone, so a namespace that appeared while it ran and is still there after
// it exited is its leak. It fails that file (not a later one that lists the host's namespaces)
// and is deleted so the files after it start from a clean host. A namespace carrying another
// test process's tag (test/helpers/test-tag.ts: `t` + its pid in base 36 + 3 hex characters)
// belongs to a test run beside this one (another engineer's `npm test` on the same machine):
// it is neither this file's leak nor ours to delete.
const TAGGED = /^t[0-9a-z]{4,10}-/;
function removeLeakedNetns(before, pid) {
  const ours = `t${pid.toString(36)}`;
  const mine = (n) => !TAGGED.test(n) || (n.startsWith(ours) && /^[0-9a-f]{3}-/.test(n.slice(ours.length)));
  const leaked = [...netnsNames()].filter((n) => !before.has(n) && mine(n));
  for (const name of leaked) spawnSync("ip", ["netns", "delete", name], { stdio: "ignore" });
  return leaked;
}

function runFile(file, serial) {
  const netnsBefore = serial ? netnsNames() : undefined;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutOf(file));
    // The file runs as the leader of its own process group: whatever it spawned and did not
    // stop (a server, a qemu, a sleep in a netns) is still in that group after it exits.
    // That is a failure, and the leftovers are killed so they cannot hold the pipes open.
    let leftovers = [];
    // Helpers that exit on their own once their parent is gone (tsx's esbuild service) get 2 s.
    const exited = new Promise((res) => child.on("exit", res)).then(async () => {
      for (let waitedMs = 0; waitedMs < 2000; waitedMs += 100) {
        leftovers = groupMembers(child.pid);
        if (leftovers.length === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      killGroup(child.pid);
    });
    child.on("close", async (code) => {
      clearTimeout(timer);
      await exited;
      const leakedNetns = netnsBefore ? removeLeakedNetns(netnsBefore, child.pid) : [];
      resolve({ file, code, output, timedOut, leftovers, leakedNetns, ms: Date.now() - started });
    });
  });
}

function count(r) {
  const num = (label) => {
    const m = r.output.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, "m"));
    return m ? Number(m[1]) : undefined;
  };
  const total = num("Total");
  const passed = num("Passed") ?? 0;
  const skipped = num("Skipped") ?? 0;
  if (total === undefined || r.timedOut || r.leftovers.length > 0 || r.leakedNetns.length > 0) {
    return { passed, failed: Math.max(1, (total ?? 0) - passed), skipped };
  }
  let failed = total - passed - skipped;
  if (r.code !== 0 && failed === 0) failed = 1; // crashed or leaked after its tests reported
  if (isCI) failed += skipped;
  return { passed, failed, skipped: isCI ? 0 : skipped };
}

async function pool(files, width, serial = false) {
  const results = [];
  let next = 0;
  async function worker() {
    while (next < files.length) {
      const r = await runFile(files[next++], serial);
      report(r);
      results.push(r);
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, files.length) }, worker));
  return results;
}

let passed = 0;
let failed = 0;
let skipped = 0;
function report(r) {
  const c = count(r);
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
  const mark = c.failed > 0 ? "FAIL" : "ok  ";
  console.log(`${mark} ${r.file}  (${c.passed} passed, ${c.failed} failed, ${(r.ms / 1000).toFixed(1)} s)`);
  if (c.failed > 0 || process.env.TEST_VERBOSE === "1") {
    console.log(r.output.replace(/^/gm, "    | "));
    if (r.timedOut) console.log(`    | timed out after ${timeoutOf(r.file) / 1000} s`);
    if (r.leftovers.length > 0) console.log(`    | left processes running after it exited (killed): ${r.leftovers.join(", ")}`);
    if (r.leakedNetns.length > 0) console.log(`    | left network namespaces after it exited (deleted): ${r.leakedNetns.join(", ")}`);
  }
}

let files = findTests(join(root, "test"));
if (pattern) files = files.filter((f) => pattern.test(f));
// Files that need root and the kernel (netns, qemu, ceph): left out by HOST_TESTS=0 off CI.
const HOST = /^test\/(host|e2e)\/|^test\/harness\/netns\./;
if (!isCI && process.env.HOST_TESTS === "0") files = files.filter((f) => !HOST.test(f));

const started = Date.now();
await pool(files.filter((f) => !SERIAL.test(f)), 2);
await pool(files.filter((f) => SERIAL.test(f)), 1, true);
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\n${files.length} test files in ${secs} s`);
if (passed + failed === 0) {
  console.log("no test ran: that is a failure");
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
