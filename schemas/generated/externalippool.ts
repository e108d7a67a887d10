/* Generated from schemas/resources/externalippool.schema.json; do not edit. Run npm run gen. */

/**
 * corev0/externalippool: the external network (a bridge on the nodes) from which external IPs are taken. Cluster-wide: no group or namespace.
 */
export interface ExternalIPPool {
  /**
   * Identity and metadata. An externalippool is cluster-wide: it carries no group or namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always corev0/externalippool here.
     */
    apiType: "corev0/externalippool";
    /**
     * The externalippool's id, unique within its cluster; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for externalippool are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
     */
    annotations?: {
      /**
       * This interface was referenced by `undefined`'s JSON-Schema definition
       * via the `patternProperty` "^humops/".
       *
       * The value of an annotation that humops does not interpret (users' own keys, and keys humstack's agents set such as networkv0/bridge_name or bs-download-host): any string.
       */
      [k: string]: never | string | undefined;
    };
    labels?: Labels;
  };
  /**
   * The external network.
   */
  spec: {
    /**
     * The external IPv4 network, e.g. 192.168.10.0/24; external IPs and router NAT addresses are taken from it.
     */
    ipv4CIDR: string;
    /**
     * The external IPv6 network (kept for humstack compatibility).
     */
    ipv6CIDR?: string;
    /**
     * The existing Linux bridge on each node that is attached to the external network, e.g. exBr. Virtual routers plug their external side into it.
     */
    bridgeName: string;
    /**
     * The gateway of the external network, e.g. 192.168.10.254.
     */
    defaultGateway?: string;
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
