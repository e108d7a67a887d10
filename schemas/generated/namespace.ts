/* Generated from schemas/resources/namespace.schema.json; do not edit. Run npm run gen. */

/**
 * corev0/namespace: separates resources inside a group. Networks, routers, disks, VMs and external IPs live in a namespace.
 */
export interface Namespace {
  /**
   * Identity and metadata. A namespace is group-scoped: it carries a group and no namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always corev0/namespace here.
     */
    apiType: "corev0/namespace";
    /**
     * The namespace's id, unique within its group; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this namespace belongs to.
     */
    group: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for namespace are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
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
   * humstack's namespace has no spec fields; an empty spec is accepted.
   */
  spec?: {};
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
