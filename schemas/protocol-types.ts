/**
 * The shapes that cross NATS between the controller and the agents: a command for one
 * resource, and what a node observes about one resource. Shared by both sides; the JSON
 * Schemas in schemas/protocol/ validate them on the wire.
 */
import type { ApiType, ResourceKey } from "./kinds.js";

/** What the controller asks a node to make true for one resource. */
export interface ResourceCommand {
  readonly key: ResourceKey;
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** The desired spec, as validated by the kind's schema. */
  readonly spec: Readonly<Record<string, unknown>>;
  /** Increases with every change of the desired spec; reported back once applied. */
  readonly generation: number;
  /**
   * Which life of the resource this command is for (docs/protocol.md "Incarnations"): new when
   * the resource is declared again after its deletion. Absent: a legacy controller.
   */
  readonly incarnation?: string;
  /**
   * What the controller resolved for this kind (referenced networks, pool bridge, disk paths,
   * peers, download sources). Each driver exports the interface of its own context.
   */
  readonly context: Readonly<Record<string, unknown>>;
}

/** What a node reports about one resource. */
export interface ObservedResource {
  readonly key: ResourceKey;
  readonly apiType: ApiType;
  /** humstack's state word for the kind: Active, Available, Running, Stopped, Pending, Error, ... */
  readonly state: string;
  /** Generation of the last command applied; undefined when found on the host without a command. */
  readonly generation?: number;
  /** The incarnation of the last command applied (absent: none known, or a legacy command). */
  readonly incarnation?: string;
  /** PascalCase reason when state is Error or not as desired (e.g. `GuestShutdown`). */
  readonly reason?: string;
  readonly message?: string;
  /** Kind-specific observed details: bridge and tap names, MACs, uuid, disk path, pid... */
  readonly details: Readonly<Record<string, unknown>>;
  /** Host objects the last command declared that are missing or different now. */
  readonly drift?: readonly string[];
  /** The node the resource is on; undefined for cluster-level resources the controller applies itself. */
  readonly node?: string;
  /** The spec last applied (echoed from the command), so a diff can tell what changed. */
  readonly spec?: Readonly<Record<string, unknown>>;
}

