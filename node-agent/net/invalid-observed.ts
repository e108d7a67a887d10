/** What the inventory reports for a known command it cannot even model (its spec or context is invalid). */
import type { ObservedResource, ResourceCommand } from "../driver.js";

/** An `Error` observation with reason `InvalidSpec` and the error's message; the host is not inspected for it. */
export function invalidObserved(cmd: ResourceCommand, err: unknown, node: string): ObservedResource {
  return {
    key: cmd.key,
    apiType: cmd.apiType,
    state: "Error",
    generation: cmd.generation,
    reason: "InvalidSpec",
    message: err instanceof Error ? err.message : String(err),
    details: {},
    node,
  };
}
