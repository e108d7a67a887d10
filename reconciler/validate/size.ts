/**
 * Byte quantities for the checks and the diff, on the shared schemas/quantity.ts (K M G T and
 * Ki Mi Gi Ti are powers of 1024, CONTRACT.md §1). Pure.
 */
import { parseBytes, parseVcpus } from "../../schemas/quantity.js";

/** Parses a byte quantity (`1G`, `512Mi`, `1073741824`); undefined when it is not one. */
export function parseSize(text: string | number): number | undefined {
  const r = parseBytes(text);
  return r.ok ? r.bytes : undefined;
}

/** Parses a vCPU quantity (`1000m`, `"2"`) into vCPUs; undefined when it is not one. */
export function parseCpus(text: string | number): number | undefined {
  const r = parseVcpus(text);
  return r.ok ? r.vcpus : undefined;
}
