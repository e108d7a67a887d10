/**
 * An external IP is bound to at most one router, once (issue #5): the DNAT of one public
 * address can only lead to one inside address. Pure.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import type { ValidationContext } from "./context.js";
import { arr, str } from "./spec-access.js";

/** Reports every binding of an externalip after its first one (routers in key order). */
export function checkExternalIpBindings(ctx: ValidationContext): void {
  const firstBinding = new Map<ResourceKey, { router: DesiredResource; index: number }>();
  for (const vr of ctx.byType("systemv0/virtualrouter")) {
    arr(vr.spec, "externalIPs").forEach((eip, index) => {
      const id = str(eip, "externalIPID");
      if (!id) return;
      const key = resourceKey({ apiType: "corev0/externalip", group: vr.group, namespace: vr.namespace, id });
      const first = firstBinding.get(key);
      if (first === undefined) {
        firstBinding.set(key, { router: vr, index });
        return;
      }
      const where = first.router.key === vr.key ? `this router's externalIPs[${first.index}]` : `systemv0/virtualrouter ${first.router.id}`;
      ctx.report(vr, `/spec/externalIPs/${index}/externalIPID`, "EXTERNAL_IP_BOUND_TWICE", `externalip ${id} is already bound by ${where}; an external IP leads to one inside address: declare another externalip for this binding`);
    });
  }
}
