/**
 * The storage package of the agent (issue #6): what the agent's composition root and nodectl
 * use. See docs/storage.md.
 */
export { BlockStorageDriver, type BlockStorageDriverOptions, type DiskState } from "./blockstorage-driver.js";
export { ImageEntityDriver, type EntityState } from "./imageentity-driver.js";
export type { BlockStorageContext, ImageEntityContext, BaseImageSource } from "./context.js";
export { startDownloadApi, storageFileResolver, type DownloadApi, type DownloadApiOptions } from "./download-api.js";
export { storageDoctorChecks, type DoctorCheck } from "./doctor.js";
export { listRetained } from "./disk-inventory.js";
export { StorageError, ShrinkRefusedError, DiskInUseError, DownloadError, isTerminalStorageError, type StorageErrorCode } from "./errors.js";
