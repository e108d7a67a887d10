/**
 * The agent's network package: the drivers for `systemv0/network` and `systemv0/virtualrouter`,
 * the contexts the controller sends them, and their errors. See docs/networking.md.
 */
export { NetworkDriver, networkOrphans } from "./network-driver.js";
export { RouterDriver, readRouterState } from "./router-driver.js";
export { readNetworkContext, readRouterContext } from "./context.js";
export type { NetworkContext, RouterContext, RouterExternalIP, RouterNetworkRef } from "./context.js";
export { renderRouterNat, routerNatRules, ROUTER_EXTERNAL_DEV } from "./router-nat.js";
export { IdInUseError, InvalidAddressError, MissingDeviceError, NetnsHeldElsewhereError, NetSpecError, UnsafeNameError, UnsupportedLinkTypeError } from "./errors.js";
