import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodectlConfigError } from "../../../node-agent/diag/errors.js";
import { loadNodectlTarget } from "../../../node-agent/diag/node-config.js";

const T = suite<{ dir: string }>("loadNodectlTarget");
T.before((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-nctlcfg-"));
});
T.after((c) => rmSync(c.dir, { recursive: true, force: true }));

T("no config: the agent whose data lives in /var/lib/humops", async () => {
  const t = await loadNodectlTarget();
  assert.equal([t.env.dataDir, t.socketPath, t.journalPath, t.stateDir, t.env.blockStorageDir], ["/var/lib/humops", "/var/lib/humops/nodectl.sock", "/var/lib/humops/journal.jsonl", "/var/lib/humops/state", "/var/lib/humops/blockstorages"]);
});

T("a humstack config: relative dirs against the file, *DirPath keys win, devices and ceph", async (c) => {
  const p = join(c.dir, "config.yaml");
  writeFileSync(p, ["apiServerAddress: localhost", "nodeName: node7", "dataDir: ./data", "blockStorageAgentConfig:", "  blockStorageDirPath: ./bs", "  cephBackend: { configPath: ceph.conf, poolName: hm }", "networkAgentConfig:", "  vxlan: { devName: eth0, group: 239.0.0.1 }", "  vlan: { devName: eth1 }", "vm: { accelerator: tcg }", ""].join("\n"));
  const t = await loadNodectlTarget(p);
  assert.equal(t.env, {
    nodeName: "node7",
    address: "127.0.0.1",
    dataDir: join(c.dir, "data"),
    blockStorageDir: join(c.dir, "bs"),
    imageDir: join(c.dir, "data", "images"),
    vxlan: { devName: "eth0", group: "239.0.0.1" },
    vlan: { devName: "eth1" },
    ceph: { confPath: join(c.dir, "ceph.conf"), pool: "hm" },
  });
  assert.equal([t.socketPath, t.accelerator, t.configPath], [join(c.dir, "data", "nodectl.sock"), "tcg", p]);
});

T("unreadable, not YAML, or invalid: NodectlConfigError naming the file", async (c) => {
  const bad = join(c.dir, "bad.yaml");
  writeFileSync(bad, "nodeName: [\n");
  const unknown = join(c.dir, "unknown.yaml");
  writeFileSync(unknown, "nodeNmae: x\n");
  for (const [p, what] of [[join(c.dir, "missing.yaml"), "cannot read"], [bad, "not valid YAML"], [unknown, "is invalid"]] as const) {
    try {
      await loadNodectlTarget(p);
      assert.unreachable(p);
    } catch (e) {
      assert.instance(e, NodectlConfigError);
      assert.is((e as NodectlConfigError).code, "CONFIG_INVALID");
      assert.match((e as Error).message, what);
      assert.is((e as NodectlConfigError).path, p);
    }
  }
});

T.run();
