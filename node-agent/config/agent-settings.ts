/**
 * What the agent runs with, resolved from its config file: the node environment the drivers
 * get, the capacity it registers, how it reaches NATS, and its runtime knobs.
 */
import type { AgentConfig } from "../../schemas/generated/agent-config.js";
import type { NodeEnvironment } from "../driver.js";

/** How the agent reaches nats-server. */
export interface NatsSettings {
  /** One or more server URLs. */
  readonly servers: string[];
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly credsFile?: string;
}

/**
 * The node's download API (blockStorageAgentConfig.downloadAPI): where it listens, the
 * `HOST:PORT` other nodes are told to use, and an optional operator token file (tokens the
 * controller sends in imageentity commands are accepted too; docs/storage.md).
 */
export interface DownloadApiSettings {
  readonly listenAddress: string;
  /** 0 picks a free port (then advertised as the port it got). */
  readonly listenPort: number;
  /** advertiseAddress, default nodeAddress. */
  readonly advertiseAddress: string;
  readonly tokenFile?: string;
}

/** The resolved agent configuration. */
export interface AgentSettings {
  readonly node: NodeEnvironment;
  /** Registered as the node's capacity (limitVcpus / limitMemory, else the machine's). */
  readonly capacity: { readonly vcpus: number; readonly memoryBytes: number };
  readonly nats: NatsSettings;
  /** How many commands run at once (different resources); blockStorageAgentConfig.parallelLimit, default 4. */
  readonly parallelLimit: number;
  /** How often the full inventory is read and published when changed; default 30 s. */
  readonly resyncIntervalMs: number;
  /** The journal rotates past this size; default 10 MiB. */
  readonly journalMaxBytes: number;
  /** The config's vm.accelerator (auto: probe). */
  readonly accelerator: "auto" | "kvm" | "tcg";
  readonly logLevel: "trace" | "debug" | "info" | "warn" | "error";
  /** Present when the config has a downloadAPI block: the agent then serves it. */
  readonly downloadAPI?: DownloadApiSettings;
  /** The validated config as written, for drivers' own settings (downloadAPI, vm...). */
  readonly raw: AgentConfig;
}
