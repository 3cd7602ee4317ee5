// The client side of a Confide E2EE session on the deployed Fabstir SDK's exact pins
// (@noble/secp256k1 2.3.0, @noble/hashes 1.8.0, @noble/ciphers 0.4.1, installed under the npm aliases
// noble-secp256k1-sdk, noble-hashes-sdk, noble-ciphers-sdk): secp256k1 ECDH (x-only) → HKDF-SHA256 →
// XChaCha20-Poly1305, the init signed with EIP-191 over sha256(ciphertext). Only the primitives live
// here; the session flow (frames, AADs, chunk order, nonce checks, EIP-55) is ./client-flow.mjs,
// shared with ./noble-client.mjs.
import * as secp from 'noble-secp256k1-sdk'
import { xchacha20poly1305 } from 'noble-ciphers-sdk/chacha'
import { createRequire } from 'node:module'
import { clientSessionClass } from './client-flow.mjs'

// @noble/hashes 1.8 is loaded through its CommonJS build: its ESM build imports itself by name
// ('@noble/hashes/crypto') from a directory whose package.json has no name, so under an npm alias that
// import would resolve to the top-level @noble/hashes 2.4, which no longer exports './crypto'. The CJS
// build resolves the same self-reference inside the aliased package. Same code, same speed.
const require = createRequire(import.meta.url)
const { hkdf } = require('noble-hashes-sdk/hkdf')
const { hmac } = require('noble-hashes-sdk/hmac')
const { sha256 } = require('noble-hashes-sdk/sha256')
const { keccak_256 } = require('noble-hashes-sdk/sha3')
const { bytesToHex, hexToBytes, randomBytes } = require('noble-hashes-sdk/utils')

// @noble/secp256k1 2.x signs synchronously only with an HMAC-SHA256 supplied (its README's setup).
secp.etc.hmacSha256Sync = (key, ...messages) => hmac(sha256, key, secp.etc.concatBytes(...messages))

const empty = new Uint8Array(0)

export const NobleSdkClientSession = clientSessionClass({
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
})
