import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAgentConfig, parseAgentConfig } from "../../../node-agent/config/load-agent-config.js";
import { AgentConfigError } from "../../../node-agent/config/errors.js";
import { HUMSTACK_AGENT_CONFIG } from "../../helpers/examples.js";

const facts = { hostname: "node7.example.org", cpus: 16, memoryBytes: 32 * 1024 ** 3, env: {} };
const parse = (text: string, env: Record<string, string> = {}) => parseAgentConfig(text, { file: "/etc/humops/agent.yaml", baseDir: "/etc/humops", facts: { ...facts, env } });
const failure = (text: string): AgentConfigError => {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof AgentConfigError) return e;
    throw e;
  }
  throw new Error("expected an AgentConfigError");
};

const C = suite("loadAgentConfig");

C("humstack's example config.yaml is accepted as written, with warnings for the keys humops does not use", async () => {
  const text = await readFile(HUMSTACK_AGENT_CONFIG, "utf8");
  const { settings, warnings } = parse(text);
  assert.equal(settings.capacity, { vcpus: 8, memoryBytes: 8 * 1024 ** 3 });
  assert.equal(settings.node.nodeName, "node7");
  assert.equal(settings.node.address, "192.168.10.1");
  assert.equal(settings.node.dataDir, "/var/lib/humops");
  assert.equal(settings.node.blockStorageDir, "/etc/humops/blockstorages");
  assert.equal(settings.node.imageDir, "/etc/humops/images");
  assert.equal(settings.node.vxlan, { devName: "eth0", group: "239.0.0.1" });
  assert.equal(settings.nats.servers, ["nats://127.0.0.1:4222"]);
  assert.equal(settings.parallelLimit, 1);
  assert.equal(settings.downloadAPI, { listenAddress: "0.0.0.0", listenPort: 8082, advertiseAddress: "192.168.10.1" });
  const pointers = warnings.map((w) => w.pointer);
  assert.ok(pointers.includes("/apiServerAddress") && pointers.includes("/agentMode"), pointers.join());
  const api = warnings.find((w) => w.pointer === "/apiServerPort")!;
  assert.equal([api.line, api.column], [3, 1]);
});

C("humops keys: nodeName, dataDir, nats; HUMOPS_NATS_URL as the fallback URL", () => {
  const { settings } = parse("nodeName: a-1\ndataDir: ./data\nlimitVcpus: 2000m\nlimitMemory: 1Gi\nnats:\n  url: nats://10.0.0.1:4222,nats://10.0.0.2:4222\n  user: a-1\n  password: pw\n");
  assert.equal(settings.node.nodeName, "a-1");
  assert.equal(settings.node.dataDir, "/etc/humops/data");
  assert.equal(settings.node.blockStorageDir, "/etc/humops/data/blockstorages");
  assert.equal(settings.capacity, { vcpus: 2, memoryBytes: 1024 ** 3 });
  assert.equal(settings.nats, { servers: ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"], user: "a-1", password: "pw" });
  assert.equal(parse("{}", { HUMOPS_NATS_URL: "nats://127.0.0.9:4222" }).settings.nats.servers, ["nats://127.0.0.9:4222"]);
  assert.equal(parse("{}").settings.capacity, { vcpus: 16, memoryBytes: 32 * 1024 ** 3 });
});

C("downloadAPI: humstack's defaults (0.0.0.0:8082, advertised as nodeAddress), tokenFile resolved; no block, no API", () => {
  const d = parse("nodeAddress: 198.18.0.2\nblockStorageAgentConfig:\n  downloadAPI: {}\n").settings.downloadAPI;
  assert.equal(d, { listenAddress: "0.0.0.0", listenPort: 8082, advertiseAddress: "198.18.0.2" });
  const e = parse("blockStorageAgentConfig:\n  downloadAPI:\n    advertiseAddress: 10.0.0.5\n    listenAddress: 10.0.0.5\n    listenPort: 9000\n    tokenFile: tok\n").settings.downloadAPI;
  assert.equal(e, { listenAddress: "10.0.0.5", listenPort: 9000, advertiseAddress: "10.0.0.5", tokenFile: "/etc/humops/tok" });
  assert.is(parse("{}").settings.downloadAPI, undefined);
});

C("an unknown key is an error with file:line:column", () => {
  const e = failure("nodeName: n1\nnetworkAgentConfig:\n  vxlan:\n    devName: eth0\n    gruop: 239.0.0.1\n");
  assert.is(e.code, "InvalidAgentConfig");
  const p = e.problems.find((x) => x.pointer === "/networkAgentConfig/vxlan/gruop");
  assert.ok(p, JSON.stringify(e.problems));
  assert.equal([p!.file, p!.line, p!.column], ["/etc/humops/agent.yaml", 5, 5]);
  assert.match(e.message, "/etc/humops/agent.yaml:5:5");
});

C("bad values, bad YAML and a hostname that is no node name are errors", () => {
  assert.ok(failure("limitMemory: lots\n").problems.some((p) => p.pointer === "/limitMemory" && p.line === 1));
  assert.ok(failure("nodeName: a.b\n").problems.some((p) => p.pointer === "/nodeName"));
  assert.ok(failure("nodeName: [\n").problems.length > 0);
  const e = (() => {
    try {
      parseAgentConfig("{}", { file: "f", baseDir: "/", facts: { ...facts, hostname: "bad_host!" } });
    } catch (err) {
      return err as AgentConfigError;
    }
    return undefined;
  })();
  assert.match(e?.message ?? "", "set nodeName");
});

C("loadAgentConfig reads the file; a missing file is an AgentConfigError", async () => {
  const dir = await mkdtemp(join(tmpdir(), "humops-cfg-"));
  try {
    await writeFile(join(dir, "agent.yaml"), "nodeName: n1\ndataDir: d\n");
    const { settings } = await loadAgentConfig(join(dir, "agent.yaml"), facts);
    assert.is(settings.node.dataDir, join(dir, "d"));
    const err = await loadAgentConfig(join(dir, "missing.yaml"), facts).catch((e: unknown) => e);
    assert.instance(err, AgentConfigError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

C.run();
