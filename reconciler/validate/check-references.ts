/**
 * Cross-resource references (issue #3): every name that points at another resource points
 * at a declared one. A missing target that is needed to build is an error; an image tag whose
 * imageentity is missing is a warning unless a BaseImage disk consumes that tag. Pure.
 */
import { displayName, parseResourceKey, resourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { fieldPath, type ValidationContext } from "./context.js";
import { referencesOfDesired, type Reference } from "./references.js";
import { rec, str } from "./spec-access.js";

function isDeclared(ctx: ValidationContext, ref: Reference): boolean {
  return ctx.resources.has(ref.target) || ctx.invalidKeys.has(ref.target);
}

function missingMessage(res: DesiredResource, ref: Reference): string {
  const target = parseResourceKey(ref.target);
  const where = target ? displayName(target) : ref.target;
  return `${fieldPath(ref.pointer)} names ${ref.role} "${ref.targetId}", but ${where} is not declared; declare it or change ${fieldPath(ref.pointer)} to a declared ${ref.targetApiType} id`;
}

const baseImageMemo = new WeakMap<DesiredResource, { readonly imageName: string; readonly tag: string } | null>();

/** The image and tag a BaseImage disk is built from; null for other sources (remembered per object). */
function baseImageOf(disk: DesiredResource): { readonly imageName: string; readonly tag: string } | null {
  let hit = baseImageMemo.get(disk);
  if (hit === undefined) {
    const from = rec(disk.spec, "from");
    const base = rec(from, "baseImage");
    hit = str(from, "type") === "BaseImage" ? { imageName: str(base, "imageName") ?? "", tag: str(base, "tag") ?? "" } : null;
    baseImageMemo.set(disk, hit);
  }
  return hit;
}

/** Tags consumed by BaseImage disks: `group/image:tag`. */
function consumedTags(ctx: ValidationContext): Set<string> {
  const out = new Set<string>();
  for (const disk of ctx.byType("systemv0/blockstorage")) {
    const base = baseImageOf(disk);
    if (base) out.add(`${disk.group ?? ""}/${base.imageName}:${base.tag}`);
  }
  return out;
}

function checkImageTag(ctx: ValidationContext, res: DesiredResource, ref: Reference, consumed: Set<string>): void {
  const tag = ref.role.slice(ref.role.indexOf('"') + 1, ref.role.lastIndexOf('"'));
  const isConsumed = consumed.has(`${res.group ?? ""}/${res.id}:${tag}`);
  const hint = isConsumed
    ? "a BaseImage blockstorage uses this tag, so it cannot be built"
    : "nothing uses this tag yet";
  ctx.report(
    res,
    ref.pointer,
    "UNKNOWN_IMAGEENTITY",
    `tag "${tag}" maps to imageentity "${ref.targetId}", which is not declared in group ${res.group ?? ""} (${hint}); declare systemv0/imageentity ${ref.targetId} or point the tag at a declared one`,
    isConsumed ? "error" : "warning",
  );
}

function checkBaseImageTag(ctx: ValidationContext, disk: DesiredResource): void {
  const base = baseImageOf(disk);
  if (!base) return;
  const name = base.imageName;
  const image = name ? ctx.resources.get(resourceKey({ apiType: "systemv0/image", group: disk.group, id: name })) : undefined;
  if (!image) return;
  const tag = base.tag;
  const map = rec(image.spec, "entityMap") ?? {};
  if (!Object.hasOwn(map, tag)) {
    const known = Object.keys(map).sort().join(", ") || "none";
    ctx.report(disk, "/spec/from/baseImage/tag", "UNKNOWN_IMAGE_TAG", `image "${name}" has no tag "${tag}" (its tags: ${known}); add the tag to the image's entityMap or use one of its tags`);
  }
}

/** Reports every reference to an undeclared resource, and BaseImage disks naming an unknown tag. */
export function checkReferences(ctx: ValidationContext): void {
  const consumed = consumedTags(ctx);
  for (const res of ctx.resources.values()) {
    for (const ref of referencesOfDesired(res)) {
      if (isDeclared(ctx, ref)) continue;
      if (ref.targetApiType === "systemv0/imageentity" && res.apiType === "systemv0/image") {
        checkImageTag(ctx, res, ref, consumed);
      } else if (ref.required) {
        ctx.report(res, ref.pointer, "UNKNOWN_REFERENCE", missingMessage(res, ref));
      }
    }
    if (res.apiType === "systemv0/blockstorage") checkBaseImageTag(ctx, res);
  }
}
