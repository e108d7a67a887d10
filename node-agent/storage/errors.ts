/**
 * Errors of the storage drivers, each with a stable `code`. `terminal` says whether retrying
 * the same command can ever succeed (false: transient, back off and retry; true: record the
 * error and stall the resource until its manifest changes).
 */

/** The reasons a storage operation can fail for good or for now; stable for status and tests. */
export type StorageErrorCode =
  | "INVALID_SPEC"
  | "SHRINK_REFUSED"
  | "DISK_IN_USE"
  | "DOWNLOAD_HTTP_STATUS"
  | "DOWNLOAD_TRUNCATED"
  | "DOWNLOAD_CONTENT_TYPE"
  | "DOWNLOAD_CHECKSUM"
  | "DOWNLOAD_FAILED"
  | "IMAGE_TOO_LARGE"
  | "SOURCE_NOT_READY"
  | "CEPH_NOT_CONFIGURED";

/** PascalCase reason of each code, as reported in ObservedResource.reason and status conditions. */
export const STORAGE_REASON: Readonly<Record<StorageErrorCode, string>> = {
  INVALID_SPEC: "InvalidSpec",
  SHRINK_REFUSED: "ShrinkRefused",
  DISK_IN_USE: "DiskInUse",
  DOWNLOAD_HTTP_STATUS: "DownloadHttpStatus",
  DOWNLOAD_TRUNCATED: "DownloadTruncated",
  DOWNLOAD_CONTENT_TYPE: "DownloadContentType",
  DOWNLOAD_CHECKSUM: "DownloadChecksumMismatch",
  DOWNLOAD_FAILED: "DownloadFailed",
  IMAGE_TOO_LARGE: "ImageTooLarge",
  SOURCE_NOT_READY: "SourceNotReady",
  CEPH_NOT_CONFIGURED: "CephNotConfigured",
};

const TERMINAL: ReadonlySet<StorageErrorCode> = new Set<StorageErrorCode>([
  "INVALID_SPEC",
  "SHRINK_REFUSED",
  "DOWNLOAD_CHECKSUM",
  "DOWNLOAD_CONTENT_TYPE",
  "IMAGE_TOO_LARGE",
  "CEPH_NOT_CONFIGURED",
]);

/**
 * A storage operation failed. `code` classifies it, `resource` names the resource key when
 * known, `terminal` is true when a retry of the same command cannot succeed (TerminalError-like:
 * the agent reports Error and does not retry until the spec changes).
 */
export class StorageError extends Error {
  override readonly name: string = "StorageError";
  readonly code: StorageErrorCode;
  readonly resource: string | undefined;
  readonly terminal: boolean;

  constructor(code: StorageErrorCode, message: string, options?: ErrorOptions & { resource?: string }) {
    super(message, options);
    this.code = code;
    this.resource = options?.resource;
    this.terminal = TERMINAL.has(code);
  }

  /** The PascalCase reason for status. */
  get reason(): string {
    return STORAGE_REASON[this.code];
  }
}

/** The spec asks to make a disk smaller than it is: refused, data would be lost. Terminal. */
export class ShrinkRefusedError extends StorageError {
  override readonly name = "ShrinkRefusedError";
  readonly currentBytes: number;
  readonly requestedBytes: number;

  constructor(data: { resource: string; currentBytes: number; requestedBytes: number }, options?: ErrorOptions) {
    super(
      "SHRINK_REFUSED",
      `${data.resource}: limitSize ${data.requestedBytes} bytes is smaller than the disk's ${data.currentBytes} bytes; shrinking is refused (raise limitSize, or replace the disk)`,
      { ...options, resource: data.resource },
    );
    this.currentBytes = data.currentBytes;
    this.requestedBytes = data.requestedBytes;
  }
}

/** The disk (or image) is held by a running VM or has dependants: it is not removed. Transient. */
export class DiskInUseError extends StorageError {
  override readonly name = "DiskInUseError";
  readonly usedBy: string;

  constructor(data: { resource: string; usedBy: string }, options?: ErrorOptions) {
    super("DISK_IN_USE", `${data.resource} is in use by ${data.usedBy}; stop it first`, { ...options, resource: data.resource });
    this.usedBy = data.usedBy;
  }
}

/** A download failed: HTTP status, truncated body, content type or checksum (see `code`). */
export class DownloadError extends StorageError {
  override readonly name = "DownloadError";
  readonly url: string;

  constructor(code: StorageErrorCode, data: { url: string; message: string; resource?: string }, options?: ErrorOptions) {
    super(code, `download of ${data.url} failed: ${data.message}`, { ...options, ...(data.resource ? { resource: data.resource } : {}) });
    this.url = data.url;
  }
}

/** True when `e` is a storage error that a retry cannot fix. */
export function isTerminalStorageError(e: unknown): boolean {
  return e instanceof StorageError && e.terminal;
}
