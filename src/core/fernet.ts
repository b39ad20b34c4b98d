import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const HMAC_BYTES = 32;
const BLOCK_BYTES = 16;
/** The spec's tolerance for tokens stamped in the future, in seconds. */
const MAX_CLOCK_SKEW_SECONDS = 60;
const URLSAFE_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Why a token or key was refused. `code` is stable for callers; the message explains it. */
export class FernetError extends Error {
  override readonly name = "FernetError";
  constructor(
    readonly code: "invalid-key" | "invalid-token" | "bad-signature" | "expired" | "future" | "bad-padding",
    message: string,
  ) {
    super(message);
  }
}

function decodeBase64Url(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !URLSAFE_BASE64.test(text)) return undefined;
  return Buffer.from(text, "base64url");
}

function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** A new random key: URL-safe base64 of 32 random bytes (44 characters). */
export function generateKey(): string {
  return encodeBase64Url(randomBytes(32));
}

export interface FernetEncryptOptions {
  /** Epoch milliseconds stamped into the token (whole seconds kept). @default Date.now() */
  now?: number;
  /** 16 bytes. @default random */
  iv?: Uint8Array;
}

export interface FernetDecryptOptions {
  /** Reject tokens older than this many seconds. @default no limit */
  ttlSeconds?: number;
  /** Epoch milliseconds to check the timestamp against. @default Date.now() */
  now?: number;
}

/**
 * Fernet symmetric encryption per the public spec: version 0x80, 8-byte big-endian timestamp,
 * 16-byte IV, AES-128-CBC with PKCS7 padding, HMAC-SHA256 over everything before it, URL-safe base64.
 * The key is URL-safe base64 of 32 bytes: the first 16 sign, the last 16 encrypt.
 */
export class Fernet {
  private readonly signingKey: Buffer;
  private readonly encryptionKey: Buffer;

  constructor(key: string) {
    const bytes = typeof key === "string" ? decodeBase64Url(key.trim()) : undefined;
    if (!bytes || bytes.length !== 32) {
      // The key itself never goes into the message: it is a secret.
      const got = typeof key === "string" ? `a ${key.length}-character string that is not` : `a ${typeof key}, not`;
      throw new FernetError(
        "invalid-key",
        `Encryption key must be URL-safe base64 of 32 bytes (44 characters, A-Z a-z 0-9 - _, ending in "="), got ${got} such a key: generate one with generateKey() or "Taskflow: Generate Encryption Key"`,
      );
    }
    this.signingKey = bytes.subarray(0, 16);
    this.encryptionKey = bytes.subarray(16);
  }

  encrypt(data: string | Uint8Array, options: FernetEncryptOptions = {}): string {
    const iv = options.iv ? Buffer.from(options.iv) : randomBytes(16);
    if (iv.length !== 16) throw new RangeError(`Fernet IV must be 16 bytes, got ${iv.length}`);
    const seconds = Math.floor((options.now ?? Date.now()) / 1000);
    const plaintext = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    const cipher = createCipheriv("aes-128-cbc", this.encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = VERSION;
    header.writeBigUInt64BE(BigInt(seconds), 1);
    iv.copy(header, 9);
    const signed = Buffer.concat([header, ciphertext]);
    const mac = createHmac("sha256", this.signingKey).update(signed).digest();
    return encodeBase64Url(Buffer.concat([signed, mac]));
  }

  /** The plaintext bytes of a token; a FernetError says why a token is refused. */
  decrypt(token: string, options: FernetDecryptOptions = {}): Buffer {
    const bytes = typeof token === "string" ? decodeBase64Url(token.trim()) : undefined;
    if (!bytes) throw new FernetError("invalid-token", "Fernet token is not URL-safe base64 (with padding)");
    if (bytes.length < HEADER_BYTES + BLOCK_BYTES + HMAC_BYTES) {
      throw new FernetError(
        "invalid-token",
        `Fernet token is too short: expected at least ${HEADER_BYTES + BLOCK_BYTES + HMAC_BYTES} bytes, got ${bytes.length}`,
      );
    }
    if (bytes[0] !== VERSION) {
      throw new FernetError("invalid-token", `Fernet token has version 0x${bytes[0].toString(16)}, expected 0x80`);
    }
    const stamped = Number(bytes.readBigUInt64BE(1));
    const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
    if (options.ttlSeconds !== undefined && stamped + options.ttlSeconds < nowSeconds) {
      throw new FernetError("expired", `Fernet token expired: made ${nowSeconds - stamped}s ago, ttl is ${options.ttlSeconds}s`);
    }
    if (stamped > nowSeconds + MAX_CLOCK_SKEW_SECONDS) {
      throw new FernetError(
        "future",
        `Fernet token is stamped ${stamped - nowSeconds}s in the future (more than the ${MAX_CLOCK_SKEW_SECONDS}s clock skew allowed)`,
      );
    }
    const signed = bytes.subarray(0, bytes.length - HMAC_BYTES);
    const mac = bytes.subarray(bytes.length - HMAC_BYTES);
    const expected = createHmac("sha256", this.signingKey).update(signed).digest();
    if (!timingSafeEqual(mac, expected)) {
      throw new FernetError("bad-signature", "Fernet token signature does not match: it was made with another key, or altered");
    }
    const ciphertext = signed.subarray(HEADER_BYTES);
    if (ciphertext.length % BLOCK_BYTES !== 0) {
      throw new FernetError(
        "invalid-token",
        `Fernet ciphertext is ${ciphertext.length} bytes, not a multiple of the ${BLOCK_BYTES}-byte block`,
      );
    }
    const iv = signed.subarray(9, HEADER_BYTES);
    try {
      const decipher = createDecipheriv("aes-128-cbc", this.encryptionKey, iv);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new FernetError("bad-padding", "Fernet token decrypts to invalid padding: the IV or ciphertext is wrong");
    }
  }
}
