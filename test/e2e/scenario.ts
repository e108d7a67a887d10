/**
 * The manifests of the end-to-end scenario (docs/e2e.md), as humstack YAML files: one VXLAN
 * network across two nodes, a disk downloaded over HTTP on node1 made into an image entity and
 * an image, VM A on node1 and VM B on node2 both booting from BaseImage overlays of it (node2
 * fetches the entity through node1's download API), and a router
 * on node1 binding external IP 203.0.113.10 to VM A. Each VM's NIC lists the other VM as its
 * nameserver: the tiny guest pings its nameservers and logs `humops-guest: ping ADDR ok`.
 * With `ceph`, VM C on node2 boots from a Ceph disk that node1 downloads into RBD (issue #13).
 */

/** Addresses the test checks. */
export const NET = {
  cidr: "198.19.10.0/24",
  gateway: "198.19.10.254",
  vmA: "198.19.10.11",
  vmB: "198.19.10.12",
  vmC: "198.19.10.13",
  externalIP: "203.0.113.10",
  natGatewayIP: "203.0.113.2",
  externalGateway: "203.0.113.254",
} as const;

/** Scenario knobs. */
export interface ScenarioOptions {
  readonly group: string;
  readonly imageUrl: string;
  readonly externalBridge: string;
  /** actionState per VM id; default PowerOn. */
  readonly power?: Readonly<Record<string, "PowerOn" | "PowerOff">>;
  /** Add VM C on node2 booting from Ceph disk diskc (made on node1 from HTTP). */
  readonly ceph?: boolean;
}

const meta = (apiType: string, id: string, group?: string, ns?: string, annotations?: Record<string, string>): string =>
  [
    "meta:",
    `  apiType: ${apiType}`,
    `  id: ${id}`,
    ...(group ? [`  group: ${group}`] : []),
    ...(ns ? [`  namespace: ${ns}`] : []),
    ...(annotations ? ["  annotations:", ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${v}`)] : []),
  ].join("\n");

/** A disk on `node`: from HTTP `url`, or from image `image`:latest; Local unless `ceph`. */
export function disk(group: string, id: string, node: string, from: ({ url: string } | { image: string }) & { ceph?: boolean; size?: string }): string {
  const source = "url" in from ? ["    type: HTTP", "    http:", `      url: ${from.url}`] : ["    type: BaseImage", "    baseImage:", `      imageName: ${from.image}`, "      tag: latest"];
  const ann = { "blockstoragev0/node_name": node, "blockstoragev0/type": from.ceph ? "Ceph" : "Local" };
  const size = from.size ?? "64M";
  return [meta("systemv0/blockstorage", id, group, "ns1", ann), "spec:", `  requestSize: ${size}`, `  limitSize: ${size}`, "  from:", ...source, ""].join("\n");
}

/** How a VM logs its user in: the name and the public keys (default `e2e` with none). */
export interface LoginUser {
  readonly username: string;
  readonly sshAuthorizedKeys: readonly string[];
}

/** A VM on `node` with one disk and one NIC on net1 at `address`, pinging `peer` when given. */
export function vm(group: string, o: { id: string; node: string; disk: string; address: string; peer?: string; power: string; memory?: string; vcpus?: string; hostname?: string; user?: LoginUser }): string {
  const mem = o.memory ?? "128M";
  const cpus = o.vcpus ?? "1000m";
  const user = o.user ?? { username: "e2e", sshAuthorizedKeys: [] };
  return [
    meta("systemv0/virtualmachine", o.id, group, "ns1", { "virtualmachinev0/node_name": o.node }),
    "spec:",
    ...(o.hostname ? [`  hostname: ${o.hostname}`] : []),
    `  requestVcpus: ${cpus}`,
    `  limitVcpus: ${cpus}`,
    `  requestMemory: ${mem}`,
    `  limitMemory: ${mem}`,
    "  blockStorageIDs:",
    `    - ${o.disk}`,
    "  nics:",
    "    - networkID: net1",
    `      ipv4Address: ${o.address}`,
    `      defaultGateway: ${NET.gateway}`,
    ...(o.peer ? ["      nameservers:", `        - ${o.peer}`] : []),
    `  actionState: ${o.power}`,
    "  loginUsers:",
    `    - username: ${user.username}`,
    ...(user.sshAuthorizedKeys.length ? ["      sshAuthorizedKeys:", ...user.sshAuthorizedKeys.map((k) => `        - "${k}"`)] : []),
    "",
  ].join("\n");
}

/** The group, namespace and VXLAN network every scenario needs. */
export function baseFiles(group: string, vni = "4100"): Record<string, string> {
  return {
    "00-group.yaml": [meta("corev0/group", group), "---", meta("corev0/namespace", "ns1", group), ""].join("\n"),
    "20-network.yaml": [
      meta("systemv0/network", "net1", group, "ns1", { "networkv0/network_type": "VXLAN" }),
      "spec:",
      `  id: "${vni}"`,
      `  ipv4CIDR: ${NET.cidr}`,
      "",
    ].join("\n"),
  };
}

/** The external IP pool, external IP eip1 and router vr1 on node1. */
export function externalFiles(o: Pick<ScenarioOptions, "group" | "externalBridge">): Record<string, string> {
  return {
    "10-external.yaml": [
      meta("corev0/externalippool", `pool${o.group}`),
      "spec:",
      "  ipv4CIDR: 203.0.113.0/24",
      `  bridgeName: ${o.externalBridge}`,
      `  defaultGateway: ${NET.externalGateway}`,
      "---",
      meta("corev0/externalip", "eip1", o.group, "ns1"),
      "spec:",
      `  poolID: pool${o.group}`,
      `  ipv4Address: ${NET.externalIP}`,
      "  ipv4Prefix: 24",
      "",
    ].join("\n"),
    "30-router.yaml": [
      meta("systemv0/virtualrouter", "vr1", o.group, "ns1", { "virtualrouterv0/node_name": "node1" }),
      "spec:",
      `  externalGateway: ${NET.externalGateway}`,
      "  externalIPs:",
      "    - externalIPID: eip1",
      `      bindInternalIPv4Address: ${NET.vmA}`,
      `  natGatewayIP: ${NET.natGatewayIP}`,
      "  nics:",
      "    - networkID: net1",
      `      ipv4Address: ${NET.gateway}/24`,
      "",
    ].join("\n"),
  };
}

/** Every manifest of the two-node scenario, path -> YAML. */
export function scenarioFiles(o: ScenarioOptions): Record<string, string> {
  const g = o.group;
  const power = (id: string): string => o.power?.[id] ?? "PowerOn";
  return {
    ...baseFiles(g),
    ...externalFiles(o),
    "40-image.yaml": [
      disk(g, "src", "node1", { url: o.imageUrl }),
      "---",
      meta("systemv0/imageentity", "tiny1", g),
      "spec:",
      "  source:",
      "    namespace: ns1",
      "    blockStorageID: src",
      "---",
      meta("systemv0/image", "tiny", g),
      "spec:",
      "  entityMap:",
      "    latest: tiny1",
      "",
    ].join("\n"),
    // Both from the image: diskb is on node2, the entity on node1 (fetched through node1's download API).
    "50-disks.yaml": [disk(g, "diska", "node1", { image: "tiny" }), "---", disk(g, "diskb", "node2", { image: "tiny" })].join("\n"),
    "60-vma.yaml": vm(g, { id: "vma", node: "node1", disk: "diska", address: NET.vmA, peer: NET.vmB, power: power("vma") }),
    "61-vmb.yaml": vm(g, { id: "vmb", node: "node2", disk: "diskb", address: NET.vmB, peer: NET.vmA, power: power("vmb") }),
    ...(o.ceph
      ? {
          // The disk is made on node1, the VM runs on node2: the drive must use node2's Ceph config.
          "70-ceph.yaml": [disk(g, "diskc", "node1", { url: o.imageUrl, ceph: true }), "---", vm(g, { id: "vmc", node: "node2", disk: "diskc", address: NET.vmC, peer: NET.vmA, power: power("vmc") })].join("\n"),
        }
      : {}),
  };
}

/** The Debian scenario's knobs (issue #12). */
export interface DebianScenarioOptions {
  readonly group: string;
  /** Where the nodes fetch the Debian cloud image (qcow2). */
  readonly imageUrl: string;
  readonly externalBridge: string;
  readonly user: LoginUser;
  /** The node the VM and its disk are on; the router is on node1. */
  readonly vmNode: string;
}

/** The VM's hostname in the Debian scenario. */
export const DEBIAN_HOSTNAME = "web-01";

/**
 * A stock Debian cloud guest as a user declares it (issue #12): the VXLAN network, the router on
 * node1 binding the external IP to the VM's address, a 3 GiB disk on `vmNode` downloaded over
 * HTTP from the image, and VM `web` on `vmNode` with a hostname and a login user with a key.
 */
export function debianFiles(o: DebianScenarioOptions): Record<string, string> {
  const g = o.group;
  return {
    ...baseFiles(g, "4200"),
    ...externalFiles(o),
    "40-disk.yaml": disk(g, "webdisk", o.vmNode, { url: o.imageUrl, size: "3G" }),
    "60-web.yaml": vm(g, { id: "web", node: o.vmNode, disk: "webdisk", address: NET.vmA, peer: NET.gateway, power: "PowerOn", memory: "1G", vcpus: "2000m", hostname: DEBIAN_HOSTNAME, user: o.user }),
  };
}
