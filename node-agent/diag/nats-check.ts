/**
 * doctor's NATS check: connects once with the agent config's URL and credentials, then
 * closes. The only module of diag that talks to NATS.
 */
import { readFile } from "node:fs/promises";
import { connect, credsAuthenticator, type ConnectionOptions } from "@nats-io/transport-node";
import type { AgentConfig } from "../../schemas/generated/agent-config.js";

/** The outcome of one connection attempt. */
export interface NatsProbe {
  readonly ok: boolean;
  readonly server: string;
  readonly detail: string;
}

/** The servers the agent would use (config, else HUMOPS_NATS_URL, else the default). */
export function natsServers(nats: AgentConfig["nats"], envUrl = process.env["HUMOPS_NATS_URL"]): string[] {
  return (nats?.url ?? envUrl ?? "nats://127.0.0.1:4222").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Tries to connect within `timeoutMs` (default 3 s); never throws. */
export async function probeNats(nats: AgentConfig["nats"], timeoutMs = 3000): Promise<NatsProbe> {
  const servers = natsServers(nats);
  const co: ConnectionOptions = { servers, timeout: timeoutMs, maxReconnectAttempts: 0, reconnect: false, name: "humops-nodectl-doctor" };
  try {
    if (nats?.credsFile !== undefined) co.authenticator = credsAuthenticator(await readFile(nats.credsFile));
    if (nats?.user !== undefined) co.user = nats.user;
    if (nats?.password !== undefined) co.pass = nats.password;
    if (nats?.token !== undefined) co.token = nats.token;
    const nc = await connect(co);
    const server = nc.getServer();
    await nc.close();
    return { ok: true, server, detail: `connected to ${server}${nats?.user || nats?.token || nats?.credsFile ? " with the configured credentials" : ""}` };
  } catch (e: unknown) {
    return { ok: false, server: servers.join(","), detail: `${servers.join(",")}: ${(e as Error).message}` };
  }
}
