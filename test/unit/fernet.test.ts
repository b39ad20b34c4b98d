import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Fernet, FernetError, generateKey } from "../../src/core/fernet";

interface Vectors {
  secret: string;
  valid: Array<{ token: string; src: string; iv: number[]; generatedAt: string; verifyAt: string; ttlSec: number }>;
  invalid: Array<{ desc: string; token: string; verifyAt: string; ttlSec: number }>;
}

const vectors = JSON.parse(readFileSync(path.join(__dirname, "../fixtures/fernet-vectors.json"), "utf8")) as Vectors;

const PYTHON = "/usr/bin/python3";
const PY_FERNET = `
import sys
from cryptography.fernet import Fernet
mode, key, data = sys.argv[1], sys.argv[2].encode(), sys.stdin.read().encode()
f = Fernet(key)
sys.stdout.write(f.encrypt(data).decode() if mode == "encrypt" else f.decrypt(data).decode())
`;

/** Runs Python's `cryptography` Fernet; fails with install advice when it is not there. */
function python(mode: "encrypt" | "decrypt", key: string, input: string): string {
  const probe = spawnSync(PYTHON, ["-c", "import cryptography.fernet"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    assert.fail(
      `The cross-implementation test needs ${PYTHON} with the cryptography module (${probe.error?.message ?? probe.stderr.trim()}): run apt-get install python3-cryptography`,
    );
  }
  const result = spawnSync(PYTHON, ["-c", PY_FERNET, mode, key], { input, encoding: "utf8" });
  assert.equal(result.status, 0, `python3 Fernet ${mode} failed: ${result.stderr}`);
  return result.stdout;
}

describe("Fernet", () => {
  const fernet = new Fernet(vectors.secret);

  it("reproduces the spec's valid token byte for byte from its IV and time, and decrypts it", () => {
    for (const v of vectors.valid) {
      const token = fernet.encrypt(v.src, { iv: Uint8Array.from(v.iv), now: Date.parse(v.generatedAt) });
      assert.equal(token, v.token);
      const plain = fernet.decrypt(v.token, { ttlSeconds: v.ttlSec, now: Date.parse(v.verifyAt) });
      assert.equal(plain.toString("utf8"), v.src);
    }
  });

  for (const v of vectors.invalid) {
    it(`rejects a token with ${v.desc}`, () => {
      assert.throws(
        () => fernet.decrypt(v.token, { ttlSeconds: v.ttlSec, now: Date.parse(v.verifyAt) }),
        (error: unknown) => error instanceof FernetError && error.code !== "invalid-key" && error.message.startsWith("Fernet"),
      );
    });
  }

  it("says why a token was refused", () => {
    const at = (desc: string) => vectors.invalid.find((v) => v.desc.startsWith(desc)) as Vectors["invalid"][number];
    const check = (desc: string, pattern: RegExp) => {
      const v = at(desc);
      assert.throws(() => fernet.decrypt(v.token, { ttlSeconds: v.ttlSec, now: Date.parse(v.verifyAt) }), pattern);
    };
    check("incorrect mac", /signature does not match/);
    check("too short", /too short: expected at least 73 bytes/);
    check("invalid base64", /not URL-safe base64/);
    check("payload size", /not a multiple of the 16-byte block/);
    check("payload padding", /invalid padding/);
    check("far-future", /in the future/);
    check("expired", /expired/);
    check("wrong version", /version 0x81, expected 0x80/);
  });

  it("refuses a token made with another key", () => {
    const token = new Fernet(generateKey()).encrypt("secret");
    assert.throws(() => fernet.decrypt(token), { name: "FernetError", code: "bad-signature" });
  });

  it("refuses a malformed key, saying what a key looks like and never echoing it", () => {
    for (const bad of ["not-a-key", vectors.secret.slice(0, 40), `${vectors.secret}AAAA`]) {
      assert.throws(
        () => new Fernet(bad),
        (error: unknown) =>
          error instanceof FernetError &&
          /URL-safe base64 of 32 bytes \(44 characters/.test(error.message) &&
          !error.message.includes(bad),
      );
    }
  });

  it("generates 44-character keys of 32 random bytes", () => {
    const a = generateKey();
    assert.match(a, /^[A-Za-z0-9_-]{43}=$/);
    assert.notEqual(a, generateKey());
    assert.equal(new Fernet(a).decrypt(new Fernet(a).encrypt("x")).toString(), "x");
  });

  it("round-trips UTF-8 and binary data with a random IV", () => {
    const text = JSON.stringify({ args: ["héllo ✓"], kwargs: { n: 1 } });
    const t1 = fernet.encrypt(text);
    assert.notEqual(t1, fernet.encrypt(text));
    assert.equal(fernet.decrypt(t1).toString("utf8"), text);
    const bytes = Uint8Array.from([0, 255, 1, 254]);
    assert.deepEqual([...fernet.decrypt(fernet.encrypt(bytes))], [...bytes]);
  });

  describe("against Python's cryptography", function () {
    this.timeout(20000);
    const key = generateKey();
    const payload = JSON.stringify({ args: ["a@example.com", { n: 3 }], kwargs: { urgent: true } });

    it("writes tokens that Python decrypts", () => {
      assert.equal(python("decrypt", key, new Fernet(key).encrypt(payload)), payload);
    });

    it("decrypts tokens that Python writes", () => {
      const token = python("encrypt", key, payload);
      assert.equal(new Fernet(key).decrypt(token).toString("utf8"), payload);
    });
  });
});
