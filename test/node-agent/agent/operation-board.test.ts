// The agent's operation board (protocol 1.3): a driver's progress is kept only while its
// operation runs, whether the command was accepted or answered within its window.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import pino from "pino";
import type { CommandResult, NodeCommand, OperationUpdate } from "../../../schemas/protocol/messages.js";
import { OperationBoard } from "../../../node-agent/agent/operation-board.js";
import { until } from "../../helpers/until.js";

const B = suite("OperationBoard");
const cmd = (commandId: string, acceptWithinMs?: number): NodeCommand => ({
  commandId, op: "apply", key: "systemv0/blockstorage/g/ns/d", apiType: "systemv0/blockstorage", id: "d", annotations: {}, spec: {}, generation: 1, context: {},
  ...(acceptWithinMs !== undefined ? { acceptWithinMs } : {}),
});
const ok = (commandId: string): CommandResult => ({ commandId, key: "systemv0/blockstorage/g/ns/d", ok: true, durationMs: 1 });

B("progress of a command answered within its window, or without one, is not kept after it", async () => {
  const board = new OperationBoard({ node: "n1", publish: async () => undefined, log: pino({ level: "silent" }) });
  for (const [id, within] of [["quick", 5_000], ["sync", undefined]] as const) {
    let finish!: (r: CommandResult) => void;
    const result = new Promise<CommandResult>((r) => (finish = r));
    const reply = board.answer(cmd(id, within), result, (x) => x);
    board.progress(id, { phase: "Downloading", doneBytes: 1, totalBytes: 2 });
    assert.is(board.progressKept, 1, `${id}: kept while it runs`);
    finish(ok(id));
    assert.equal(await reply, ok(id), `${id}: answered with its result`);
    await until(`${id}: progress dropped`, () => board.progressKept === 0, 5_000, 10);
  }
});

B("an accepted operation publishes its progress, then Done; nothing is kept afterwards", async () => {
  const sent: OperationUpdate[] = [];
  const board = new OperationBoard({ node: "n1", publish: async (u) => void sent.push(u), log: pino({ level: "silent" }), progressEveryMs: 0 });
  let finish!: (r: CommandResult) => void;
  const result = new Promise<CommandResult>((r) => (finish = r));
  const reply = await board.answer(cmd("slow", 10), result, (x) => x);
  assert.ok("accepted" in reply && reply.operationId === "slow");
  board.progress("slow", { phase: "Downloading", doneBytes: 1, totalBytes: 2 });
  await until("progress published", () => sent.some((u) => u.state === "Running" && u.progress?.doneBytes === 1), 5_000, 10);
  finish(ok("slow"));
  await until("Done published", () => sent.some((u) => u.state === "Done"), 5_000, 10);
  assert.is(board.size, 0);
  assert.is(board.progressKept, 0);
  board.stop();
});

B.run();
