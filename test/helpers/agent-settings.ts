/**
 * The settings of an agent started in-process by a test (startAgent): one node, its data under
 * `dataDir`, nothing read from a config file. Each test overrides only what it is about.
 */
import { join } from "node:path";
import type { AgentSettings } from "../../node-agent/config/agent-settings.js";

/** What a test may change; every other field has the value all the in-process agent tests used. */
export interface TestAgentSettings {
  readonly nodeName?: string;
  readonly address?: string;
  readonly memoryGiB?: number;
  readonly parallelLimit?: number;
  readonly natsUrl?: string;
  /** Subdirectories of `dataDir`; default `bs` and `img`. */
  readonly blockStorageSubdir?: string;
  readonly imageSubdir?: string;
}

/** An agent's settings for a test; see the file header. */
export function testAgentSettings(dataDir: string, o: TestAgentSettings = {}): AgentSettings {
  return {
    node: { nodeName: o.nodeName ?? "node1", address: o.address ?? "198.18.0.1", dataDir, blockStorageDir: join(dataDir, o.blockStorageSubdir ?? "bs"), imageDir: join(dataDir, o.imageSubdir ?? "img") },
    capacity: { vcpus: 8, memoryBytes: (o.memoryGiB ?? 16) * 1024 ** 3 },
    nats: { servers: [o.natsUrl ?? "nats://127.0.0.1:4222"] },
    parallelLimit: o.parallelLimit ?? 4, resyncIntervalMs: 60_000, journalMaxBytes: 1024 * 1024, accelerator: "tcg", logLevel: "info", raw: {},
  };
}
