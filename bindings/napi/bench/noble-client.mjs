// The client side of a Confide E2EE session on the latest @noble stack (@noble/curves, @noble/ciphers,
// @noble/hashes 2.4): secp256k1 ECDH (x-only) → HKDF-SHA256 → XChaCha20-Poly1305, the init signed with
// EIP-191 over sha256(ciphertext). Only the primitives live here; the session flow (frames, AADs,
// chunk order, nonce checks, EIP-55) is ./client-flow.mjs, shared with ./noble-sdk-client.mjs.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js'
import { clientSessionClass } from './client-flow.mjs'

const empty = new Uint8Array(0)

export const NobleClientSession = clientSessionClass({
  randomBytes,
  bytesToHex,
  hexToBytes,
  randomSecretKey: () => secp256k1.utils.randomSecretKey(),
  publicKey: (secret, compressed) => secp256k1.getPublicKey(secret, compressed),
  compressPublicKey: (bytes) => secp256k1.Point.fromBytes(bytes).toBytes(true),
  ecdhX: (secret, publicKey) => secp256k1.getSharedSecret(secret, publicKey, true).subarray(1),
  hkdfSha256: (ikm, length) => hkdf(sha256, ikm, undefined, empty, length),
  sha256,
  keccak256: keccak_256,
  signRecoverable: (digest, secret) => {
    const recovered = secp256k1.sign(digest, secret, { prehash: false, format: 'recovered' })
    return { rs: recovered.subarray(1), recovery: recovered[0] }
  },
  seal: (key, nonce, aad, plaintext) => xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  open: (key, nonce, aad, ciphertext) => xchacha20poly1305(key, nonce, aad).decrypt(ciphertext),
})
