/**
 * The node's capacity (limitVcpus/limitMemory of the agent config, else the machine's) and
 * what the VMs declared on it take (their limit, else their request), so `nodectl status`
 * shows capacity and allocation also when the agent does not answer. Pure.
 */
import type { AgentConfig } from "../../schemas/generated/agent-config.js";
import type { ResourceCommand } from "../../schemas/protocol-types.js";
import { parseBytes, parseVcpus } from "../../schemas/quantity.js";

/** vCPUs and memory. */
export interface Amount {
  readonly vcpus: number;
  readonly memoryBytes: number;
}

/** The capacity the agent registers: the config's limits, else the machine's (`machine`). Invalid limits fall back too. */
export function capacityOf(cfg: Pick<AgentConfig, "limitVcpus" | "limitMemory">, machine: Amount): Amount {
  const cpu = cfg.limitVcpus === undefined ? undefined : parseVcpus(cfg.limitVcpus);
  const mem = cfg.limitMemory === undefined ? undefined : parseBytes(cfg.limitMemory);
  return { vcpus: cpu?.ok ? cpu.vcpus : machine.vcpus, memoryBytes: mem?.ok ? mem.bytes : machine.memoryBytes };
}

/** The sum over the VM commands of `known` (other kinds take nothing); unparsable quantities count 0. */
export function allocatedBy(known: readonly ResourceCommand[]): Amount {
  let vcpus = 0;
  let memoryBytes = 0;
  for (const c of known) {
    if (c.apiType !== "systemv0/virtualmachine") continue;
    const s = c.spec as { limitVcpus?: string | number; requestVcpus?: string | number; limitMemory?: string | number; requestMemory?: string | number };
    const cpuQ = s.limitVcpus ?? s.requestVcpus;
    const memQ = s.limitMemory ?? s.requestMemory;
    const cpu = cpuQ === undefined ? undefined : parseVcpus(cpuQ);
    const mem = memQ === undefined ? undefined : parseBytes(memQ);
    vcpus += cpu?.ok ? cpu.vcpus : 0;
    memoryBytes += mem?.ok ? mem.bytes : 0;
  }
  return { vcpus, memoryBytes };
}
