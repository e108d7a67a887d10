// The cluster download token travels in command contexts: nodectl never prints it, and the
// agent's state files that keep the last command are readable by root only.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withoutSecrets } from "../../../node-agent/diag/inspect-report.js";
import { StateStore } from "../../../node-agent/agent/state-store.js";
import { pino } from "pino";

const secrets = suite("secrets on the node");

secrets("nodectl inspect shows the context without the download token", () => {
  const ctx = { baseImage: { entityKey: "k" }, downloadToken: "s3cret" };
  assert.equal(withoutSecrets(ctx), { baseImage: { entityKey: "k" }, downloadToken: "(redacted)" });
  assert.equal(withoutSecrets({ peers: ["a"] }), { peers: ["a"] });
});

secrets("state files are written mode 0600", async () => {
  const dir = mkdtempSync(join(tmpdir(), "humops-state-"));
  try {
    const store = new StateStore(dir, pino({ level: "silent" }));
    await store.save({ command: { key: "systemv0/blockstorage/g/n/d", apiType: "systemv0/blockstorage", id: "d", group: "g", namespace: "n", annotations: {}, spec: {}, generation: 1, context: { downloadToken: "s3cret" }, commandId: "c1", op: "apply" } } as never);
    const files = readdirSync(dir);
    assert.is(files.length, 1);
    assert.is(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

secrets.run();
