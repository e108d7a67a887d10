// The NoCloud seed: golden files, and what PyYAML (the YAML 1.1 parser cloud-init reads the seed
// with, Debian's python3-yaml) makes of every file: each value the type it was written as.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSeedIsoCommand, renderSeed, type SeedFiles, type SeedInput } from "../../../node-agent/vm/cloud-init.js";
import { PrerequisiteMissingError } from "../../helpers/errors.js";

const seed = suite("cloud-init seed");
const GOLDEN = join(import.meta.dirname, "golden");
const PYTHON = "/usr/bin/python3";

const basic: SeedInput = {
  uuid: "11111111-2222-5333-8444-555555555555",
  hostname: "vm1",
  users: [{ username: "test", sshAuthorizedKeys: ["ssh-ed25519 AAAA key"] }],
  nics: [{ mac: "02:aa:bb:cc:dd:ee", ipv4Address: "10.0.0.1", prefix: 24, defaultGateway: "10.0.0.254", nameservers: ["8.8.8.8"] }],
};

/** Values YAML 1.1 reads as something else when written plain: a sexagesimal int, booleans, an octal int, a date, a float. */
const traps: SeedInput = {
  uuid: "0123",
  hostname: "0123",
  users: [
    { username: "on", sshAuthorizedKeys: ["yes", "1e3", "2024-01-01", "=", "<<", "~", "null", "0x1f", "1_000", ".inf", "ssh-ed25519 AAAA \"quoted\" \\ é"] },
    { username: "yes" },
    { username: "off", sshAuthorizedKeys: [] },
  ],
  nics: [
    { mac: "52:54:00:12:34:56", ipv4Address: "198.18.0.10", prefix: 16, defaultGateway: "198.18.0.1", nameservers: ["198.18.0.53", "198.18.0.54"] },
    { mac: "52:54:00:12:34:57", prefix: 24 },
    { mac: "52:54:00:00:00:01", ipv4Address: "198.19.0.2", prefix: 24 },
  ],
};

/** What each file must parse to under YAML 1.1: every string a string, `version` and `lock_passwd` typed. */
function expected(input: SeedInput, instanceId: string): { metaData: unknown; userData: unknown; networkConfig: unknown } {
  return {
    metaData: { "instance-id": instanceId, "local-hostname": input.hostname },
    userData: {
      users: input.users.map((u) => ({ name: u.username, groups: "sudo", sudo: "ALL=(ALL) NOPASSWD:ALL", shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: u.sshAuthorizedKeys ?? [] })),
    },
    networkConfig: {
      version: 1,
      config: input.nics.map((n, i) => ({
        type: "physical",
        name: `nic${i}`,
        mac_address: n.mac,
        ...(n.ipv4Address
          ? { subnets: [{ type: "static", address: `${n.ipv4Address}/${n.prefix}`, ...(n.defaultGateway ? { gateway: n.defaultGateway } : {}), ...(n.nameservers ? { dns_nameservers: n.nameservers } : {}) }] }
          : {}),
      })),
    },
  };
}

/** Parses `text` with PyYAML's safe_load (what cloud-init's util.load_yaml uses) and returns it as JSON. */
function pyyaml(text: string): unknown {
  if (!existsSync(PYTHON)) throw new PrerequisiteMissingError({ path: PYTHON, hint: "install python3-yaml" });
  const r = spawnSync(PYTHON, ["-c", "import yaml,sys,json; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: text, encoding: "utf8" });
  if (r.status !== 0) {
    if (/No module named .?yaml/.test(r.stderr)) throw new PrerequisiteMissingError({ path: "python3-yaml", hint: "install python3-yaml" });
    throw new Error(`PyYAML could not read:\n${text}\n${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}

/** Compares the three files with test/node-agent/vm/golden/NAME.*; UPDATE_GOLDEN=1 rewrites them. */
function assertGolden(name: string, f: SeedFiles): void {
  mkdirSync(GOLDEN, { recursive: true });
  for (const [file, text] of [["meta-data", f.metaData], ["user-data", f.userData], ["network-config", f.networkConfig]] as const) {
    const path = join(GOLDEN, `${name}.${file}`);
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, text);
    assert.fixture(text, readFileSync(path, "utf8"), `${path} (UPDATE_GOLDEN=1 rewrites it)`);
  }
}

for (const [name, input] of [["basic", basic], ["yaml11-traps", traps]] as const) {
  seed(`${name}: golden files, and PyYAML reads every value back as written`, () => {
    const f = renderSeed(input);
    assertGolden(name, f);
    const want = expected(input, input.uuid);
    assert.equal(pyyaml(f.metaData), want.metaData);
    assert.ok(f.userData.startsWith("#cloud-config\n"));
    assert.equal(pyyaml(f.userData), want.userData);
    assert.equal(pyyaml(f.networkConfig), want.networkConfig);
  });
}

seed("network-config v1: no `default` route and no routes list, the gateway sits on the static subnet", () => {
  const text = renderSeed(traps).networkConfig;
  assert.not.match(text, /default|routes|gateway4|0\.0\.0\.0/);
  const cfg = pyyaml(text) as { config: Array<{ subnets?: Array<Record<string, unknown>> }> };
  assert.is(cfg.config[0]!.subnets![0]!["gateway"], "198.18.0.1");
  assert.is(cfg.config[1]!.subnets, undefined);
  assert.is(cfg.config[2]!.subnets![0]!["gateway"], undefined);
});

seed("the digest of a seed stays what agents wrote before the serialisation changed (instance-ids do not move)", () => {
  // Digests computed by the agent of fda0630, which wrote YAML 1.2 and network-config v2.
  assert.is(renderSeed(basic).digest, "ce5b947d9147e1013483c63d39c395d6c809080cc1bb9f69abb5ce4a2112bd50");
  assert.is(renderSeed(traps).digest, "7f1761c9c41303b6e121a485f91fcc37998c4df448abaa29c23fe53d723ebe1c");
});

seed("instance-id stays the uuid until users or NICs change, then changes with them", () => {
  const first = renderSeed(basic);
  assert.equal(pyyaml(renderSeed(basic, first.digest).metaData), { "instance-id": basic.uuid, "local-hostname": "vm1" });
  const changed = renderSeed({ ...basic, users: [{ username: "other" }] }, first.digest);
  assert.equal(pyyaml(changed.metaData), { "instance-id": `${basic.uuid}-${changed.digest.slice(0, 8)}`, "local-hostname": "vm1" });
  assert.is.not(changed.digest, first.digest);
  const nicChanged = renderSeed({ ...basic, nics: [{ ...basic.nics[0]!, ipv4Address: "10.0.0.2" }] }, first.digest);
  assert.is.not(nicChanged.digest, first.digest);
});

seed("genisoimage labels the seed cidata", () => {
  assert.equal(buildSeedIsoCommand("/d/seed", "/d/seed.iso").argv, ["genisoimage", "-quiet", "-output", "/d/seed.iso", "-volid", "cidata", "-joliet", "-rock", "/d/seed/meta-data", "/d/seed/user-data", "/d/seed/network-config"]);
});

seed.run();
