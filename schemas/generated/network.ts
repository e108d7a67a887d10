/* Generated from schemas/resources/network.schema.json; do not edit. Run npm run gen. */

/**
 * systemv0/network: a virtual L2 network: a Linux bridge on every node that needs it, joined by VXLAN or VLAN.
 */
export interface Network {
  /**
   * Identity and metadata. A network is namespaced: it carries a group and a namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/network here.
     */
    apiType: "systemv0/network";
    /**
     * The network's id, unique within its namespace; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this network belongs to.
     */
    group: string;
    /**
     * The id of the corev0/namespace (in meta.group) this network belongs to.
     */
    namespace: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for network are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
     */
    annotations?: {
      /**
       * How the network is built on each node: VXLAN (a vxlan link with VNI spec.id plus a bridge), VLAN (a VLAN link with id spec.id plus a bridge) or Bridge (a bridge only, on one node). Default VXLAN.
       */
      "networkv0/network_type"?: "VXLAN" | "VLAN" | "Bridge";
      /**
       * An interface address a.b.c.d/nn set on the network's bridge on the compute nodes; traffic from the network is then NAPTed by the node's iptables (humstack's meaning).
       */
      "networkv0/default_gateway"?: string;
      /**
       * This interface was referenced by `undefined`'s JSON-Schema definition
       * via the `patternProperty` "^humops/".
       *
       * The value of an annotation that humops does not interpret (users' own keys, and keys humstack's agents set such as networkv0/bridge_name or bs-download-host): any string.
       */
      [k: string]: never | string | "VXLAN" | "VLAN" | "Bridge" | undefined;
    };
    labels?: Labels;
  };
  /**
   * The network.
   */
  spec: {
    /**
     * The VXLAN VNI or VLAN id of the network: a number as a string ("100", humstack's form) or an integer (100); required, 1-16777215 for a VXLAN network and 1-4094 for a VLAN one. A Bridge network (also one without networkv0/network_type) does not use it, as humstack did not: any string of at most 253 printable characters or any number is accepted there, "0" included, or none.
     */
    id?: string | number;
    /**
     * The IPv4 network of the virtual network, e.g. 10.0.0.0/24.
     */
    ipv4CIDR: string;
    /**
     * The IPv6 network (kept for humstack compatibility).
     */
    ipv6CIDR?: string;
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
