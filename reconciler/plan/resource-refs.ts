/**
 * The reference targets of desired and applied resources, as the plan's graph needs them.
 * Pure; computed once per plan and shared by the safety rules and the ordering.
 */
import { parseResourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { AppliedResource } from "../diff/types.js";
import type { DesiredResource } from "../manifest/types.js";
import { referencesOf, referencesOfDesired } from "../validate/references.js";

/** Lazily computed reference targets (self references dropped). */
export class ResourceRefs {
  private readonly desiredCache = new Map<ResourceKey, readonly ResourceKey[]>();
  private readonly appliedCache = new Map<ResourceKey, readonly ResourceKey[]>();
  readonly desired: ReadonlyMap<ResourceKey, DesiredResource>;
  readonly applied: ReadonlyMap<ResourceKey, AppliedResource>;

  constructor(desired: ReadonlyMap<ResourceKey, DesiredResource>, applied: ReadonlyMap<ResourceKey, AppliedResource>) {
    this.desired = desired;
    this.applied = applied;
  }

  /** What the desired `key` references (empty when not declared). */
  ofDesired(key: ResourceKey): readonly ResourceKey[] {
    let hit = this.desiredCache.get(key);
    if (hit) return hit;
    const d = this.desired.get(key);
    hit = d ? unique(key, referencesOfDesired(d).map((r) => r.target)) : [];
    this.desiredCache.set(key, hit);
    return hit;
  }

  /** What the applied `key` referenced when it was applied (empty when not applied or no spec). */
  ofApplied(key: ResourceKey): readonly ResourceKey[] {
    let hit = this.appliedCache.get(key);
    if (hit) return hit;
    const a = this.applied.get(key);
    const ref = parseResourceKey(key);
    hit = a && ref ? unique(key, referencesOf({ ...ref, key, spec: a.spec ?? {}, annotations: a.annotations }).map((r) => r.target)) : [];
    this.appliedCache.set(key, hit);
    return hit;
  }
}

function unique(self: ResourceKey, keys: ResourceKey[]): ResourceKey[] {
  return [...new Set(keys)].filter((k) => k !== self);
}
