/**
 * Names that reach the host (issue #3): ids, group and namespace names, image tags, login
 * usernames, the pool's bridge name, a VM's hostname and SSH keys must match a safe pattern
 * (no `/`, `..`, whitespace or shell metacharacters). The schema enforces the same patterns;
 * this check makes sure the message names the pattern and the field. Pure.
 */
import type { DesiredResource } from "../manifest/types.js";
import { fieldPath, type Reporter, type ValidationContext } from "./context.js";
import { escapePointer } from "./references.js";
import { arr, rec, str } from "./spec-access.js";

/** The safe patterns, by what they guard. */
export const SAFE_PATTERNS = {
  id: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
  username: /^[a-z_][a-z0-9_-]{0,31}$/,
  bridgeName: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/,
  hostname: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
  sshKey: /^[^\x00-\x1f\x7f]+$/,
} as const;

type PatternName = keyof typeof SAFE_PATTERNS;

/** True when `value` matches the safe pattern `name` (and, for ids and bridges, holds no `..`). */
export function isSafe(name: PatternName, value: string): boolean {
  return SAFE_PATTERNS[name].test(value) && !value.includes("..");
}

function check(ctx: Reporter, res: DesiredResource, pointer: string, name: PatternName, value: string | undefined): void {
  if (value === undefined || isSafe(name, value)) return;
  const shown = JSON.stringify(value);
  const pattern = name === "sshKey" ? "one line without control characters" : `${SAFE_PATTERNS[name].source} and no ".."`;
  ctx.report(res, pointer, "UNSAFE_NAME", `${fieldPath(pointer)} ${shown} is not a safe ${name}: it must match ${pattern} (no "/", "..", whitespace or shell metacharacters); rename it`);
}

function checkVm(ctx: Reporter, vm: DesiredResource): void {
  check(ctx, vm, "/spec/hostname", "hostname", str(vm.spec, "hostname") || undefined);
  arr(vm.spec, "loginUsers").forEach((u, i) => {
    check(ctx, vm, `/spec/loginUsers/${i}/username`, "username", str(u, "username"));
    arr(u, "sshAuthorizedKeys").forEach((k, j) => {
      if (typeof k === "string") check(ctx, vm, `/spec/loginUsers/${i}/sshAuthorizedKeys/${j}`, "sshKey", k);
    });
  });
}

/** Runs the safe-name checks on every resource (each resource alone, remembered per object). */
export function checkNames(ctx: ValidationContext): void {
  for (const res of ctx.resources.values()) ctx.local(res, checkResourceNames);
}

function checkResourceNames(ctx: Reporter, res: DesiredResource): void {
  check(ctx, res, "/meta/id", "id", res.id);
  check(ctx, res, "/meta/group", "id", res.group);
  check(ctx, res, "/meta/namespace", "id", res.namespace);
  if (res.apiType === "systemv0/virtualmachine") checkVm(ctx, res);
  if (res.apiType === "corev0/externalippool") check(ctx, res, "/spec/bridgeName", "bridgeName", str(res.spec, "bridgeName"));
  if (res.apiType === "systemv0/image") {
    for (const tag of Object.keys(rec(res.spec, "entityMap") ?? {})) check(ctx, res, `/spec/entityMap/${escapePointer(tag)}`, "id", tag);
  }
}
