/**
 * Compiled validators for the protocol messages (schemas/protocol/*.schema.json), used on both
 * ends: a sender validates before publishing, a receiver before acting. Validation never throws:
 * it returns the value or the errors (instancePath + message).
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import common from "./protocol/common.schema.json" with { type: "json" };
import nodeCommand from "./protocol/node-command.schema.json" with { type: "json" };
import commandReply from "./protocol/command-reply.schema.json" with { type: "json" };
import nodeRegistration from "./protocol/node-registration.schema.json" with { type: "json" };
import nodeHeartbeat from "./protocol/node-heartbeat.schema.json" with { type: "json" };
import nodeInventory from "./protocol/node-inventory.schema.json" with { type: "json" };
import operationUpdate from "./protocol/operation-update.schema.json" with { type: "json" };
import type { ObservedResource } from "./protocol-types.js";
import type {
  CommandReply,
  NodeCommand,
  NodeHeartbeat,
  NodeInventory,
  NodeRegistration,
  OperationUpdate,
} from "./protocol/messages.js";

/** One schema violation. */
export interface ProtocolIssue {
  /** JSON pointer into the message, `` for the root. */
  readonly instancePath: string;
  readonly message: string;
}

/** The outcome of validating one message. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: ProtocolIssue[] };

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
ajv.addSchema(common);

function compile<T>(schema: object): (data: unknown) => ParseResult<T> {
  const validate = ajv.compile(schema) as ValidateFunction<T>;
  return (data) => {
    if (validate(data)) return { ok: true, value: data };
    const errors = (validate.errors ?? []).map((e) => ({
      instancePath: e.instancePath,
      message: e.message ?? "invalid",
    }));
    return { ok: false, errors };
  };
}

/** Validates a NodeCommand. */
export const parseNodeCommand = compile<NodeCommand>(nodeCommand);
/** Validates a command reply (a CommandResult, or a rejection). */
export const parseCommandReply = compile<CommandReply>(commandReply);
/** Validates a NodeRegistration. */
export const parseNodeRegistration = compile<NodeRegistration>(nodeRegistration);
/** Validates a NodeHeartbeat. */
export const parseNodeHeartbeat = compile<NodeHeartbeat>(nodeHeartbeat);
/** Validates an OperationUpdate (protocol 1.3). */
export const parseOperationUpdate = compile<OperationUpdate>(operationUpdate);
/** Validates a NodeInventory. */
export const parseNodeInventory = compile<NodeInventory>(nodeInventory);

/** Validates one ObservedResource (what a driver reports), e.g. before it goes into a result or an inventory. */
export const parseObservedResource = compile<ObservedResource>({
  $id: "https://humops.dev/schemas/protocol/observed-resource.check.json",
  $ref: "common.schema.json#/$defs/observedResource",
});

/** One line for logs and error messages: `/op must be equal to one of the allowed values; ...`. */
export function formatIssues(errors: readonly ProtocolIssue[]): string {
  return errors.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
}
