/* Generated from schemas/resources/imageentity.schema.json; do not edit. Run npm run gen. */

/**
 * systemv0/imageentity: the data of an image, copied from a disk (source.namespace/source.blockStorageID) once that disk is Active. Group-scoped: not separated by namespace.
 */
export interface ImageEntity {
  /**
   * Identity and metadata. An imageentity is group-scoped: it carries a group and no namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/imageentity here.
     */
    apiType: "systemv0/imageentity";
    /**
     * The imageentity's id, unique within its group; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this imageentity belongs to.
     */
    group: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for imageentity are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
     */
    annotations?: {
      /**
       * The node that holds the image data. Optional: without it the controller places the imageentity itself and records the choice in status.
       */
      "imageentityv0/node_name"?: string;
      /**
       * Where the image data is stored: Local or Ceph (humstack sets it from the source disk).
       */
      "imageentityv0/type"?: "Local" | "Ceph";
      /**
       * This interface was referenced by `undefined`'s JSON-Schema definition
       * via the `patternProperty` "^humops/".
       *
       * The value of an annotation that humops does not interpret (users' own keys, and keys humstack's agents set such as networkv0/bridge_name or bs-download-host): any string.
       */
      [k: string]: never | string | "Local" | "Ceph" | undefined;
    };
    labels?: Labels;
  };
  /**
   * The image entity.
   */
  spec: {
    /**
     * Where the image data comes from.
     */
    source: {
      /**
       * BlockStorage (default): copy the disk source.namespace/source.blockStorageID; Image: copy the image source.imageName:source.imageTag.
       */
      type?: "BlockStorage" | "Image";
      /**
       * The namespace (in this group) of the source disk.
       */
      namespace?: string;
      /**
       * The id of the source systemv0/blockstorage.
       */
      blockStorageID?: string;
      /**
       * The source systemv0/image (type Image).
       */
      imageName?: string;
      /**
       * The source image's tag (type Image).
       */
      imageTag?: string | number;
    };
    /**
     * The expected hash of the image data (humstack field; informational).
     */
    hash?: string;
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
