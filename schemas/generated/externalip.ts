/* Generated from schemas/resources/externalip.schema.json; do not edit. Run npm run gen. */

/**
 * corev0/externalip: one address of an external IP pool, bound by a virtual router to an internal address (1:1 NAT).
 */
export interface ExternalIP {
  /**
   * Identity and metadata. An externalip is namespaced: it carries a group and a namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always corev0/externalip here.
     */
    apiType: "corev0/externalip";
    /**
     * The externalip's id, unique within its namespace; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this externalip belongs to.
     */
    group: string;
    /**
     * The id of the corev0/namespace (in meta.group) this externalip belongs to.
     */
    namespace: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for externalip are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
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
   * The external address.
   */
  spec: {
    /**
     * The id of the corev0/externalippool the address belongs to.
     */
    poolID: string;
    /**
     * The external IPv4 address, inside the pool's ipv4CIDR, e.g. 192.168.10.100.
     */
    ipv4Address?: string;
    /**
     * The prefix length of the address on the external network, 0-32, e.g. 24.
     */
    ipv4Prefix?: number;
    /**
     * The external IPv6 address (kept for humstack compatibility).
     */
    ipv6Address?: string;
    /**
     * The prefix length of the IPv6 address, 0-128.
     */
    ipv6Prefix?: number;
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
