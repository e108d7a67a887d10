/**
 * Keeps a driver's bad report from poisoning a whole message: an ObservedResource that does
 * not validate is replaced by an Error state for the same resource (reason InvalidObserved,
 * the schema issues as message), so the result or the inventory still goes out and the
 * controller shows the problem on that one resource instead of the node going silent.
 */
import { formatIssues, parseObservedResource } from "../../schemas/protocol-validators.js";
import type { ObservedResource } from "../driver.js";

/** The resource as reported, or its InvalidObserved replacement. */
export function checkedObserved(o: ObservedResource): ObservedResource {
  const r = parseObservedResource(o);
  if (r.ok) return o;
  return {
    key: o.key,
    apiType: o.apiType,
    state: "Error",
    reason: "InvalidObserved",
    message: `the driver reported an invalid state: ${formatIssues(r.errors)}`,
    details: {},
    ...(typeof o.generation === "number" && Number.isInteger(o.generation) && o.generation >= 0 ? { generation: o.generation } : {}),
    ...(typeof o.node === "string" ? { node: o.node } : {}),
  };
}
