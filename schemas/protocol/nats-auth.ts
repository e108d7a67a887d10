/**
 * Renders the nats-server `authorization` block of a humops cluster (docs/nats-auth.md): one
 * user per node agent, allowed to serve only its own command subject and to write only its
 * own keys of the protocol's KV buckets, and one controller user. Pure: the subjects come from
 * subjects.ts, so the permissions cannot drift from what the buses use.
 */
import { ALL_OPERATIONS_SUBJECT, BUCKETS, commandSubject, kvSubject, operationSubject, SUBJECT_PREFIX } from "./subjects.js";

/** A user's credentials as nats-server checks them (the password may be a bcrypt hash, `$2a$...`). */
export interface NatsCredentials {
  readonly user: string;
  readonly password: string;
}

/** One node's agent user. */
export interface NodeCredentials extends NatsCredentials {
  readonly node: string;
}

/** Subject permissions of one user. */
export interface Permissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** The buckets agents write (their own key each); the leader lease is the controllers' alone. */
const AGENT_BUCKETS = [BUCKETS.nodes, BUCKETS.liveness, BUCKETS.inventory];
const BUCKET_NAMES = Object.values(BUCKETS);

/** The inbox prefix of a node's agent (its connection's `inboxPrefix`): replies to its own requests only. */
export function agentInboxPrefix(node: string): string {
  return `_INBOX_${node}`;
}

/** What node `node`'s agent may do. Throws TypeError for a node name that is not one subject token. */
export function agentPermissions(node: string): Permissions {
  if (!NODE_NAME.test(node)) throw new TypeError(`not a node name: ${JSON.stringify(node)}`);
  return {
    publish: [
      ...AGENT_BUCKETS.map((b) => kvSubject(b, node)),
      // Its own operations' progress and completions (protocol 1.3).
      operationSubject(node),
      // Opening (creating when missing) the buckets: account info, stream info/create of the three KV streams only.
      "$JS.API.INFO",
      ...AGENT_BUCKETS.flatMap((b) => [`$JS.API.STREAM.INFO.KV_${b}`, `$JS.API.STREAM.CREATE.KV_${b}`]),
    ],
    subscribe: [commandSubject(node), `${agentInboxPrefix(node)}.>`],
  };
}

/** What the controller may do: send every node's commands, use JetStream, read and write the buckets. */
export function controllerPermissions(): Permissions {
  return {
    publish: [
      `${SUBJECT_PREFIX}.node.*.cmd`,
      "$JS.API.>",
      "$JS.FC.>",
      "$JS.ACK.>",
      ...BUCKET_NAMES.map((b) => `$KV.${b}.>`),
    ],
    subscribe: ["_INBOX.>", ALL_OPERATIONS_SUBJECT],
  };
}

function q(s: string): string {
  return JSON.stringify(s);
}

function renderUser(c: NatsCredentials, p: Permissions, allowResponses: boolean): string {
  return [
    `    {`,
    `      user: ${q(c.user)}`,
    `      password: ${q(c.password)}`,
    `      permissions: {`,
    `        publish: { allow: [${p.publish.map(q).join(", ")}] }`,
    `        subscribe: { allow: [${p.subscribe.map(q).join(", ")}] }`,
    ...(allowResponses ? [`        allow_responses: true`] : []),
    `      }`,
    `    }`,
  ].join("\n");
}

/**
 * The `authorization { users: [...] }` block for nats-server.conf. Agents get
 * `allow_responses` (they answer the controller's requests without a publish permission on its
 * inbox). Throws TypeError for an invalid or duplicate node name or user.
 */
export function renderNatsAuthConfig(nodes: readonly NodeCredentials[], controller: NatsCredentials): string {
  const users = new Set([controller.user]);
  for (const n of nodes) {
    if (users.has(n.user)) throw new TypeError(`duplicate NATS user ${JSON.stringify(n.user)}`);
    users.add(n.user);
  }
  const blocks = [
    renderUser(controller, controllerPermissions(), false),
    ...nodes.map((n) => renderUser(n, agentPermissions(n.node), true)),
  ];
  return `authorization {\n  users: [\n${blocks.join("\n")}\n  ]\n}\n`;
}
