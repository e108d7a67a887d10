import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFile } from "node:fs/promises";
import { agentPermissions, renderNatsAuthConfig } from "../../../schemas/protocol/nats-auth.js";

const R = suite("renderNatsAuthConfig");

R("one user per node with only its own subjects, plus the controller", () => {
  const text = renderNatsAuthConfig([{ node: "n1", user: "agent-n1", password: "p1" }], { user: "controller", password: "pc" });
  assert.match(text, /^authorization \{\n  users: \[/);
  assert.match(text, 'user: "agent-n1"');
  assert.match(text, '"humops.v1.node.n1.cmd", "_INBOX_n1.>"');
  assert.match(text, '"$KV.humops-liveness.n1"');
  assert.match(text, "allow_responses: true");
  assert.not.match(text, '"$KV.humops-liveness.>"", "_INBOX_n1');
  assert.equal(agentPermissions("n2").subscribe, ["humops.v1.node.n2.cmd", "_INBOX_n2.>"]);
  assert.ok(agentPermissions("n2").publish.every((s) => !s.includes(">") && !s.includes("*")), "no wildcard for an agent");
});

R("invalid or duplicate names are refused", () => {
  assert.throws(() => agentPermissions("a.b"), /not a node name/);
  assert.throws(() => agentPermissions("*"), /not a node name/);
  assert.throws(() => renderNatsAuthConfig([{ node: "n1", user: "x", password: "p" }, { node: "n2", user: "x", password: "p" }], { user: "c", password: "p" }), /duplicate/);
});

R("the example in docs/ is the generator's output", async () => {
  const doc = await readFile(new URL("../../../docs/nats-server.example.conf", import.meta.url), "utf8");
  const auth = renderNatsAuthConfig(
    [
      { node: "node1", user: "agent-node1", password: "CHANGE-ME-node1" },
      { node: "node2", user: "agent-node2", password: "CHANGE-ME-node2" },
    ],
    { user: "controller", password: "CHANGE-ME-controller" },
  );
  assert.ok(doc.includes(auth), "docs/nats-server.example.conf is stale: regenerate it (docs/nats-auth.md)");
});

R.run();
