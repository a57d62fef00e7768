// Files in object storage (S3 on AWS, the local stack's emulation locally): the backend never handles their bytes,
// it signs requests that clients make themselves.

/** A request a client may make until expiresAt (epoch ms): to `url`, with exactly `headers`. */
export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  expiresAt: number;
}

export interface AttachmentStorage {
  /**
   * A PUT of exactly this content type and size to `key`; the object is marked unsent (the storage's lifecycle rule
   * removes unsent objects after a day) until markSent.
   */
  presignUpload(key: string, file: { contentType: string; size: number }, expiresInS: number): Promise<SignedRequest>;
  /** A GET of `key`. */
  presignDownload(key: string, expiresInS: number): Promise<SignedRequest>;
  /** The object was sent in a message: it is kept. False when no object is stored under `key`. */
  markSent(key: string): Promise<boolean>;
  /** Whether an object is stored under `key` (a file whose message was deleted is not). */
  exists(key: string): Promise<boolean>;
  /** Removes the object under `key` (its message was deleted); done also when none is stored there. */
  remove(key: string): Promise<void>;
  /**
   * Marks the object unsent again, so the storage's lifecycle rule removes it within a day: the fallback when
   * `remove` failed. False when no object is stored under `key`.
   */
  markUnsent(key: string): Promise<boolean>;
}

/** What uploads may be (the stack's configuration) and how long the signed requests last. */
export interface UploadConfig {
  contentTypes: readonly string[];
  maxBytes: number;
  uploadUrlTtlS: number;
  downloadUrlTtlS: number;
}
