// Which newer command supersedes the operation running for a resource, and which joins it (issue #11).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { isSameOperation, supersedes } from "../../../node-agent/agent/supersede.js";
import type { NodeCommand } from "../../../schemas/protocol/messages.js";

const base: NodeCommand = { commandId: "a", op: "apply", key: "systemv0/blockstorage/g/ns/d", apiType: "systemv0/blockstorage", id: "d", annotations: {}, spec: {}, generation: 2, incarnation: "life1", context: {} };
const cmd = (o: Partial<NodeCommand>): NodeCommand => ({ ...base, commandId: "b", ...o });

const S = suite("supersede");

S("a delete of the same life, a newer generation or another life supersede a running apply", () => {
  assert.ok(supersedes(cmd({ op: "delete" }), base));
  const { incarnation: _life, ...legacy } = cmd({ op: "delete" });
  assert.ok(supersedes(legacy, base), "a delete without a life (legacy) is of this one");
  assert.ok(supersedes(cmd({ generation: 3 }), base));
  assert.ok(supersedes(cmd({ incarnation: "life2", generation: 1 }), base));
});

S("nothing else does", () => {
  assert.not.ok(supersedes(cmd({ op: "delete", incarnation: "life0" }), base), "an earlier life's late delete");
  assert.not.ok(supersedes(cmd({ generation: 2 }), base), "the same generation");
  assert.not.ok(supersedes(cmd({ generation: 1 }), base), "an older generation");
  assert.not.ok(supersedes({ ...base }, base), "itself");
  assert.not.ok(supersedes(cmd({ generation: 3 }), { ...base, op: "delete" }), "a running delete is never cut short");
  assert.not.ok(supersedes(cmd({ incarnation: "life2" }), { ...base, op: "delete" }));
});

S("another send of the running operation joins it", () => {
  assert.ok(isSameOperation(cmd({}), base));
  assert.not.ok(isSameOperation({ ...base }, base), "the same commandId is a duplicate, not a join");
  assert.not.ok(isSameOperation(cmd({ generation: 3 }), base));
  assert.not.ok(isSameOperation(cmd({ op: "delete" }), base));
  assert.not.ok(isSameOperation(cmd({ incarnation: "life2" }), base));
});

S.run();
