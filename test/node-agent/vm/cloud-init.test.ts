import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "yaml";
import { buildSeedIsoCommand, renderSeed, type SeedInput } from "../../../node-agent/vm/cloud-init.js";

const seed = suite("cloud-init seed");

const input: SeedInput = {
  uuid: "11111111-2222-5333-8444-555555555555",
  hostname: "vm1",
  users: [{ username: "test", sshAuthorizedKeys: ["ssh-ed25519 AAAA key"] }],
  nics: [{ mac: "02:aa:bb:cc:dd:ee", ipv4Address: "10.0.0.1", prefix: 24, defaultGateway: "10.0.0.254", nameservers: ["8.8.8.8"] }],
};

seed("meta-data, user-data and network-config v2 matched by MAC", () => {
  const f = renderSeed(input);
  assert.equal(parse(f.metaData), { "instance-id": input.uuid, "local-hostname": "vm1" });
  assert.ok(f.userData.startsWith("#cloud-config\n"));
  const ud = parse(f.userData) as { users: Array<Record<string, unknown>> };
  assert.equal(ud.users[0], { name: "test", groups: "sudo", sudo: "ALL=(ALL) NOPASSWD:ALL", shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: ["ssh-ed25519 AAAA key"] });
  assert.equal(parse(f.networkConfig), {
    version: 2,
    ethernets: { nic0: { match: { macaddress: "02:aa:bb:cc:dd:ee" }, addresses: ["10.0.0.1/24"], routes: [{ to: "default", via: "10.0.0.254" }], nameservers: { addresses: ["8.8.8.8"] } } },
  });
});

seed("instance-id stays the uuid until users or NICs change, then changes with them", () => {
  const first = renderSeed(input);
  assert.match(renderSeed(input, first.digest).metaData, `instance-id: ${input.uuid}\n`);
  const changed = renderSeed({ ...input, users: [{ username: "other" }] }, first.digest);
  const iid = (parse(changed.metaData) as Record<string, string>)["instance-id"]!;
  assert.is(iid, `${input.uuid}-${changed.digest.slice(0, 8)}`);
  assert.is.not(changed.digest, first.digest);
  const nicChanged = renderSeed({ ...input, nics: [{ ...input.nics[0]!, ipv4Address: "10.0.0.2" }] }, first.digest);
  assert.is.not(nicChanged.digest, first.digest);
});

seed("genisoimage labels the seed cidata", () => {
  assert.equal(buildSeedIsoCommand("/d/seed", "/d/seed.iso").argv, ["genisoimage", "-quiet", "-output", "/d/seed.iso", "-volid", "cidata", "-joliet", "-rock", "/d/seed/meta-data", "/d/seed/user-data", "/d/seed/network-config"]);
});

seed.run();
