import { suite } from "uvu";
import * as assert from "uvu/assert";
import { displayName, kindOf, parseResourceKey, resourceKey } from "../../schemas/kinds.js";

const keys = suite("kinds");

keys("a key per scope, and back", () => {
  assert.is(resourceKey({ apiType: "corev0/group", id: "g1" }), "corev0/group/g1");
  assert.is(resourceKey({ apiType: "systemv0/image", group: "g1", id: "img" }), "systemv0/image/g1/img");
  const net = { apiType: "systemv0/network", group: "g1", namespace: "ns1", id: "net1" } as const;
  assert.is(resourceKey(net), "systemv0/network/g1/ns1/net1");
  assert.equal(parseResourceKey("systemv0/network/g1/ns1/net1"), net);
  assert.is(displayName(net), "systemv0/network g1/ns1/net1");
  assert.is(kindOf("corev0/externalippool"), "externalippool");
});

keys("malformed keys are refused", () => {
  for (const k of ["corev0/group", "corev0/group/a/b", "systemv0/network/g/net1", "nope/x/y", "systemv0/image//x"]) {
    assert.is(parseResourceKey(k), undefined, k);
  }
});

keys.run();
