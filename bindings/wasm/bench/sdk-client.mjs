// The deployed Fabstir SDK's exact cryptography pins — @noble/secp256k1 2.3.0, @noble/hashes 1.8.0,
// @noble/ciphers 0.4.1 — as the primitives of the JS client flow shared with the Node.js package's
// benchmark (bindings/napi/bench/client-flow.mjs: frames, JSON, AADs, chunk order, nonce checks,
// EIP-55). ES modules only, so the same file runs in Node and, through an import map, in Chromium.
import * as secp from '@noble/secp256k1'
import { xchacha20poly1305 } from '@noble/ciphers/chacha'
import { hkdf } from '@noble/hashes/hkdf'
import { hmac } from '@noble/hashes/hmac'
import { sha256 } from '@noble/hashes/sha256'
import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils'
import { clientSessionClass } from '../../napi/bench/client-flow.mjs'

// @noble/secp256k1 2.x signs synchronously only with an HMAC-SHA256 supplied (its README's setup).
secp.etc.hmacSha256Sync = (key, ...messages) => hmac(sha256, key, secp.etc.concatBytes(...messages))

const empty = new Uint8Array(0)

/** The primitives of client-flow.mjs on the SDK's pins. */
export const sdkPrimitives = {
  randomBytes,
  bytesToHex,
  hexToBytes,
  randomSecretKey: () => secp.utils.randomPrivateKey(),
  publicKey: (secret, compressed) => secp.getPublicKey(secret, compressed),
  compressPublicKey: (bytes) => secp.Point.fromBytes(bytes).toBytes(true),
  ecdhX: (secret, publicKey) => secp.getSharedSecret(secret, publicKey, true).subarray(1),
  hkdfSha256: (ikm, length) => hkdf(sha256, ikm, undefined, empty, length),
  sha256,
  keccak256: keccak_256,
  signRecoverable: (digest, secret) => {
    const signature = secp.sign(digest, secret) // RFC 6979, low s; digest already hashed
    return { rs: signature.toCompactRawBytes(), recovery: signature.recovery }
  },
  seal: (key, nonce, aad, plaintext) => xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  open: (key, nonce, aad, ciphertext) => xchacha20poly1305(key, nonce, aad).decrypt(ciphertext),
}

export const SdkClientSession = clientSessionClass(sdkPrimitives)
