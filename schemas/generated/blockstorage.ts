/* Generated from schemas/resources/blockstorage.schema.json; do not edit. Run npm run gen. */

/**
 * systemv0/blockstorage: a virtual disk, empty, downloaded over HTTP, or cloned from an image.
 */
export interface BlockStorage {
  /**
   * Identity and metadata. A blockstorage is namespaced: it carries a group and a namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/blockstorage here.
     */
    apiType: "systemv0/blockstorage";
    /**
     * The blockstorage's id, unique within its namespace; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this blockstorage belongs to.
     */
    group: string;
    /**
     * The id of the corev0/namespace (in meta.group) this blockstorage belongs to.
     */
    namespace: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for blockstorage are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (humops/deletion-policy), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
     */
    annotations?: {
      /**
       * The node that stores a Local disk. Optional: without it the controller places the blockstorage itself and records the choice in status.
       */
      "blockstoragev0/node_name"?: string;
      /**
       * Where the disk is stored: Local (a qcow2 file on one node) or Ceph (an RBD image in the agents' configured pool). Default Local.
       */
      "blockstoragev0/type"?: "Local" | "Ceph";
      /**
       * humops: what happens to the disk's data when its manifest is removed: Delete (default) removes it, Retain keeps the disk file or RBD image on the node.
       */
      "humops/deletion-policy"?: "Delete" | "Retain";
      /**
       * This interface was referenced by `undefined`'s JSON-Schema definition
       * via the `patternProperty` "^humops/(?!(?:deletion-policy)$)".
       *
       * The value of an annotation that humops does not interpret (users' own keys, and keys humstack's agents set such as networkv0/bridge_name or bs-download-host): any string.
       */
      [k: string]: never | string | "Local" | "Ceph" | "Delete" | "Retain" | undefined;
    };
    labels?: Labels;
  };
  /**
   * The disk.
   */
  spec: {
    /**
     * The size reserved for the disk when placing it, e.g. 1G.
     */
    requestSize: string | number;
    /**
     * The disk's virtual size, e.g. 10G: the size the VM sees.
     */
    limitSize: string | number;
    /**
     * What the disk starts from.
     */
    from: {
      /**
       * The source: Empty (a blank disk), HTTP (download a qcow2 or raw image from http.url), BaseImage (clone the image baseImage.imageName:baseImage.tag), BlockStorage (copy another disk of the same namespace, blockStorage.name).
       */
      type: "Empty" | "HTTP" | "BaseImage" | "BlockStorage";
      /**
       * Where to download the disk from (type HTTP).
       */
      http?: {
        /**
         * The http:// or https:// URL of the image to download.
         */
        url: string;
        /**
         * humops extension: the expected SHA-256 of the download (64 hex digits); a mismatch fails the disk.
         */
        sha256?: string;
      };
      /**
       * The image to clone (type BaseImage).
       */
      baseImage?: {
        /**
         * The id of a systemv0/image in the same group.
         */
        imageName: string;
        /**
         * The tag in the image's entityMap, e.g. "2004" or latest.
         */
        tag: string | number;
      };
      /**
       * The disk to copy (type BlockStorage).
       */
      blockStorage?: {
        /**
         * The id of a systemv0/blockstorage in the same group and namespace.
         */
        name: string;
      };
    };
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
