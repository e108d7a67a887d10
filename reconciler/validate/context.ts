/**
 * What every cross-resource check shares: the declared resources, indexes over them, and a
 * `report` that turns (resource, JSON pointer, code, message) into a Diagnostic with the
 * field's `file:line:column`. Pure.
 */
import { displayName, type ApiType, type ResourceKey } from "../../schemas/kinds.js";
import type { Diagnostic, DesiredResource, SourcePos } from "../manifest/types.js";

/** The stable codes of the cross-resource checks (docs/plan.md lists them). */
export type ValidationCode =
  | "UNKNOWN_REFERENCE"
  | "UNKNOWN_IMAGE_TAG"
  | "UNKNOWN_IMAGEENTITY"
  | "BAD_CIDR"
  | "BAD_ADDRESS"
  | "ADDRESS_OUTSIDE_CIDR"
  | "ADDRESS_RESERVED"
  | "PREFIX_MISMATCH"
  | "DUPLICATE_ADDRESS"
  | "EXTERNAL_IP_BOUND_TWICE"
  | "NO_POOL_FOR_ADDRESS"
  | "BAD_NETWORK_TYPE"
  | "MISSING_NETWORK_TYPE"
  | "BAD_NETWORK_ID"
  | "DUPLICATE_VXLAN_ID"
  | "DISK_LIMIT_BELOW_REQUEST"
  | "BAD_SIZE"
  | "DISK_MULTI_ATTACH"
  | "NODE_MISMATCH"
  | "BAD_URL"
  | "BAD_DISK_TYPE"
  | "UNSAFE_NAME"
  | "DEPENDENCY_CYCLE";

/** The shared state of one validation pass. */
export interface ValidationContext {
  readonly resources: ReadonlyMap<ResourceKey, DesiredResource>;
  /** Declared resources per apiType, sorted by key (deterministic reports). */
  readonly byType: (apiType: ApiType) => readonly DesiredResource[];
  /** Keys that exist but did not validate in the loader: references to them are not "unknown". */
  readonly invalidKeys: ReadonlySet<ResourceKey>;
  /** Records one error (or warning) about `res` at the field `pointer`. */
  report(res: DesiredResource, pointer: string, code: ValidationCode, message: string, severity?: "error" | "warning"): void;
  /**
   * Runs a check that looks at `res` alone, once per resource object: its reports are
   * remembered and replayed while the loader hands out the same object (an unchanged file).
   */
  local(res: DesiredResource, check: LocalCheck): void;
}

/** Where a check reports: the context's `report`. */
export type Reporter = Pick<ValidationContext, "report">;

/** A check of one resource alone; it must depend on nothing but `res`. */
export type LocalCheck = (r: Reporter, res: DesiredResource) => void;

type Recorded = Parameters<ValidationContext["report"]>;
const localMemo = new WeakMap<DesiredResource, Map<LocalCheck, readonly Recorded[]>>();

function runLocal(res: DesiredResource, check: LocalCheck): readonly Recorded[] {
  let byCheck = localMemo.get(res);
  if (!byCheck) localMemo.set(res, (byCheck = new Map()));
  let recorded = byCheck.get(check);
  if (!recorded) {
    const out: Recorded[] = [];
    check({ report: (...args) => void out.push(args) }, res);
    byCheck.set(check, (recorded = out));
  }
  return recorded;
}

/** The position of `pointer` in `res`'s document: the field, else its nearest parent, else the document. */
export function positionOf(res: DesiredResource, pointer: string): SourcePos {
  let p = pointer;
  for (;;) {
    const hit = res.positions[p];
    if (hit) return { file: res.source.file, line: hit[0], column: hit[1] };
    if (p === "") return res.source;
    p = p.slice(0, p.lastIndexOf("/"));
  }
}

/** `/spec/nics/0/networkID` -> `spec.nics[0].networkID`, the way messages name a field. */
export function fieldPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
}

/** Builds a context over `resources`; diagnostics go to `out`, keys with an error to `invalid`. */
export function makeContext(
  resources: ReadonlyMap<ResourceKey, DesiredResource>,
  invalidKeys: ReadonlySet<ResourceKey>,
  out: Diagnostic[],
  invalid: Set<ResourceKey> = new Set(),
): ValidationContext {
  const groups = new Map<ApiType, DesiredResource[]>();
  for (const key of [...resources.keys()].sort()) {
    const r = resources.get(key)!;
    const list = groups.get(r.apiType) ?? [];
    list.push(r);
    groups.set(r.apiType, list);
  }
  return {
    resources,
    invalidKeys,
    byType: (apiType) => groups.get(apiType) ?? [],
    report(res, pointer, code, message, severity = "error") {
      const pos = positionOf(res, pointer);
      out.push({ ...pos, severity, code, resource: displayName(res), message });
      if (severity === "error") invalid.add(res.key);
    },
    local(res, check) {
      for (const args of runLocal(res, check)) this.report(...args);
    },
  };
}
