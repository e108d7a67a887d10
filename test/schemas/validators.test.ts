import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import {
  KNOWN_API_TYPES,
  findIgnoredHumstackKeys,
  validateAgentConfig,
  validateDocument,
  validateNodeDeclaration,
  validateNodeReport,
  validateResource,
  validateWithManifestSchema,
} from "../../schemas/validators.js";
import { KINDS } from "../../schemas/kinds.js";
import { SchemaValidationError } from "../../schemas/errors.js";
import { HUMSTACK_AGENT_CONFIG, HUMSTACK_EXAMPLES } from "../helpers/examples.js";

const HUMSTACK = `${HUMSTACK_EXAMPLES}/`;
const examples = readdirSync(HUMSTACK).filter((f) => f.endsWith(".yaml")).map((f) => parse(readFileSync(HUMSTACK + f, "utf8")) as unknown);
const agentExample = parse(readFileSync(HUMSTACK_AGENT_CONFIG, "utf8")) as Record<string, unknown>;

function onlyIssue(r: { ok: boolean; errors?: { pointer: string; message: string; keyword: string }[] }) {
  assert.is(r.ok, false);
  assert.is(r.errors?.length, 1, JSON.stringify(r.errors));
  return r.errors![0]!;
}

const dispatch = suite("validateDocument dispatch");

dispatch("the known apiTypes are exactly the declarable kinds", () => {
  assert.equal([...KNOWN_API_TYPES].sort(), Object.keys(KINDS).sort());
});

dispatch("a document that is not a mapping, or has no meta, is one issue listing the apiTypes", () => {
  for (const doc of [null, "text", 3, []]) {
    const i = onlyIssue(validateDocument(doc));
    assert.is(i.pointer, "");
    assert.match(i.message, /known apiTypes: corev0\/group, corev0\/namespace/);
  }
  const i = onlyIssue(validateDocument({ spec: {} }));
  assert.is(i.pointer, "/meta");
  assert.match(i.message, /missing meta/);
});

dispatch("a missing or unknown apiType is one issue, with a suggestion", () => {
  const missing = onlyIssue(validateDocument({ meta: { id: "x" } }));
  assert.is(missing.pointer, "/meta");
  assert.match(missing.message, /missing meta\.apiType; known apiTypes: .*systemv0\/virtualmachine/);
  const typo = onlyIssue(validateDocument({ meta: { apiType: "systemv0/virtualmachin", id: "x" } }));
  assert.is(typo.pointer, "/meta/apiType");
  assert.match(typo.message, /unknown apiType "systemv0\/virtualmachin" \(did you mean "systemv0\/virtualmachine"\?\)/);
  const other = onlyIssue(validateDocument({ meta: { apiType: "v1/Pod", id: "x" } }));
  assert.not.match(other.message, /did you mean/);
});

dispatch("systemv0/node cannot be declared", () => {
  const i = onlyIssue(validateDocument({ meta: { apiType: "systemv0/node", id: "n1" } }));
  assert.match(i.message, /reported by node agents/);
});

dispatch("validateResource checks against the given kind, whatever the document says", () => {
  const group = examples[0];
  assert.ok(validateResource("corev0/group", group).ok);
  const i = validateResource("systemv0/network", group);
  assert.is(i.ok, false);
  if (!i.ok) assert.ok(i.errors.some((e) => e.pointer === "/meta/apiType" && /must be "systemv0\/network"/.test(e.message)));
});

dispatch("the value is the document itself", () => {
  const r = validateDocument(examples[4]);
  assert.ok(r.ok);
  if (r.ok) assert.is(r.value, examples[4]);
});

dispatch("several problems in one document are all reported, one per pointer", () => {
  const r = validateDocument({ meta: { apiType: "systemv0/virtualmachine", id: "a..b", group: "g", namespace: "n", extra: 1 }, spec: { requestVcpus: "1500m", limitVcpus: 1, requestMemory: "1G", limitMemory: "1X" } });
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.map((e) => e.pointer).sort(), ["/meta/extra", "/meta/id", "/spec/limitMemory", "/spec/requestVcpus"]);
});

dispatch.run();

const editors = suite("manifest.schema.json (editors) agrees with validateDocument");

function* mutations(doc: unknown, pointer = ""): Generator<[string, unknown]> {
  yield [pointer, undefined];
  for (const junk of [1.5, "a..b", {}, [], "x y", -1, true]) yield [pointer, junk];
  if (typeof doc === "object" && doc !== null) {
    for (const [k, v] of Object.entries(doc)) yield* mutations(v, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`);
  }
}

function mutate(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const copy = structuredClone(doc) as Record<string, unknown>;
  const tokens = pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node = copy;
  for (const t of tokens.slice(0, -1)) node = node[t] as Record<string, unknown>;
  if (value === undefined) delete node[tokens[tokens.length - 1]!];
  else node[tokens[tokens.length - 1]!] = value;
  return copy;
}

editors("every single-node mutation of every example is judged the same", () => {
  let checked = 0;
  let invalid = 0;
  for (const doc of examples) {
    for (const [pointer, value] of mutations(doc)) {
      const d = mutate(doc, pointer, value);
      const a = validateDocument(d).ok;
      assert.is(validateWithManifestSchema(d).ok, a, `${pointer} = ${JSON.stringify(value)}`);
      checked++;
      if (!a) invalid++;
    }
  }
  assert.ok(checked > 500, `${checked} mutations`);
  assert.ok(invalid > checked / 2, `${invalid} of ${checked} invalid`);
});

editors("a systemv0/node declaration and its single-node mutations are judged the same as validateNodeDeclaration does", () => {
  const doc = { meta: { apiType: "systemv0/node", id: "node1", annotations: { "humops/cordon": "true", "humops/drain": "false", owner: "ops" } }, spec: {} };
  let checked = 0;
  for (const [pointer, value] of mutations(doc)) {
    const d = mutate(doc, pointer, value);
    assert.is(validateWithManifestSchema(d).ok, validateNodeDeclaration(d).ok, `${pointer} = ${JSON.stringify(value)}`);
    checked++;
  }
  assert.ok(validateNodeDeclaration(doc).ok);
  assert.ok(checked > 50, `${checked} mutations`);
});

editors.run();

const agent = suite("validateAgentConfig");

const humopsConfig = {
  ...agentExample,
  nodeName: "node-1",
  dataDir: "/var/lib/humops",
  logLevel: "debug",
  nats: { url: "nats://127.0.0.1:4222", user: "agent", password: "secret" },
  vm: { powerOffTimeoutSeconds: 30, accelerator: "auto" },
  blockStorageAgentConfig: {
    ...(agentExample["blockStorageAgentConfig"] as object),
    cephBackend: { configPath: "/etc/ceph/ceph.conf", poolName: "humops", user: "admin" },
  },
  networkAgentConfig: { vxlan: { devName: "eth0", group: "239.0.0.1", mode: "static" }, vlan: { devName: "eth0" } },
};

agent("humstack's config with humops' keys validates", () => {
  const r = validateAgentConfig(humopsConfig);
  assert.ok(r.ok, JSON.stringify(r.ok ? [] : r.errors));
  assert.ok(validateAgentConfig({}).ok, "every key is optional");
  assert.ok(validateAgentConfig({ nats: { url: "nats://a:4222,nats://b:4222", credsFile: "/etc/humops/agent.creds" } }).ok);
});

agent("unknown keys are errors, nested too", () => {
  let i = onlyIssue(validateAgentConfig({ ...humopsConfig, nat: {} }));
  assert.is(i.pointer, "/nat");
  assert.match(i.message, /did you mean "nats"/);
  i = onlyIssue(validateAgentConfig({ networkAgentConfig: { vxlan: { devname: "eth0" } } }));
  assert.is(i.pointer, "/networkAgentConfig/vxlan/devname");
  assert.match(i.message, /did you mean "devName"/);
});

agent("wrong values say what to change", () => {
  let i = onlyIssue(validateAgentConfig({ limitVcpus: "8.5" }));
  assert.is(i.pointer, "/limitVcpus");
  assert.match(i.message, /whole vCPU count/);
  i = onlyIssue(validateAgentConfig({ limitMemory: "8GB" }));
  assert.match(i.message, /a size like/);
  i = onlyIssue(validateAgentConfig({ networkAgentConfig: { vxlan: { mode: "unicast" } } }));
  assert.match(i.message, /one of multicast, static/);
  i = onlyIssue(validateAgentConfig({ nodeName: "node.example" }));
  assert.match(i.message, /without dots/);
  i = onlyIssue(validateAgentConfig({ nats: { url: "127.0.0.1:4222" } }));
  assert.match(i.message, /a NATS URL like nats:\/\/127\.0\.0\.1:4222/);
  i = onlyIssue(validateAgentConfig({ nats: { user: "agent" } }));
  assert.is(i.pointer, "/nats");
  assert.is(i.message, '"user" needs "password" beside it: add "password" or remove "user"');
  i = onlyIssue(validateAgentConfig({ agentMode: "all" }));
  assert.match(i.message, /did you mean "All"/);
  i = onlyIssue(validateAgentConfig({ blockStorageAgentConfig: { downloadAPI: { listenPort: "8082" } } }));
  assert.match(i.message, /must be an integer/);
  i = onlyIssue(validateAgentConfig({ blockStorageAgentConfig: { cephBackend: { poolName: "p" } } }));
  assert.match(i.message, /missing required key "configPath"/);
});

agent("the humstack keys humops ignores are listed for warnings", () => {
  assert.equal(findIgnoredHumstackKeys(agentExample), ["/apiServerAddress", "/apiServerPort", "/agentMode"]);
  assert.equal(findIgnoredHumstackKeys({ nodeName: "n" }), []);
  assert.equal(
    findIgnoredHumstackKeys({ pollingSeconds: 10, imageAgentConfig: { cephBackend: {} }, networkAgentConfig: { vlan: { vlanInterfaceNamePrefix: "v" } } }),
    ["/pollingSeconds", "/networkAgentConfig/vlan/vlanInterfaceNamePrefix", "/imageAgentConfig/cephBackend"],
  );
});

agent("a caller can throw the issues as one coded error", () => {
  const r = validateAgentConfig({ bogus: 1 });
  assert.is(r.ok, false);
  if (r.ok) return;
  const err = new SchemaValidationError("agent config /etc/humops/agent.yaml", r.errors);
  assert.is(err.code, "SCHEMA_INVALID");
  assert.is(err.name, "SchemaValidationError");
  assert.match(err.message, /agent config \/etc\/humops\/agent.yaml is invalid:\n {2}\/bogus: unknown key "bogus"/);
});

agent.run();

const nodeReport = suite("validateNodeReport");

const report = {
  name: "node-1",
  address: "198.18.0.1",
  capacity: { vcpus: 8, memoryBytes: 8 * 1024 ** 3 },
  allocated: { vcpus: 2, memoryBytes: 1024 ** 3, diskBytes: 10 * 1024 ** 3 },
  agentVersion: "0.1.0",
  accelerator: "tcg",
  ready: true,
};

nodeReport("a complete report validates", () => {
  assert.ok(validateNodeReport(report).ok);
  assert.ok(validateNodeReport({ ...report, ready: false, reason: "QemuMissing", message: "qemu-system-x86_64 not found" }).ok);
});

nodeReport("missing, unknown and wrong fields are refused", () => {
  let i = onlyIssue(validateNodeReport({ ...report, accelerator: "hvf" }));
  assert.is(i.pointer, "/accelerator");
  assert.match(i.message, /one of kvm, tcg, none/);
  i = onlyIssue(validateNodeReport({ ...report, capacity: { vcpus: 8 } }));
  assert.is(i.pointer, "/capacity");
  assert.match(i.message, /"memoryBytes"/);
  i = onlyIssue(validateNodeReport({ ...report, capacity: { ...report.capacity, memoryBytes: 1.5 } }));
  assert.is(i.pointer, "/capacity/memoryBytes");
  i = onlyIssue(validateNodeReport({ ...report, uptime: 3 }));
  assert.is(i.pointer, "/uptime");
  i = onlyIssue(validateNodeReport({ ...report, ready: "yes" }));
  assert.match(i.message, /must be a boolean/);
});

nodeReport.run();

const issues = suite("issue shaping");

issues("a typo of a required key is one issue, not two", () => {
  const r = validateDocument({ meta: { apiType: "systemv0/blockstorage", id: "bs", group: "g", namespace: "n" }, spec: { requestSize: "1G", limitSise: "10G", from: { type: "Empty" } } });
  const i = onlyIssue(r);
  assert.is(i.pointer, "/spec/limitSise");
  assert.match(i.message, /did you mean "limitSize"/);
});

issues("the missing keys of one object are one issue", () => {
  const i = onlyIssue(validateDocument({ meta: { apiType: "systemv0/virtualmachine", id: "vm", group: "g", namespace: "n" }, spec: { requestVcpus: 1, limitVcpus: 1 } }));
  assert.is(i.pointer, "/spec");
  assert.is(i.message, 'missing required keys "requestMemory", "limitMemory"');
});

issues("a typo beside a second missing key leaves that one reported", () => {
  const r = validateDocument({ meta: { apiType: "systemv0/virtualmachine", id: "vm", group: "g", namespace: "n" }, spec: { requestVcpus: 1, limitVcpus: 1, requestMemroy: "1G" } });
  assert.is(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.map((e) => [e.pointer, e.keyword]), [["/spec", "required"], ["/spec/requestMemroy", "additionalProperties"]]);
  assert.is(r.errors[0]!.message, 'missing required key "limitMemory"');
});

issues.run();
