/** Where each resource's status file lives in the status branch (CONTRACT.md §5). Pure. */
import { kindOf, scopeOf, type ResourceRef } from "../../schemas/kinds.js";

/** The status file path of a resource, e.g. `groups/g1/namespaces/ns1/network/net1.yaml`. */
export function statusPath(ref: ResourceRef): string {
  const kind = kindOf(ref.apiType);
  switch (scopeOf(ref.apiType)) {
    case "cluster":
      return `cluster/${kind}/${ref.id}.yaml`;
    case "group":
      return `groups/${ref.group ?? ""}/${kind}/${ref.id}.yaml`;
    case "namespace":
      return `groups/${ref.group ?? ""}/namespaces/${ref.namespace ?? ""}/${kind}/${ref.id}.yaml`;
  }
}

/** The status file path of a node. */
export function nodeStatusPath(node: string): string {
  return `nodes/${node}.yaml`;
}
