/**
 * `nodectl inspect KIND ID`: a resource's last command (with the command id from the journal),
 * what the drivers observe, and the host objects behind it with their live state.
 */
import { KINDS, isApiType, type ApiType } from "../../schemas/kinds.js";
import type { ObservedResource, ResourceCommand } from "../../schemas/protocol-types.js";
import { ResourceNotFoundError } from "./errors.js";
import { hostObjectsOf, type HostObject } from "./host-objects.js";
import { readJournal } from "./journal.js";
import type { NodeView } from "./node-view.js";
import { matchesRef } from "./console-log.js";

/** What `nodectl inspect` prints (the `inspect` shape of nodectl-output.schema.json). */
export interface InspectReport {
  readonly command: "inspect";
  readonly key: string;
  readonly apiType: ApiType;
  readonly source: "agent" | "host";
  readonly lastCommand: {
    readonly commandId?: string;
    readonly generation: number;
    readonly receivedAt?: string;
    readonly spec: Readonly<Record<string, unknown>>;
    readonly annotations: Readonly<Record<string, string>>;
    readonly context: Readonly<Record<string, unknown>>;
  };
  readonly observed: ObservedResource | null;
  readonly hostObjects: readonly HostObject[];
  /** Set when the host objects could not be read. */
  readonly hostError?: string;
}

/** `network`, `systemv0/network` or `vm` → the apiType; undefined when unknown. */
export function apiTypeOfKind(kind: string): ApiType | undefined {
  if (isApiType(kind)) return kind;
  const alias: Record<string, string> = { vm: "virtualmachine", disk: "blockstorage", router: "virtualrouter", net: "network" };
  const k = alias[kind] ?? kind;
  return (Object.keys(KINDS) as ApiType[]).find((a) => a.endsWith(`/${k}`));
}

/** The one last command of `apiType` named by `ref` (id, group/ns/id or key). Throws ResourceNotFoundError. */
export function findCommand(known: readonly ResourceCommand[], apiType: ApiType, ref: string): ResourceCommand {
  const hits = known.filter((c) => c.apiType === apiType && matchesRef(c.key, ref));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new ResourceNotFoundError(ref, `no ${apiType} ${ref} declared on this node`);
  throw new ResourceNotFoundError(ref, `${ref} is ambiguous: ${hits.map((c) => c.key).join(", ")}; give group/namespace/id`);
}

/** Builds the report. Throws ResourceNotFoundError when no command of that kind and id is known. */
export async function buildInspectReport(view: NodeView, apiType: ApiType, ref: string): Promise<InspectReport> {
  const inv = await view.inventory();
  const cmd = findCommand(inv.known, apiType, ref);
  const observed = inv.kinds.flatMap((k) => k.resources).find((r) => r.key === cmd.key) ?? null;
  const received = (await readJournal(view.target.journalPath)).filter((e) => e.event === "received" && e.key === cmd.key && e.generation === cmd.generation && e.commandId !== undefined).at(-1);
  let hostObjects: HostObject[] = [];
  let hostError: string | undefined;
  try {
    hostObjects = await hostObjectsOf(cmd, view.ctx);
  } catch (e: unknown) {
    hostError = (e as Error).message;
  }
  return {
    command: "inspect",
    key: cmd.key,
    apiType,
    source: inv.source,
    lastCommand: {
      ...(received?.commandId ? { commandId: received.commandId, receivedAt: received.at } : {}),
      generation: cmd.generation,
      spec: cmd.spec,
      annotations: cmd.annotations,
      context: withoutSecrets(cmd.context),
    },
    observed,
    hostObjects,
    ...(hostError !== undefined ? { hostError } : {}),
  };
}

/** The command context as nodectl shows it: the cluster download token is never printed. */
export function withoutSecrets(context: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  return "downloadToken" in context ? { ...context, downloadToken: "(redacted)" } : context;
}
