/* Generated from schemas/resources/virtualmachine.schema.json; do not edit. Run npm run gen. */

/**
 * systemv0/virtualmachine: a qemu VM with its disks, NICs and cloud-init users. Not started before its disks and networks are available.
 */
export interface VirtualMachine {
  /**
   * Identity and metadata. A virtualmachine is namespaced: it carries a group and a namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/virtualmachine here.
     */
    apiType: "systemv0/virtualmachine";
    /**
     * The virtualmachine's id, unique within its namespace; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this virtualmachine belongs to.
     */
    group: string;
    /**
     * The id of the corev0/namespace (in meta.group) this virtualmachine belongs to.
     */
    namespace: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for virtualmachine are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (humops/restart-policy, humops/restart-requested-at), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
     */
    annotations?: {
      /**
       * The node the VM runs on. Optional: without it the controller places the virtualmachine itself and records the choice in status.
       */
      "virtualmachinev0/node_name"?: string;
      /**
       * humops: how a change that needs the running VM restarted (vCPUs, memory, disks, NICs) is applied: Manual (default) leaves the VM running and reports the change as waiting for a restart (power it off and on, or set Auto); Auto lets humops restart the VM to apply it.
       */
      "humops/restart-policy"?: "Manual" | "Auto";
      /**
       * humops: a reboot request, like Flux's requestedAt: any string (a timestamp is usual). When the value changes, the running VM is rebooted in place (the ACPI power button with qemu told to reset instead of exit, then a hard reset after the agent's power-off timeout); same qemu process, same disks. The status shows the last handled value (details.lastHandledRestartRequestedAt). A VM created with the annotation, or powered off, records the value without a reboot.
       */
      "humops/restart-requested-at"?: string;
      /**
       * This interface was referenced by `undefined`'s JSON-Schema definition
       * via the `patternProperty` "^humops/(?!(?:restart-policy|restart-requested-at)$)".
       *
       * The value of an annotation that humops does not interpret (users' own keys, and keys humstack's agents set such as networkv0/bridge_name or bs-download-host): any string.
       */
      [k: string]: never | string | "Manual" | "Auto" | undefined;
    };
    labels?: Labels;
  };
  /**
   * The VM.
   */
  spec: {
    /**
     * The VM's SMBIOS UUID. Optional: derived from the VM's identity when omitted.
     */
    uuid?: string;
    /**
     * The guest hostname set by cloud-init. Default: the VM's id.
     */
    hostname?: string;
    /**
     * vCPUs reserved for placement, e.g. 1000m or "1".
     */
    requestVcpus: string | number;
    /**
     * vCPUs the VM gets (qemu -smp), e.g. 1000m or "1".
     */
    limitVcpus: string | number;
    /**
     * Memory reserved for placement, e.g. 1G.
     */
    requestMemory: string | number;
    /**
     * Memory the VM gets (qemu -m), e.g. 1G.
     */
    limitMemory: string | number;
    /**
     * The VM's disks, in boot order: ids of systemv0/blockstorage in the same group and namespace.
     *
     * Items: A resource id (meta.id, and every reference to one). Reaches host objects, so it is restricted to 1-63 characters: letters, digits, '_', '.', '-', starting and ending with a letter or digit, without '..' (pattern ^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$).
     */
    blockStorageIDs?: string[];
    /**
     * The VM's network interfaces, in order.
     *
     * Items: One network interface.
     */
    nics?: {
      /**
       * A resource id (meta.id, and every reference to one). Reaches host objects, so it is restricted to 1-63 characters: letters, digits, '_', '.', '-', starting and ending with a letter or digit, without '..' (pattern ^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$).
       */
      networkID: string;
      /**
       * The NIC's MAC address. Optional: derived from the VM and network when omitted.
       */
      macAddress?: string;
      /**
       * The guest's IPv4 address, set by cloud-init (the prefix comes from the network's ipv4CIDR), e.g. 10.0.0.1.
       */
      ipv4Address?: string;
      /**
       * The guest's IPv6 address (kept for humstack compatibility).
       */
      ipv6Address?: string;
      /**
       * DNS servers set by cloud-init.
       *
       * Items: A DNS server address (IPv4 or IPv6), e.g. 8.8.8.8.
       */
      nameservers?: ({
        [k: string]: unknown | undefined;
      } & string)[];
      /**
       * The default gateway set by cloud-init, e.g. 10.0.0.254.
       */
      defaultGateway?: string;
    }[];
    /**
     * Users created by cloud-init.
     *
     * Items: One login user.
     */
    loginUsers?: {
      /**
       * The user name: a lowercase letter or '_' then up to 31 lowercase letters, digits, '_' or '-' (pattern ^[a-z_][a-z0-9_-]{0,31}$).
       */
      username: string;
      /**
       * The user's SSH public keys, one per entry, as in authorized_keys.
       */
      sshAuthorizedKeys?: string[];
    }[];
    /**
     * The power state wanted: PowerOn (run the VM) or PowerOff (stop it, keeping its disks). Default PowerOn.
     */
    actionState?: "PowerOn" | "PowerOff";
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
