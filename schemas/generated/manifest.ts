/* Generated from schemas/manifest.schema.json; do not edit. Run npm run gen. */

import type { BlockStorage } from "./blockstorage.js";
import type { ExternalIP } from "./externalip.js";
import type { ExternalIPPool } from "./externalippool.js";
import type { Group } from "./group.js";
import type { Image } from "./image.js";
import type { ImageEntity } from "./imageentity.js";
import type { Namespace } from "./namespace.js";
import type { Network } from "./network.js";
import type { NodeDeclaration } from "./node-declaration.js";
import type { VirtualMachine } from "./virtualmachine.js";
import type { VirtualRouter } from "./virtualrouter.js";

/** Every manifest document type, by meta.apiType. */
export interface ResourceByApiType {
  "systemv0/blockstorage": BlockStorage;
  "corev0/externalip": ExternalIP;
  "corev0/externalippool": ExternalIPPool;
  "corev0/group": Group;
  "systemv0/image": Image;
  "systemv0/imageentity": ImageEntity;
  "corev0/namespace": Namespace;
  "systemv0/network": Network;
  "systemv0/node": NodeDeclaration;
  "systemv0/virtualmachine": VirtualMachine;
  "systemv0/virtualrouter": VirtualRouter;
}

/** Any manifest document. */
export type ManifestDocument = ResourceByApiType[keyof ResourceByApiType];
