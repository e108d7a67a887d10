import { suite } from "uvu";
import { change, example, expectIssue, expectValid, metaCases, REMOVE } from "./expect.js";

const base = example("09-systemv0-virtualmachine.yaml");
const test = suite("systemv0/virtualmachine schema");

test("the README example is valid, with every optional field too", () => {
  expectValid(base);
  let vm = change(base, "/spec/uuid", "123e4567-e89b-12d3-a456-426614174000");
  vm = change(vm, "/spec/hostname", "vm-1");
  vm = change(vm, "/spec/nics/0/macAddress", "52:54:00:12:34:56");
  vm = change(vm, "/spec/nics/0/nameservers", ["8.8.8.8", "2001:4860:4860::8888"]);
  vm = change(vm, "/spec/requestVcpus", 2);
  vm = change(vm, "/spec/limitVcpus", "2");
  vm = change(vm, "/meta/annotations/humops~1restart-policy", "Auto");
  vm = change(vm, "/meta/annotations/humops~1restart-requested-at", "2026-12-02T09:00:00Z");
  expectValid(vm);
  expectValid(change(base, "/spec/actionState", "PowerOff"));
  expectValid(change(base, "/spec/loginUsers/0/sshAuthorizedKeys", ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@host"]));
});

test("spec: wrong types", () => {
  expectIssue(change(base, "/spec/blockStorageIDs", "bs1"), "/spec/blockStorageIDs", "type", /must be a list/);
  expectIssue(change(base, "/spec/limitVcpus", 1.5), "/spec/limitVcpus", "type", /string or integer \(got number 1\.5\)/);
  expectIssue(change(base, "/spec/nics/0/nameservers", "8.8.8.8"), "/spec/nics/0/nameservers", "type", /must be a list/);
});

test("spec: unknown keys", () => {
  expectIssue(change(base, "/spec/vcpus", 2), "/spec/vcpus", "additionalProperties", /unknown key "vcpus"; allowed keys: uuid, hostname, requestVcpus/);
  expectIssue(change(base, "/spec/nics/0/macaddress", "52:54:00:12:34:56"), "/spec/nics/0/macaddress", "additionalProperties", /did you mean "macAddress"/);
  expectIssue(change(base, "/spec/loginUsers/0/password", "x"), "/spec/loginUsers/0/password", "additionalProperties", /allowed keys: username, sshAuthorizedKeys/);
});

test("bad quantities", () => {
  expectIssue(change(base, "/spec/requestVcpus", "1500m"), "/spec/requestVcpus", "pattern", /multiple of 1000m/);
  expectIssue(change(base, "/spec/limitVcpus", "1.5"), "/spec/limitVcpus", "pattern", /whole vCPU count/);
  expectIssue(change(base, "/spec/limitVcpus", 0), "/spec/limitVcpus", "minimum", />= 1/);
  expectIssue(change(base, "/spec/limitMemory", "1 G"), "/spec/limitMemory", "pattern", /a size like/);
  expectIssue(change(base, "/spec/requestMemory", REMOVE), "/spec", "required", /"requestMemory"/);
});

test("bad enums", () => {
  expectIssue(change(base, "/spec/actionState", "Running"), "/spec/actionState", "enum", /one of PowerOn, PowerOff/);
  expectIssue(change(base, "/meta/annotations/humops~1restart-policy", "auto"), "/meta/annotations/humops~1restart-policy", "enum", /one of Manual, Auto \(got "auto"\) \(did you mean "Auto"\?\)/);
  expectIssue(change(base, "/meta/annotations/humops~1deletion-policy", "Retain"), "/meta/annotations/humops~1deletion-policy", "false schema", /known on this kind: humops\/restart-policy/);
  expectIssue(change(base, "/meta/annotations/humops~1restart-requested-at", ""), "/meta/annotations/humops~1restart-requested-at", "minLength", /./);
});

test("bad ids, addresses, users and keys", () => {
  expectIssue(change(base, "/spec/blockStorageIDs/0", "bs..1"), "/spec/blockStorageIDs/0", "not", /without '\.\.'/);
  expectIssue(change(base, "/spec/blockStorageIDs", ["bs1", "bs1"]), "/spec/blockStorageIDs", "uniqueItems", /duplicate/);
  expectIssue(change(base, "/spec/nics/0/ipv4Address", "10.0.0.1/24"), "/spec/nics/0/ipv4Address", "format", /IPv4 address like/);
  expectIssue(change(base, "/spec/nics/0/nameservers/0", "dns.google"), "/spec/nics/0/nameservers/0", "anyOf", /IPv4 or IPv6 address/);
  expectIssue(change(base, "/spec/nics/0/macAddress", "01:00:5e:00:00:01"), "/spec/nics/0/macAddress", "pattern", /unicast MAC/);
  expectIssue(change(base, "/spec/loginUsers/0/username", "root;"), "/spec/loginUsers/0/username", "pattern", /user name/);
  expectIssue(change(base, "/spec/loginUsers/0/sshAuthorizedKeys/0", "ssh-rsa AAAA\nrm -rf /"), "/spec/loginUsers/0/sshAuthorizedKeys/0", "pattern", /SSH public key on one line/);
  expectIssue(change(base, "/spec/uuid", "not-a-uuid"), "/spec/uuid", "format", /UUID/);
  expectIssue(change(base, "/spec/hostname", "bad_host!"), "/spec/hostname", "format", /hostname/);
});

metaCases(test, base, "namespace");
test.run();
