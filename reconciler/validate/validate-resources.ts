/**
 * Cross-resource and semantic validation of a loaded manifests tree (issue #3): references,
 * addresses, networks, disks and safe names. Schema-level checks are the loader's. Pure: plain
 * data in, diagnostics out, nothing thrown.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource, Diagnostic } from "../manifest/types.js";
import { checkCycles } from "./check-cycles.js";
import { checkDisks } from "./check-disks.js";
import { checkExternalIpBindings } from "./check-external-ip-bindings.js";
import { checkNames } from "./check-names.js";
import { checkNetworkAddresses } from "./check-network-addresses.js";
import { checkNetworks } from "./check-networks.js";
import { checkPoolAddresses } from "./check-pool-addresses.js";
import { checkReferences } from "./check-references.js";
import { makeContext, type ValidationContext } from "./context.js";

/** The outcome of validation: every diagnostic (sorted by place) and the keys with an error. */
export interface ValidationResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Resources with at least one error: they are not applied (they keep their last applied state). */
  readonly invalid: ReadonlySet<ResourceKey>;
}

const CHECKS: readonly ((ctx: ValidationContext) => void)[] = [
  checkNames,
  checkReferences,
  checkNetworks,
  checkNetworkAddresses,
  checkPoolAddresses,
  checkExternalIpBindings,
  checkDisks,
  checkCycles,
];

/** Orders diagnostics by file, line, column, then code: the same tree always prints the same list. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/**
 * Validates `resources` against each other. `invalidKeys` are resources the loader could name
 * but not validate: references to them are not reported as unknown (their own error is).
 * Never throws; an empty tree is valid.
 */
export function validateResources(
  resources: ReadonlyMap<ResourceKey, DesiredResource>,
  invalidKeys: ReadonlySet<ResourceKey> = new Set(),
): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  const invalid = new Set<ResourceKey>();
  const ctx = makeContext(resources, invalidKeys, diagnostics, invalid);
  for (const check of CHECKS) check(ctx);
  diagnostics.sort(compareDiagnostics);
  return { diagnostics, invalid };
}
