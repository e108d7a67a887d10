import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandOfStateFile, readLastCommands } from "../../../node-agent/diag/state-reader.js";

const cmd = (id: string, generation = 1) => ({ key: `systemv0/network/g/ns/${id}`, apiType: "systemv0/network", id, group: "g", namespace: "ns", annotations: {}, spec: { id: "1" }, generation, context: {} });

const S = suite<{ dir: string }>("readLastCommands");
S.before((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-state-"));
});
S.after((c) => rmSync(c.dir, { recursive: true, force: true }));

S("bare and wrapped commands, deletes ignored, garbage reported, sorted by key", async (c) => {
  mkdirSync(join(c.dir, "state", "sub"), { recursive: true });
  writeFileSync(join(c.dir, "state", "b.json"), JSON.stringify(cmd("b", 4)));
  writeFileSync(join(c.dir, "state", "sub", "a.json"), JSON.stringify({ command: cmd("a"), receivedAt: "x" }));
  writeFileSync(join(c.dir, "state", "gone.json"), JSON.stringify({ op: "delete", command: cmd("gone") }));
  writeFileSync(join(c.dir, "state", "bad.json"), "{not json");
  writeFileSync(join(c.dir, "state", "other.json"), JSON.stringify({ hello: 1 }));
  writeFileSync(join(c.dir, "state", "notes.txt"), "ignored");
  const r = await readLastCommands(join(c.dir, "state"));
  assert.equal(r.commands.map((x) => [x.id, x.generation]), [["a", 1], ["b", 4]]);
  assert.equal(r.unreadable.map((u) => u.path.split("/").pop()).sort(), ["bad.json", "other.json"]);
  assert.ok(r.exists);
});

S("a missing state dir is no error", async (c) => {
  assert.equal(await readLastCommands(join(c.dir, "nope")), { commands: [], unreadable: [], exists: false });
});

S("commandOfStateFile fills defaults and refuses unknown apiTypes", () => {
  const partial = commandOfStateFile({ key: "systemv0/network/g/n/x", apiType: "systemv0/network", id: "x" });
  assert.equal([partial?.generation, partial?.spec, partial?.annotations, partial?.context], [0, {}, {}, {}]);
  assert.throws(() => commandOfStateFile({ key: "k", apiType: "systemv0/nope", id: "x" }), /not a resource command/);
  assert.throws(() => commandOfStateFile([1]), /not a JSON object/);
});

S.run();
