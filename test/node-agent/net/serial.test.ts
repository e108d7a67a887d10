import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Serial } from "../../../node-agent/net/serial.js";

const S = suite("Serial");

S("runs tasks one at a time in call order; a failure does not stop the queue", async () => {
  const s = new Serial();
  const log: string[] = [];
  const task = (name: string, ms: number, fail = false) => () =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${name}`);
      setTimeout(() => {
        log.push(`end ${name}`);
        if (fail) reject(new Error(name));
        else resolve(name);
      }, ms);
    });
  const results = await Promise.allSettled([s.run(task("a", 20)), s.run(task("b", 1, true)), s.run(task("c", 1))]);
  assert.equal(log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  assert.equal(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
});

S.run();
