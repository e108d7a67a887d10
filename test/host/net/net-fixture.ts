/**
 * Shared setup of the real-kernel net tests: a driver context for a namespace "node", commands
 * for networks and routers, a tiny TCP echo service (node's net module, run inside a namespace)
 * that answers with its name and the peer address it sees, and a client for it.
 */
import { spawn } from "node:child_process";
import pino from "pino";
import type { DriverContext, NodeEnvironment, ResourceCommand } from "../../../node-agent/driver.js";
import type { NodeHandle } from "../../helpers/netns.js";
import { testTag } from "../../helpers/netns.js";

/** The group of every resource of this process: makes humops names unique per test process. */
export const GROUP = testTag();

/** A driver context running inside `node`'s namespace. */
export function driverContext(node: NodeHandle, env: Partial<NodeEnvironment> = {}, signal = new AbortController().signal): DriverContext {
  return {
    runner: node.runner,
    log: pino({ level: "silent" }),
    signal,
    node: { nodeName: node.name, address: (node.underlay[0]?.cidr ?? "0.0.0.0/0").split("/")[0]!, dataDir: "/tmp", blockStorageDir: "/tmp", imageDir: "/tmp", ...env },
  };
}

/** A network command of GROUP/ns1. */
export function networkCommand(id: string, opts: { type: string; vni: string; cidr: string; gateway?: string; peers?: string[]; generation?: number }): ResourceCommand {
  return {
    key: `systemv0/network/${GROUP}/ns1/${id}`,
    apiType: "systemv0/network",
    id,
    group: GROUP,
    namespace: "ns1",
    annotations: { "networkv0/network_type": opts.type, ...(opts.gateway ? { "networkv0/default_gateway": opts.gateway } : {}) },
    spec: { id: opts.vni, ipv4CIDR: opts.cidr },
    generation: opts.generation ?? 1,
    context: opts.peers ? { peers: opts.peers } : {},
  };
}

/** A router command of GROUP/ns1. */
export function routerCommand(id: string, spec: Record<string, unknown>, context: Record<string, unknown>, generation = 1): ResourceCommand {
  return { key: `systemv0/virtualrouter/${GROUP}/ns1/${id}`, apiType: "systemv0/virtualrouter", id, group: GROUP, namespace: "ns1", annotations: {}, spec, generation, context };
}

const SERVER = `const net=require("net");const [name,port]=process.argv.slice(1);
net.createServer(s=>{s.end(name+" "+s.remoteAddress.replace(/^::ffff:/,"")+"\\n")}).listen(Number(port),"0.0.0.0",()=>console.log("ready"));`;

/** Starts the echo service in `ns` on `port`; resolves once it listens. `stop()` kills it by pid. */
export async function startEcho(ns: string, name: string, port: number): Promise<{ stop(): void }> {
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", SERVER, name, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`echo server in ${ns} exited ${code}`)));
    child.stdout.once("data", () => resolve());
  });
  child.removeAllListeners("exit");
  return { stop: () => child.pid !== undefined && child.kill("SIGKILL") };
}

const CLIENT = `const s=require("net").connect(Number(process.argv[2]),process.argv[1]);let out="";
s.setTimeout(3000,()=>{console.error("timeout");process.exit(2)});s.on("data",d=>out+=d);
s.on("end",()=>{process.stdout.write(out);process.exit(0)});s.on("error",e=>{console.error(e.message);process.exit(1)});`;

/** Connects from `node` to host:port and returns what the echo service answered (trimmed), or `error: ...`. */
export async function askEcho(node: NodeHandle, host: string, port: number): Promise<string> {
  const r = await node.exec([process.execPath, "-e", CLIENT, host, String(port)]);
  return r.exitCode === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
}

/**
 * The nat-table chain and rule lines of `iptables-save` inside `node` (or inside `netns` from
 * it), with the chains' packet counters zeroed: stray packets (IPv6 solicitations) move them
 * between two saves, and they are not part of what humops declares.
 */
export async function natRules(node: NodeHandle, netns?: string): Promise<string[]> {
  const argv: [string, ...string[]] = netns ? ["ip", "netns", "exec", netns, "iptables-save", "-t", "nat"] : ["iptables-save", "-t", "nat"];
  const r = await node.execChecked(argv);
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("-A ") || l.startsWith(":"))
    .map((l) => (l.startsWith(":") ? l.replace(/\[\d+:\d+\]$/, "[0:0]") : l));
}
