import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bridgeName, identityHash, isHumopsName, roleOfName, tapName } from "../../schemas/host-names.js";

const names = suite("host-names");

names("names fit in 15 characters and are recognised", () => {
  const b = bridgeName("group1", "ns1", "net1");
  assert.ok(b.length <= 15, b);
  assert.ok(isHumopsName(b));
  assert.is(roleOfName(b), "bridge");
  assert.is(bridgeName("group1", "ns1", "net1"), b, "deterministic");
  assert.not.ok(isHumopsName("eth0"));
  assert.not.ok(isHumopsName("docker0"));
});

names("separators keep different identities apart", () => {
  assert.is.not(identityHash(["a/b", "c"]), identityHash(["a", "b/c"]));
  assert.is.not(bridgeName("ab", "c", "d"), bridgeName("a", "bc", "d"));
  assert.is.not(tapName("g", "n", "vm", 0), tapName("g", "n", "vm", 1));
});

names("no collisions among 20,000 networks", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) seen.add(bridgeName("g", `ns${i % 7}`, `net${i}`));
  assert.is(seen.size, 20000);
});

names.run();
