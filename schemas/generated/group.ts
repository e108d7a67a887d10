/* Generated from schemas/resources/group.schema.json; do not edit. Run npm run gen. */

/**
 * corev0/group: a group (an organisation, a tenant). Namespaces, images and image entities live in a group.
 */
export interface Group {
  /**
   * Identity and metadata. A group is cluster-wide: it carries no group or namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always corev0/group here.
     */
    apiType: "corev0/group";
    /**
     * The group's id, unique within its cluster; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for group are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
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
   * humstack's group has no spec fields; an empty spec is accepted.
   */
  spec?: {};
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
