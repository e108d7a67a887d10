/* Generated from schemas/resources/node-declaration.schema.json; do not edit. Run npm run gen. */

/**
 * A node declared for maintenance (CONTRACT.md §6.2): a systemv0/node document whose meta.id is the node's name. It declares nothing to build; its annotations say how the controller treats the node. A node that has not registered yet is accepted with a warning.
 */
export interface NodeDeclaration {
  /**
   * Identity and the maintenance annotations. A node is cluster-wide: no group, no namespace.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/node here.
     */
    apiType: "systemv0/node";
    /**
     * The node's name, as its agent registers it (its nodeName).
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * Annotations: key/value strings. humops' own keys start with humops/ and only the known ones are allowed (humops/cordon, humops/drain), so a typo is an error; any other key is kept as a string.
     */
    annotations?: {
      /**
       * humops: "true" places nothing new on the node (what runs there stays); "false" or absent: the node takes new resources.
       */
      "humops/cordon"?: "true" | "false";
      /**
       * humops: "true" cordons the node and asks for what can move (routers, VMs whose disks are all Ceph) to be moved off it. Moving is not built yet: a drained node is only cordoned, and the status says so.
       */
      "humops/drain"?: "true" | "false";
      /**
       * This interface was referenced by `undefined`'s JSON-Schema definition
       * via the `patternProperty` "^humops/(?!(?:cordon|drain)$)".
       *
       * The value of an annotation that humops does not interpret (users' own keys, and keys humstack's agents set such as networkv0/bridge_name or bs-download-host): any string.
       */
      [k: string]: never | string | "true" | "false" | undefined;
    };
    labels?: Labels;
  };
  /**
   * Nothing to declare: empty or absent.
   */
  spec?: {};
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
