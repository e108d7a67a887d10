/* Generated from schemas/resources/node.schema.json; do not edit. Run npm run gen. */

/**
 * What a node agent reports about its node (humstack's systemv0/node): identity, address, capacity, what is allocated on it, how it runs VMs, and whether it is ready. Numbers are plain integers (vCPUs, bytes).
 */
export interface NodeReport {
  /**
   * The node's name (the agent's nodeName).
   */
  name: string;
  /**
   * The node's underlay address (the agent's nodeAddress).
   */
  address: string;
  /**
   * What the node offers for placement (the agent's limitVcpus/limitMemory, or the machine's).
   */
  capacity: {
    /**
     * vCPUs.
     */
    vcpus: number;
    /**
     * Memory, in bytes.
     */
    memoryBytes: number;
  };
  /**
   * What the resources placed on the node request (VMs that are not PowerOff, Local disks).
   */
  allocated: {
    /**
     * vCPUs requested by VMs.
     */
    vcpus: number;
    /**
     * Memory requested by VMs, in bytes.
     */
    memoryBytes: number;
    /**
     * Disk requested by Local disks, in bytes.
     */
    diskBytes: number;
  };
  /**
   * The agent's version, e.g. 0.1.0.
   */
  agentVersion: string;
  /**
   * How qemu runs VMs on this node: kvm, tcg (emulation), or none (qemu unusable).
   */
  accelerator: "kvm" | "tcg" | "none";
  /**
   * True when the node can take work (its host checks pass).
   */
  ready: boolean;
  /**
   * Why the node is not ready, PascalCase, e.g. QemuMissing.
   */
  reason?: string;
  /**
   * Details for people about the node's state.
   */
  message?: string;
}
