/**
 * Run by netns.exit-cleanup.test.ts as a separate process: starts a node, a nats-server, a git
 * server and a temp dir, prints what it made as one JSON line, then either exits without
 * cleaning up (`exit`) or waits to be killed (`wait`).
 */
import { createNode } from "../helpers/netns.js";
import { startNats } from "../helpers/nats-server.js";
import { startGitServer } from "../helpers/git-server.js";
import { tempDir } from "../helpers/manifests-repo.js";

const node = await createNode("forget");
const nats = await startNats();
const git = await startGitServer();
const tmp = await tempDir("forget");
console.log(JSON.stringify({ netns: node.netns, natsPid: nats.pid, natsDir: nats.dir, gitDir: git.dir, tmp: tmp.path }));
if (process.argv[2] === "wait") setInterval(() => undefined, 1000);
