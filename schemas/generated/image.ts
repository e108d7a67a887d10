/* Generated from schemas/resources/image.schema.json; do not edit. Run npm run gen. */

/**
 * systemv0/image: an image name whose tags point to image entities. Tags are added over time.
 */
export interface Image {
  /**
   * Identity and metadata. An image is group-scoped: it carries a group and no namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/image here.
     */
    apiType: "systemv0/image";
    /**
     * The image's id, unique within its group; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this image belongs to.
     */
    group: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for image are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
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
   * The image.
   */
  spec: {
    /**
     * Tags of the image: tag -> id of a systemv0/imageentity in the same group, e.g. latest: ientity1. A tag that points to an undeclared entity is a warning until something uses it.
     */
    entityMap: {
      /**
       * The id of the systemv0/imageentity this tag points to.
       */
      [k: string]: string | undefined;
    };
    /**
     * The image format (humstack field; informational), e.g. qcow2.
     */
    type?: string;
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
