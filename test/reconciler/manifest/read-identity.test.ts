import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readIdentity } from "../../../reconciler/manifest/read-identity.js";

const identity = suite("readIdentity");

identity("reads a namespaced identity into a key and a display name", () => {
  const got = readIdentity({ meta: { apiType: "systemv0/network", id: "net1", group: "g", namespace: "ns" }, spec: 5 });
  assert.is(got.key, "systemv0/network/g/ns/net1");
  assert.is(got.display, "systemv0/network g/ns/net1");
});

identity("ignores parts a kind's scope does not use", () => {
  assert.is(readIdentity({ meta: { apiType: "corev0/group", id: "g1", namespace: "x" } }).key, "corev0/group/g1");
});

identity("gives no key when a part is missing or unusable, but still a display name", () => {
  const noNs = readIdentity({ meta: { apiType: "systemv0/network", id: "n", group: "g" } });
  assert.is(noNs.key, undefined);
  assert.is(noNs.display, "systemv0/network n");
  assert.is(readIdentity({ meta: { apiType: "corev0/group", id: "a/b" } }).key, undefined);
  assert.is(readIdentity({ meta: { apiType: "nope/x", id: "a" } }).display, "nope/x a");
  assert.equal(readIdentity([1]), {});
  assert.equal(readIdentity({ meta: "x" }), {});
});

identity.run();
