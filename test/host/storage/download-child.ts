/**
 * Child process of download-crash.test.ts: an "agent" that applies one blockstorage command
 * (argv[2]: JSON {env, cmd}) and is SIGKILLed by the test in the middle of the download.
 */
import { pino } from "pino";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";

const { env, cmd } = JSON.parse(process.argv[2] ?? "{}");
const driver = new BlockStorageDriver({ onState: (_k, s, d) => process.stdout.write(`${JSON.stringify({ s, got: d?.receivedBytes })}\n`) });
await driver.apply(cmd, { runner: new SpawnRunner(), log: pino({ level: "silent" }), signal: new AbortController().signal, node: env });
process.stdout.write("done\n");
