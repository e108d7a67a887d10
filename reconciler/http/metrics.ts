/**
 * The controller's Prometheus metrics (prom-client), as ControllerMetrics hooks: reconcile
 * durations, queue depth, commands by result, git fetch time, last applied commit, leadership.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ControllerMetrics } from "../controller/ports.js";

/** A registry with the controller's metrics and the hooks that feed them. */
export function makeControllerMetrics(): { registry: Registry; hooks: ControllerMetrics; leadership: (leader: boolean, epoch: number | undefined) => void } {
  const registry = new Registry();
  const rounds = new Histogram({ name: "humops_reconcile_duration_seconds", help: "Duration of reconcile rounds", labelNames: ["result"], registers: [registry], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
  const depth = new Gauge({ name: "humops_reconcile_queue_depth", help: "Work items planned in the last round", registers: [registry] });
  const commands = new Counter({ name: "humops_commands_total", help: "Commands sent to agents by result", labelNames: ["result"], registers: [registry] });
  const fetches = new Histogram({ name: "humops_git_fetch_duration_seconds", help: "Duration of git fetches", registers: [registry], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
  const applied = new Gauge({ name: "humops_last_applied_commit_info", help: "The manifests commit of the last round (label commit)", labelNames: ["commit"], registers: [registry] });
  const leader = new Gauge({ name: "humops_leader", help: "1 while this controller holds the leader lease, 0 as a standby", registers: [registry] });
  const epochG = new Gauge({ name: "humops_leader_epoch", help: "The epoch of this controller's term (0 as a standby)", registers: [registry] });
  const leadership = (isLeader: boolean, epoch: number | undefined): void => {
    leader.set(isLeader ? 1 : 0);
    epochG.set(epoch ?? 0);
  };
  const hooks: ControllerMetrics = {
    roundDone: (s, result) => rounds.observe({ result }, s),
    queueDepth: (n) => depth.set(n),
    command: (result) => commands.inc({ result }),
    gitFetch: (s) => fetches.observe(s),
    appliedCommit: (commit) => {
      applied.reset();
      applied.set({ commit }, 1);
    },
  };
  return { registry, hooks, leadership };
}
