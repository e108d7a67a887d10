/* Generated from schemas/resources/virtualrouter.schema.json; do not edit. Run npm run gen. */

/**
 * systemv0/virtualrouter: a router in a network namespace on one node: routes between its networks and the external network, NATs (SNAT to natGatewayIP, 1:1 NAT for external IPs, DNAT port forwards) with iptables.
 */
export interface VirtualRouter {
  /**
   * Identity and metadata. A virtualrouter is namespaced: it carries a group and a namespace. humstack's server-set keys (resourceHash, deleteState, ownerReferences) are not accepted in manifests.
   */
  meta: {
    /**
     * The kind of the document: always systemv0/virtualrouter here.
     */
    apiType: "systemv0/virtualrouter";
    /**
     * The virtualrouter's id, unique within its namespace; other resources refer to it by this id.
     */
    id: string;
    /**
     * A display name for people; optional, never used for host objects.
     */
    name?: string;
    /**
     * The id of the corev0/group this virtualrouter belongs to.
     */
    group: string;
    /**
     * The id of the corev0/namespace (in meta.group) this virtualrouter belongs to.
     */
    namespace: string;
    /**
     * Annotations: key/value strings. The keys humstack defines for virtualrouter are checked (see each key); humops' own keys start with humops/ and only the known ones are allowed (none on this kind), so a typo is an error; any other key (your own, or one humstack's agents set) is kept as a string.
     */
    annotations?: {
      /**
       * The node the router runs on. Optional: without it the controller places the virtualrouter itself and records the choice in status.
       */
      "virtualrouterv0/node_name"?: string;
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
   * The router.
   */
  spec: {
    /**
     * The gateway on the external network (the router's default route), e.g. 192.168.10.254.
     */
    externalGateway?: string;
    /**
     * External IPs bound by this router: traffic to each external IP is DNATed to bindInternalIPv4Address, and that address's outgoing traffic is SNATed to the external IP.
     *
     * Items: One external IP binding.
     */
    externalIPs?: {
      /**
       * The id of a corev0/externalip in the same group and namespace.
       */
      externalIPID: string;
      /**
       * The internal address the external IP is forwarded to, e.g. 10.0.0.1.
       */
      bindInternalIPv4Address: string;
    }[];
    /**
     * The external address that VMs without an external IP are SNATed (NAPT) to, e.g. 192.168.10.200.
     */
    natGatewayIP?: string;
    /**
     * The networks the router is plugged into, each with the router's address on it.
     *
     * Items: One router interface.
     */
    nics?: {
      /**
       * The id of a systemv0/network in the same group and namespace.
       */
      networkID: string;
      /**
       * The router's address on that network, with its prefix length, e.g. 10.0.0.254/24.
       */
      ipv4Address: string;
    }[];
    /**
     * humstack's generic NAT rules. Not implemented by humstack's agent; humops rejects any entry (use externalIPs, natGatewayIP and dnatRules).
     *
     * @maxItems 0
     */
    natRules?: [];
    /**
     * Port forwards: traffic to destAddress:destPort is DNATed to toDestAddress:toDestPort.
     *
     * Items: One port forward.
     */
    dnatRules?: {
      /**
       * The external address traffic is sent to (an external IP or natGatewayIP).
       */
      destAddress: string;
      /**
       * The external port, 1-65535.
       */
      destPort: number;
      /**
       * The internal address to forward to.
       */
      toDestAddress: string;
      /**
       * The internal port, 1-65535.
       */
      toDestPort: number;
      /**
       * humops extension: the protocol forwarded. humstack forwards TCP only, which stays the default.
       */
      protocol?: "tcp" | "udp";
    }[];
  };
}
/**
 * Free key/value strings for users; humops does not interpret them.
 */
export interface Labels {
  [k: string]: string | undefined;
}
