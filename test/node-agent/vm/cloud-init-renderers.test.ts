// Debian 12's own cloud-init (22.4, unpacked by ci/setup, not installed) reads the seed and
// renders its network-config with each renderer it has (ENI, netplan, networkd, sysconfig,
// NetworkManager): every renderer gets the address, the default gateway in its native form (no
// `route add`, so no net-tools) and the nameservers. Golden files: golden/cloud-init-22.4/.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { renderSeed, type SeedInput } from "../../../node-agent/vm/cloud-init.js";
import { PrerequisiteMissingError } from "../../helpers/errors.js";
import { testCacheDir } from "../../helpers/test-cache.js";

const r = suite("cloud-init 22.4 renders the seed");
const GOLDEN = join(import.meta.dirname, "golden", "cloud-init-22.4");
const SCRIPT = join(import.meta.dirname, "..", "..", "helpers", "cloud-init-render.py");
const CLOUD_INIT = join(testCacheDir(), "cloud-init-deb", "root", "usr", "lib", "python3", "dist-packages");

const cases: Record<string, SeedInput> = {
  basic: {
    uuid: "11111111-2222-5333-8444-555555555555",
    hostname: "vm1",
    users: [{ username: "test", sshAuthorizedKeys: ["ssh-ed25519 AAAA key"] }],
    nics: [{ mac: "02:aa:bb:cc:dd:ee", ipv4Address: "10.0.0.1", prefix: 24, defaultGateway: "10.0.0.254", nameservers: ["8.8.8.8"] }],
  },
  "yaml11-traps": {
    uuid: "0123",
    hostname: "0123",
    users: [{ username: "on", sshAuthorizedKeys: ["yes"] }],
    nics: [
      { mac: "52:54:00:12:34:56", ipv4Address: "198.18.0.10", prefix: 16, defaultGateway: "198.18.0.1", nameservers: ["198.18.0.53"] },
      { mac: "52:54:00:12:34:57", prefix: 24 },
    ],
  },
};

interface Rendered {
  readonly version: string;
  readonly metaData: unknown;
  readonly userData: unknown;
  readonly files: Record<string, string>;
}

/** Writes the seed files and runs cloud-init's own loaders and renderers on them. */
function render(files: Record<string, string>): Rendered | { error: string } {
  if (!existsSync(join(CLOUD_INIT, "cloudinit"))) throw new PrerequisiteMissingError({ path: CLOUD_INIT, hint: "Debian's cloud-init unpacked there" });
  const dir = mkdtempSync(join(tmpdir(), "humops-ci-render-"));
  try {
    mkdirSync(join(dir, "seed"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "seed", name), text);
    const p = spawnSync("/usr/bin/python3", [SCRIPT, join(dir, "seed"), join(dir, "out")], { encoding: "utf8", env: { ...process.env, PYTHONPATH: CLOUD_INIT } });
    if (/No module named/.test(p.stderr)) throw new PrerequisiteMissingError({ path: "python3-yaml python3-configobj", hint: p.stderr.trim().split("\n").at(-1)! });
    if (p.status !== 0) return { error: p.stderr };
    const out = JSON.parse(p.stdout) as Omit<Rendered, "files">;
    return { ...out, files: collect(join(dir, "out")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function collect(root: string, dir = root): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) Object.assign(out, collect(root, p));
    else out[relative(root, p)] = readFileSync(p, "utf8");
  }
  return out;
}

for (const [name, input] of Object.entries(cases)) {
  r(`${name}: loaded as written, rendered by every renderer to native default routes (golden)`, () => {
    const seed = renderSeed(input);
    const got = render({ "meta-data": seed.metaData, "user-data": seed.userData, "network-config": seed.networkConfig });
    if ("error" in got) throw new Error(`cloud-init failed on the seed:\n${got.error}`);
    assert.match(got.version, /^22\.4/);
    assert.equal(got.metaData, { "instance-id": input.uuid, "local-hostname": input.hostname });
    assert.equal((got.userData as { users: Array<{ name: unknown; ssh_authorized_keys: unknown }> }).users.map((u) => [u.name, u.ssh_authorized_keys]), input.users.map((u) => [u.username, u.sshAuthorizedKeys]));
    const all = Object.entries(got.files).map(([p, t]) => `=== ${p}\n${t}`).join("\n");
    const nic = input.nics[0]!;
    const byRenderer = (prefix: string) => Object.entries(got.files).filter(([p]) => p.startsWith(prefix)).map(([, t]) => t).join("\n");
    assert.match(byRenderer("eni/"), `gateway ${nic.defaultGateway}`);
    assert.not.match(all, /route add|route del/);
    assert.match(byRenderer("netplan/"), `gateway4: ${nic.defaultGateway}`);
    assert.match(byRenderer("netplan/"), new RegExp(`macaddress: '?${nic.mac}'?\n`));
    assert.match(byRenderer("networkd/"), `[Route]\nGateway=${nic.defaultGateway}`);
    assert.match(byRenderer("sysconfig/"), `GATEWAY=${nic.defaultGateway}`);
    assert.match(byRenderer("sysconfig/"), `HWADDR=${nic.mac}`);
    assert.match(byRenderer("network-manager/"), `mac-address=${nic.mac.toUpperCase()}`);
    assert.match(byRenderer("network-manager/"), `gateway=${nic.defaultGateway}`);
    for (const ns of nic.nameservers!) assert.match(byRenderer("networkd/"), ns);
    const golden = join(GOLDEN, `${name}.rendered`);
    if (process.env["UPDATE_GOLDEN"] === "1") {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(golden, all);
    }
    assert.fixture(all, readFileSync(golden, "utf8"), `${golden} (UPDATE_GOLDEN=1 rewrites it)`);
  });
}

r("the old seed's forms fail there: routes `to: default`, and an unquoted all-digit MAC", () => {
  const meta = 'instance-id: "i"\nlocal-hostname: "h"\n';
  const oldRoute = render({ "meta-data": meta, "user-data": "#cloud-config\n", "network-config": 'version: 2\nethernets:\n  nic0:\n    match:\n      macaddress: "02:aa:bb:cc:dd:ee"\n    addresses: ["10.0.0.1/24"]\n    routes:\n      - to: default\n        via: 10.0.0.254\n' });
  assert.ok("error" in oldRoute && /Address default is not a valid ip address/.test(oldRoute.error), JSON.stringify(oldRoute).slice(0, 2000));
  const oldMac = render({ "meta-data": meta, "user-data": "#cloud-config\n", "network-config": "version: 1\nconfig:\n  - type: physical\n    name: nic0\n    mac_address: 52:54:00:12:34:56\n" });
  assert.ok("error" in oldMac && /'int' object has no attribute 'lower'/.test(oldMac.error), JSON.stringify(oldMac).slice(0, 2000));
});

r.run();
