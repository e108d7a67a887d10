/**
 * Disk checks (issue #3): limitSize >= requestSize; a disk is attached to at most one VM; a
 * Local disk and its VM sit on the same node when both name one; HTTP sources are http or
 * https URLs; `blockstoragev0/type` is Local or Ceph. Pure.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { positionOf, type Reporter, type ValidationContext } from "./context.js";
import { parseSize } from "./size.js";
import { arr, rec, str } from "./spec-access.js";

/** The annotations that place a disk and a VM, and select a disk's backend. */
export const DISK_NODE_ANNOTATION = "blockstoragev0/node_name";
export const VM_NODE_ANNOTATION = "virtualmachinev0/node_name";
export const DISK_TYPE_ANNOTATION = "blockstoragev0/type";

function checkSizes(ctx: Reporter, disk: DesiredResource): void {
  const req = str(disk.spec, "requestSize");
  const lim = str(disk.spec, "limitSize");
  const r = req === undefined ? undefined : parseSize(req);
  const l = lim === undefined ? undefined : parseSize(lim);
  if (req !== undefined && r === undefined) ctx.report(disk, "/spec/requestSize", "BAD_SIZE", `spec.requestSize "${req}" is not a size; write e.g. 1G or 512M`);
  if (lim !== undefined && l === undefined) ctx.report(disk, "/spec/limitSize", "BAD_SIZE", `spec.limitSize "${lim}" is not a size; write e.g. 10G`);
  if (r !== undefined && l !== undefined && l < r) {
    ctx.report(disk, "/spec/limitSize", "DISK_LIMIT_BELOW_REQUEST", `spec.limitSize ${lim} is smaller than spec.requestSize ${req}; raise limitSize to at least ${req} or lower requestSize`);
  }
}

function checkSource(ctx: Reporter, disk: DesiredResource): void {
  const from = rec(disk.spec, "from");
  if (str(from, "type") !== "HTTP") return;
  const url = str(rec(from, "http"), "url") ?? "";
  let scheme = "";
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = "";
  }
  if (scheme === "http:" || scheme === "https:") return;
  ctx.report(disk, "/spec/from/http/url", "BAD_URL", `spec.from.http.url "${url}" is not an http or https URL; only http:// and https:// sources are downloaded`);
}

function checkType(ctx: Reporter, disk: DesiredResource): void {
  const type = disk.meta.annotations?.[DISK_TYPE_ANNOTATION];
  if (type === undefined || type === "Local" || type === "Ceph") return;
  ctx.report(disk, "/meta/annotations/blockstoragev0~1type", "BAD_DISK_TYPE", `annotation ${DISK_TYPE_ANNOTATION} is "${type}"; use Local or Ceph`);
}

function checkDiskAlone(r: Reporter, disk: DesiredResource): void {
  checkSizes(r, disk);
  checkSource(r, disk);
  checkType(r, disk);
}

interface DiskRef {
  readonly id: string;
  readonly key: ResourceKey;
  readonly pointer: string;
}
const diskRefsMemo = new WeakMap<DesiredResource, readonly DiskRef[]>();

/** The disks a VM names, with their keys (remembered per VM object). */
function diskRefsOf(vm: DesiredResource): readonly DiskRef[] {
  let hit = diskRefsMemo.get(vm);
  if (!hit) {
    const out: DiskRef[] = [];
    arr(vm.spec, "blockStorageIDs").forEach((id, i) => {
      if (typeof id !== "string") return;
      const key = resourceKey({ apiType: "systemv0/blockstorage", group: vm.group, namespace: vm.namespace, id });
      out.push({ id, key, pointer: `/spec/blockStorageIDs/${i}` });
    });
    diskRefsMemo.set(vm, (hit = out));
  }
  return hit;
}

function checkAttachments(ctx: ValidationContext): void {
  const owners = new Map<ResourceKey, { vm: DesiredResource; pointer: string }>();
  for (const vm of ctx.byType("systemv0/virtualmachine")) {
    for (const { id, key, pointer } of diskRefsOf(vm)) {
      const first = owners.get(key);
      if (!first) {
        owners.set(key, { vm, pointer });
        checkSameNode(ctx, vm, pointer, ctx.resources.get(key));
        continue;
      }
      const at = positionOf(first.vm, first.pointer);
      const who = first.vm === vm ? "this VM already" : `virtualmachine ${first.vm.id}`;
      ctx.report(vm, pointer, "DISK_MULTI_ATTACH", `blockstorage ${id} is already attached to ${who} (${at.file}:${at.line}:${at.column}); a disk belongs to one VM, give this VM its own disk`);
    }
  }
}

function checkSameNode(ctx: ValidationContext, vm: DesiredResource, pointer: string, disk: DesiredResource | undefined): void {
  if (!disk || (disk.meta.annotations?.[DISK_TYPE_ANNOTATION] ?? "Local") !== "Local") return;
  const vmNode = vm.meta.annotations?.[VM_NODE_ANNOTATION];
  const diskNode = disk.meta.annotations?.[DISK_NODE_ANNOTATION];
  if (vmNode === undefined || diskNode === undefined || vmNode === diskNode) return;
  ctx.report(vm, pointer, "NODE_MISMATCH", `Local blockstorage ${disk.id} is on node ${diskNode} but the VM is on node ${vmNode}; a Local disk is only reachable on its node: put both on one node or make the disk Ceph`);
}

/** Runs the disk checks. */
export function checkDisks(ctx: ValidationContext): void {
  for (const disk of ctx.byType("systemv0/blockstorage")) ctx.local(disk, checkDiskAlone);
  checkAttachments(ctx);
}
