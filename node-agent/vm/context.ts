/**
 * What the controller resolves for a `systemv0/virtualmachine` command (ResourceCommand.context).
 * The VM driver derives bridge and tap names itself (schemas/host-names.ts).
 */

/** One disk of the VM, in `spec.blockStorageIDs` order. */
export interface VmDiskContext {
  readonly blockStorageID: string;
  /** Local: the qcow2 path on this node. */
  readonly path?: string;
  /**
   * Ceph: the RBD image. `confPath` and `user` are ignored: the agent uses its own
   * blockStorageAgentConfig.cephBackend (issue #13); controllers of protocol v1 still send
   * `confPath` for agents that predate that (docs/protocol.md).
   */
  readonly rbd?: { readonly pool: string; readonly image: string; readonly confPath?: string; readonly user?: string };
  /** Image format qemu should use: qcow2 for Local, raw for RBD. */
  readonly format: "qcow2" | "raw";
}

/** One network a NIC of the VM joins. */
export interface VmNetworkContext {
  /** The network's ipv4CIDR, for the prefix length of static addresses. */
  readonly ipv4CIDR: string;
}

/** The context of a virtualmachine command. */
export interface VmContext {
  readonly disks: readonly VmDiskContext[];
  /** By networkID (networks of the VM's namespace). */
  readonly networks: Readonly<Record<string, VmNetworkContext>>;
  /** The VM's uuid when the controller assigned one (status-recorded); otherwise derived from the key. */
  readonly uuid?: string;
}
