import { suite } from "uvu";
import * as assert from "uvu/assert";
import { closestMatch } from "../../../reconciler/manifest/closest-match.js";

const closest = suite("closestMatch");

closest("suggests the closest candidate for a typo", () => {
  assert.is(closestMatch("limitSzie", ["requestSize", "limitSize", "from"]), "limitSize");
  assert.is(closestMatch("systemv0/netwrk", ["systemv0/network", "corev0/group"]), "systemv0/network");
  assert.is(closestMatch("LIMITSIZE", ["limitSize"]), "limitSize");
});

closest("suggests nothing when nothing is close", () => {
  assert.is(closestMatch("banana", ["requestSize", "limitSize"]), undefined);
  assert.is(closestMatch("x", []), undefined);
});

closest.run();
