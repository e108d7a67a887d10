/**
 * nodectl's commands in-process on a fake host (RecordingRunner answering the reads the
 * drivers make of an empty node): help and --output on every command, exit codes, console,
 * events --follow, and status with no agent. The real-host behaviour is test/host/nodectl/.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { runNodectl } from "../../../cmd/nodectl/program.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import schema from "../../../node-agent/diag/nodectl-output.schema.json" with { type: "json" };

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormatsModule.default(ajv, ["date-time"]);
const validate = ajv.compile(schema);

/** An empty node: no links, no netns, empty nat table, tools present. */
function emptyHost(): RecordingRunner {
  return new RecordingRunner({
    fallback: (c) => {
      const a = c.argv.join(" ");
      if (a.startsWith("ip ") && a.includes("-j")) return { stdout: "[]" };
      if (a.startsWith("iptables-save")) return { stdout: "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n" };
      if (a.startsWith("bridge")) return { stdout: "[]" };
      return { stdout: `${c.argv[0]} version 1.0` };
    },
  });
}

interface Ctx {
  dir: string;
  config: string;
  dataDir: string;
}

async function run(c: Ctx, args: string[], signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runNodectl(["--config", c.config, ...args], { runner: emptyHost(), out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false, env: {}, ...(signal ? { signal } : {}) });
  return { code, out, err };
}

function valid(text: string): Record<string, unknown> {
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (!validate(doc)) throw new Error(JSON.stringify(validate.errors));
  return doc;
}

const T = suite<Ctx>("nodectl program");

T.before((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-nodectl-"));
  c.dataDir = join(c.dir, "data");
  c.config = join(c.dir, "agent.yaml");
  writeFileSync(c.config, `nodeName: fake1\ndataDir: ${c.dataDir}\n`);
  const vm = join(c.dataDir, "vms", "abcdefghijklmnop");
  mkdirSync(vm, { recursive: true });
  writeFileSync(join(vm, "vm.json"), JSON.stringify({ key: "systemv0/virtualmachine/g1/ns1/vm1", uuid: "u", taps: [], macs: [], stoppedByAgent: true, firstSeedDigest: "d" }));
  writeFileSync(join(vm, "console.log"), "Linux version 6.1\nlogin: ");
});
T.after((c) => rmSync(c.dir, { recursive: true, force: true }));

T("every command has --help with --output where it prints data", async (c) => {
  for (const cmd of ["status", "ls", "inspect", "drift", "events", "console", "doctor", "gc"]) {
    const r = await run(c, [cmd, "--help"]);
    assert.is(r.code, 0, cmd);
    assert.match(r.out, "--output", cmd);
  }
  const root = await run(c, ["--help"]);
  assert.match(root.out, "--config");
});

T("exit codes: usage 2, unreadable config 3, unknown VM 4", async (c) => {
  assert.is((await run(c, ["nosuch"])).code, 2);
  assert.is((await run(c, ["ls", "-o", "yaml"])).code, 2);
  const cfg = await runNodectl(["--config", join(c.dir, "missing.yaml"), "ls"], { runner: emptyHost(), out: () => {}, err: () => {}, isTTY: false, env: {} });
  assert.is(cfg, 3);
  const vm = await run(c, ["console", "nosuchvm"]);
  assert.is(vm.code, 4);
  assert.match(vm.err, "no VM nosuchvm");
});

T("status and ls with no agent and nothing declared", async (c) => {
  const st = await run(c, ["status", "-o", "json"]);
  assert.is(st.code, 0, st.err);
  const doc = valid(st.out) as { agent: { reachable: boolean }; node: string; source: string; resources: object };
  assert.equal([doc.agent.reachable, doc.node, doc.source], [false, "fake1", "host"]);
  const ls = await run(c, ["ls", "-o", "json"]);
  assert.is(ls.code, 0, ls.err);
  assert.equal((valid(ls.out) as { resources: unknown[] }).resources.filter((r) => (r as { apiType: string }).apiType !== "systemv0/virtualmachine"), []);
});

T("console: by id or group/ns/id, as text or JSON", async (c) => {
  const text = await run(c, ["console", "vm1"]);
  assert.is(text.out, "Linux version 6.1\nlogin: ");
  const json = await run(c, ["console", "g1/ns1/vm1", "-o", "json"]);
  assert.equal(valid(json.out)["text"], "Linux version 6.1\nlogin: ");
});

T("console --follow prints what the guest writes next", async (c) => {
  const ac = new AbortController();
  let out = "";
  const p = runNodectl(["--config", c.config, "console", "vm1", "--follow"], { runner: emptyHost(), out: (t) => void (out += t), err: () => {}, isTTY: false, env: {}, signal: ac.signal });
  await new Promise((r) => setTimeout(r, 400));
  appendFileSync(join(c.dataDir, "vms", "abcdefghijklmnop", "console.log"), "root\n");
  await new Promise((r) => setTimeout(r, 700));
  ac.abort();
  assert.is(await p, 0);
  assert.is(out, "Linux version 6.1\nlogin: root\n");
});

T("events --follow -o json prints one valid entry per line, old and new", async (c) => {
  const j = join(c.dataDir, "journal.jsonl");
  writeFileSync(j, JSON.stringify({ at: new Date().toISOString(), event: "received", commandId: "a1" }) + "\n");
  const ac = new AbortController();
  let out = "";
  const p = runNodectl(["--config", c.config, "events", "--follow", "-o", "json"], { runner: emptyHost(), out: (t) => void (out += t), err: () => {}, isTTY: false, env: {}, signal: ac.signal });
  await new Promise((r) => setTimeout(r, 400));
  appendFileSync(j, JSON.stringify({ at: new Date().toISOString(), event: "result", commandId: "a1", ok: true, durationMs: 5 }) + "\n");
  await new Promise((r) => setTimeout(r, 700));
  ac.abort();
  assert.is(await p, 0);
  const entries = out.trim().split("\n").map((l) => JSON.parse(l) as { event: string });
  assert.equal(entries.map((e) => e.event), ["received", "result"]);
  for (const e of entries) assert.ok(ajv.validate({ $ref: "https://humops.dev/schemas/nodectl-output.schema.json#/$defs/journalEntry" }, e), JSON.stringify(ajv.errors));
});

T.run();
