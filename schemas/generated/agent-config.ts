/* Generated from schemas/agent-config.schema.json; do not edit. Run npm run gen. */

/**
 * The node agent's config file (humops agent --config FILE): humstack's agent config.yaml accepted as written, plus humops' keys. humstack keys that humops does not use are accepted and reported as warnings; any other unknown key is an error.
 */
export interface AgentConfig {
  /**
   * humstack's apiserver address; humops agents talk to NATS instead (see nats). humstack key: accepted, ignored by humops (the agent warns).
   */
  apiServerAddress?: string;
  /**
   * humstack's apiserver port; replaced by nats. humstack key: accepted, ignored by humops (the agent warns).
   */
  apiServerPort?: number;
  /**
   * humstack's agent mode (Core, System, All); a humops agent always does everything a node does. humstack key: accepted, ignored by humops (the agent warns).
   */
  agentMode?: "All" | "Core" | "System";
  /**
   * humstack's polling interval; humops agents are driven by commands. humstack key: accepted, ignored by humops (the agent warns).
   */
  pollingSeconds?: number;
  /**
   * The node's memory capacity for placement, e.g. 8G. Default: the machine's memory.
   */
  limitMemory?: string | number;
  /**
   * The node's vCPU capacity for placement, e.g. 8000m or "8". Default: the machine's CPU count.
   */
  limitVcpus?: string | number;
  /**
   * The node's underlay address: VXLAN tunnels and the download API use it, e.g. 192.168.10.1.
   */
  nodeAddress?: string;
  /**
   * humops: the node's name (default: the hostname). Several agents on one machine (each in its own network namespace) run as different nodes by giving each its own nodeName.
   */
  nodeName?: string;
  /**
   * humops: where the agent keeps its state, disks and images (default /var/lib/humops). blockStorageDirPath and imageDirPath, when given, win for what they name.
   */
  dataDir?: string;
  /**
   * humops: the agent's log level. Default info.
   */
  logLevel?: "trace" | "debug" | "info" | "warn" | "error";
  /**
   * humops: how the agent reaches the controller (replaces apiServerAddress/apiServerPort). Give at most one of user+password, token or credsFile.
   */
  nats?: {
    /**
     * The NATS server URL(s), e.g. nats://10.0.0.1:4222; several separated by commas. Default: HUMOPS_NATS_URL, then nats://127.0.0.1:4222.
     */
    url?: string;
    /**
     * The NATS user name (with password).
     */
    user?: string;
    /**
     * The NATS password (with user).
     */
    password?: string;
    /**
     * A NATS authentication token.
     */
    token?: string;
    /**
     * Path of a NATS .creds file (JWT + nkey).
     */
    credsFile?: string;
  };
  /**
   * humops: virtual machine settings.
   */
  vm?: {
    /**
     * How long a guest gets to power off after an ACPI shutdown before qemu is stopped. Default 60.
     */
    powerOffTimeoutSeconds?: number;
    /**
     * The qemu accelerator: auto (default: KVM when it works, else TCG), kvm or tcg.
     */
    accelerator?: "auto" | "kvm" | "tcg";
  };
  /**
   * humstack's disk agent settings.
   */
  blockStorageAgentConfig?: {
    /**
     * Where Local disks are stored (default <dataDir>/blockstorages).
     */
    blockStorageDirPath?: string;
    /**
     * Where image data is stored (default <dataDir>/images).
     */
    imageDirPath?: string;
    /**
     * How many disk operations (downloads, copies) run at once. Default 1.
     */
    parallelLimit?: number;
    /**
     * The HTTP server other nodes download disks and images from.
     */
    downloadAPI?: {
      /**
       * The address other nodes use to reach it (default nodeAddress).
       */
      advertiseAddress?: string;
      /**
       * The address it listens on, e.g. 0.0.0.0.
       */
      listenAddress?: string;
      /**
       * The port it listens on, e.g. 8082.
       */
      listenPort?: number;
      /**
       * humops extension: a file holding a bearer token that downloads may present; the tokens the controller sends with image entity commands are accepted too.
       */
      tokenFile?: string;
    };
    /**
     * Ceph RBD backend for disks with annotation blockstoragev0/type: Ceph (humstack's cephBackend).
     */
    cephBackend?: {
      /**
       * Path of the ceph.conf to use, e.g. /etc/ceph/ceph.conf.
       */
      configPath: string;
      /**
       * The RADOS pool holding the RBD images, e.g. humops.
       */
      poolName: string;
      /**
       * humops extension: the Ceph client id (without the client. prefix) used by rbd and qemu. Default admin.
       */
      user?: string;
      /**
       * humops extension: path of the keyring of that client. Default: what ceph.conf says.
       */
      keyringPath?: string;
    };
  };
  /**
   * humstack's network agent settings.
   */
  networkAgentConfig?: {
    /**
     * VXLAN networks.
     */
    vxlan?: {
      /**
       * The underlay interface the VXLAN links use, e.g. eth0.
       */
      devName?: string;
      /**
       * The multicast group for mode multicast, e.g. 239.0.0.1.
       */
      group?: string;
      /**
       * humops extension: how VXLAN floods reach the other nodes: multicast (humstack's way, via group; the default) or static (head-end replication: one forwarding entry per peer node, for underlays without multicast).
       */
      mode?: "multicast" | "static";
    };
    /**
     * VLAN networks.
     */
    vlan?: {
      /**
       * The underlay interface the VLAN links use, e.g. eth0.
       */
      devName?: string;
      /**
       * humstack's VLAN link name prefix; humops names host links itself (schemas/host-names.ts). humstack key: accepted, ignored by humops (the agent warns).
       */
      vlanInterfaceNamePrefix?: string;
    };
  };
  /**
   * humstack's image agent settings.
   */
  imageAgentConfig?: {
    /**
     * Where the disks images are copied from are stored (default: blockStorageAgentConfig's).
     */
    blockStorageDirPath?: string;
    /**
     * Where image data is stored (default: blockStorageAgentConfig's).
     */
    imageDirPath?: string;
    /**
     * humstack's image download API; humstack key: accepted, ignored by humops (the agent warns). humops serves images from blockStorageAgentConfig.downloadAPI.
     */
    downloadAPI?: {
      /**
       * Ignored.
       */
      advertiseAddress?: string;
      /**
       * Ignored.
       */
      listenPort?: number;
    };
    /**
     * Ceph RBD backend for disks with annotation blockstoragev0/type: Ceph (humstack's cephBackend). The image agent's copy of cephBackend; humstack key: accepted, ignored by humops (the agent warns). humops uses blockStorageAgentConfig.cephBackend.
     */
    cephBackend?: {
      /**
       * Path of the ceph.conf to use, e.g. /etc/ceph/ceph.conf.
       */
      configPath: string;
      /**
       * The RADOS pool holding the RBD images, e.g. humops.
       */
      poolName: string;
      /**
       * humops extension: the Ceph client id (without the client. prefix) used by rbd and qemu. Default admin.
       */
      user?: string;
      /**
       * humops extension: path of the keyring of that client. Default: what ceph.conf says.
       */
      keyringPath?: string;
    };
  };
}
