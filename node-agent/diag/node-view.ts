/**
 * One node as nodectl sees it: the agent when its socket answers, otherwise the disk and the
 * host. Every command goes through this, so "agent down" is handled in one place.
 */
import type { Logger } from "pino";
import type { DriverContext } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import type { AgentStatusSnapshot } from "./agent-status.js";
import { AgentUnreachableError } from "./errors.js";
import { runGc, type GcReport } from "./gc.js";
import { collectInventory, hostDrivers, type NodeInventory } from "./inventory.js";
import type { NodectlTarget } from "./node-config.js";
import { requestAgent } from "./socket-client.js";
import { readLastCommands, type LastCommands } from "./state-reader.js";
import { TimeoutRunner } from "./timeout-runner.js";

/** Whether the agent answered, and what it said about itself. */
export type AgentReach =
  | { readonly reachable: true; readonly status: AgentStatusSnapshot }
  | { readonly reachable: false; readonly error: string };

/** The node behind one agent config. */
export interface NodeView {
  readonly target: NodectlTarget;
  readonly agent: AgentReach;
  /** The inventory: from the agent when reachable, else read from the host by nodectl. */
  inventory(): Promise<NodeInventory>;
  /** Runs gc: in the agent when reachable (it serializes with its own work), else here. */
  gc(dryRun: boolean): Promise<GcReport>;
  /** The last commands on disk (also when the agent is up: the state dir is the agent's). */
  lastCommands(): Promise<LastCommands>;
  /** A driver context on this node (for host reads by inspect and doctor). */
  readonly ctx: DriverContext;
}

/** Options of openNodeView. */
export interface OpenNodeViewOptions {
  readonly target: NodectlTarget;
  readonly runner: HostRunner;
  readonly log: Logger;
  /** How long the agent gets to answer; default 5 s. */
  readonly timeoutMs?: number;
  /** The longest one host command may run (one without its own timeout); default DEFAULT_COMMAND_TIMEOUT_MS. */
  readonly commandTimeoutMs?: number;
}

async function reach(target: NodectlTarget, timeoutMs: number): Promise<AgentReach> {
  try {
    return { reachable: true, status: await requestAgent(target.socketPath, "status", {}, { timeoutMs }) };
  } catch (e: unknown) {
    return { reachable: false, error: (e as Error).message };
  }
}

/** Asks the agent for its status once and returns the view. Never throws for an unreachable agent. */
export async function openNodeView(opts: OpenNodeViewOptions): Promise<NodeView> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const agent = await reach(opts.target, timeoutMs);
  const runner = new TimeoutRunner(opts.runner, opts.commandTimeoutMs);
  const ctx: DriverContext = { runner, log: opts.log, signal: new AbortController().signal, node: opts.target.env };
  const local = async (): Promise<NodeInventory> => {
    const last = await readLastCommands(opts.target.stateDir);
    return collectInventory({ drivers: hostDrivers(), ctx, known: last.commands, source: "host" });
  };
  const viaAgent = async <T>(fn: () => Promise<T>, fallback: () => Promise<T>): Promise<T> => {
    if (!agent.reachable) return fallback();
    try {
      return await fn();
    } catch (e: unknown) {
      if (!(e instanceof AgentUnreachableError)) throw e;
      opts.log.warn({ err: e }, "agent went away; reading the host");
      return fallback();
    }
  };
  return {
    target: opts.target,
    agent,
    ctx,
    inventory: () => viaAgent(() => requestAgent(opts.target.socketPath, "inventory", {}, { timeoutMs: 60_000 }), local),
    gc: (dryRun) =>
      viaAgent(
        () => requestAgent(opts.target.socketPath, "gc", { dryRun }, { timeoutMs: 120_000 }),
        async () => runGc({ inventory: await local(), ctx, dryRun }),
      ),
    lastCommands: () => readLastCommands(opts.target.stateDir),
  };
}
