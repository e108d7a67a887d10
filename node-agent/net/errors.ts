/** Errors of the network and virtual-router drivers, each with a stable `code`. */

/** A name that would reach argv is neither a humops name nor a safe configured device name. */
export class UnsafeNameError extends Error {
  override readonly name = "UnsafeNameError";
  readonly code = "UNSAFE_NAME" as const;
  readonly value: string;

  constructor(what: string, value: string, options?: ErrorOptions) {
    super(`${what} ${JSON.stringify(value)} is not a safe interface name (want a humops name or ^[A-Za-z0-9_.-]{1,15}$)`, options);
    this.value = value;
  }
}

/** An address or CIDR that ipaddr.js does not parse as IPv4 (or is out of range). */
export class InvalidAddressError extends Error {
  override readonly name = "InvalidAddressError";
  readonly code = "INVALID_ADDRESS" as const;
  readonly value: string;

  constructor(what: string, value: string, options?: ErrorOptions) {
    super(`${what} ${JSON.stringify(value)} is not a valid IPv4 address or CIDR`, options);
    this.value = value;
  }
}

/** The command's spec, annotations or context cannot be applied as given (a terminal error). */
export class NetSpecError extends Error {
  override readonly name = "NetSpecError";
  readonly code = "INVALID_NET_SPEC" as const;
  readonly resource: string;

  constructor(resource: string, message: string, options?: ErrorOptions) {
    super(`${resource}: ${message}`, options);
    this.resource = resource;
  }
}

/** A device the node must provide (external bridge, network bridge, vxlan/vlan underlay) is missing. */
export class MissingDeviceError extends Error {
  override readonly name = "MissingDeviceError";
  readonly code = "MISSING_DEVICE" as const;
  readonly device: string;

  constructor(device: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.device = device;
  }
}

/** The node's kernel lacks a link type the network needs (e.g. 802.1Q VLAN). */
export class UnsupportedLinkTypeError extends Error {
  override readonly name = "UnsupportedLinkTypeError";
  readonly code = "UNSUPPORTED_LINK_TYPE" as const;
  readonly linkType: string;

  constructor(linkType: string, options?: ErrorOptions) {
    super(`the kernel of this node does not support ${linkType} links (Error: Unknown device type)`, options);
    this.linkType = linkType;
  }
}

/** The VXLAN id (VNI) is already used on this node by another link: two networks share a spec.id. */
export class IdInUseError extends Error {
  override readonly name = "IdInUseError";
  readonly code = "ID_IN_USE" as const;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A router namespace entry this process cannot enter while another mount namespace on the
 * machine holds it: another agent on this machine (in its own `ip netns exec` mount
 * namespace) runs the same router. Transient: nothing is touched; retry once that one is gone.
 */
export class NetnsHeldElsewhereError extends Error {
  override readonly name = "NetnsHeldElsewhereError";
  readonly code = "NETNS_HELD_ELSEWHERE" as const;
  readonly netns: string;

  constructor(netns: string, options?: ErrorOptions) {
    super(`router netns ${netns} cannot be entered from this agent's mount namespace, but another mount namespace on this machine holds it (another agent runs this router?); left alone`, options);
    this.netns = netns;
  }
}
