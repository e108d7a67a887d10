/** A VM's requested vCPUs and memory for placement (CONTRACT.md §1 quantities). Pure. */
import { parseBytes, parseVcpus } from "../../schemas/quantity.js";
import type { DesiredResource } from "../manifest/types.js";
import type { Requests } from "./placement.js";

const q = (v: unknown): string | number | undefined => (typeof v === "string" || typeof v === "number" ? v : undefined);

/** requestVcpus/requestMemory (falling back to vcpus/memory) of a VM; zero for other kinds or unparsable values (the validator reports those). */
export function resourceRequests(r: DesiredResource): Requests {
  if (r.apiType !== "systemv0/virtualmachine") return { vcpus: 0, memoryBytes: 0 };
  const cpu = q(r.spec["requestVcpus"] ?? r.spec["vcpus"] ?? r.spec["limitVcpus"]);
  const mem = q(r.spec["requestMemory"] ?? r.spec["memory"] ?? r.spec["limitMemory"]);
  const c = cpu === undefined ? undefined : parseVcpus(cpu);
  const m = mem === undefined ? undefined : parseBytes(mem);
  return { vcpus: c?.ok ? c.vcpus : 0, memoryBytes: m?.ok ? m.bytes : 0 };
}
