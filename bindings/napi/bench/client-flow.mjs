// The library-independent part of a Confide E2EE client session written in JS, to the spec (E2EE.md,
// EIP-191 scheme): frame building and JSON, AADs, chunk order and nonce-reuse checks, the EIP-191
// digest and the EIP-55 address. The cryptography comes from the caller as primitives, so the same
// flow runs on different stacks (./noble-client.mjs: @noble 2.4; ./noble-sdk-client.mjs: the deployed
// SDK's pins). Used by the benchmark as the baseline.
//
// Primitives (all bytes are Uint8Array):
//   randomBytes(n), bytesToHex(bytes), hexToBytes(hex)        the stack's own helpers
//   randomSecretKey()                                          32-byte secp256k1 secret
//   publicKey(secret, compressed)                              33 or 65 bytes
//   compressPublicKey(bytes)                                   validates a SEC1 key, returns 33 bytes
//   ecdhX(secret, publicKey)                                   32-byte x coordinate of secret·publicKey
//   hkdfSha256(ikm, length)                                    HKDF-SHA256, no salt, empty info
//   sha256(bytes), keccak256(bytes)
//   signRecoverable(digest, secret)                            { rs: 64 bytes r ‖ s (low s), recovery: 0..3 }
//   seal(key, nonce, aad, plaintext), open(key, nonce, aad, ciphertext)   XChaCha20-Poly1305; open throws

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })
const utf8 = (text) => textEncoder.encode(text)
const strip0x = (hex) => (hex.startsWith('0x') ? hex.slice(2) : hex)

function concatBytes(...arrays) {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0))
  let offset = 0
  for (const a of arrays) {
    out.set(a, offset)
    offset += a.length
  }
  return out
}

/** EIP-55 checksummed address of a 65-byte uncompressed public key. */
export function checksumAddress(keccak256, bytesToHex, uncompressed) {
  const lower = bytesToHex(keccak256(uncompressed.subarray(1)).subarray(12))
  const hash = bytesToHex(keccak256(utf8(lower)))
  let out = '0x'
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i]
  return out
}

/** keccak256("\x19Ethereum Signed Message:\n" + len(message) ‖ message). */
export function eip191Digest(keccak256, message) {
  return keccak256(concatBytes(utf8(`\x19Ethereum Signed Message:\n${message.length}`), message))
}

/** A client-session class over the given primitives (see the top of this file). */
export function clientSessionClass(c) {
  return class ClientSession {
    constructor({ hostPublicKey, walletPrivateKey }) {
      this.hostPublic = c.compressPublicKey(c.hexToBytes(strip0x(hostPublicKey)))
      this.wallet = c.hexToBytes(strip0x(walletPrivateKey))
      this.address = checksumAddress(c.keccak256, c.bytesToHex, c.publicKey(this.wallet, false))
    }

    initMessage({ sessionId, jobId, chainId, modelName, pricePerToken }) {
      const ephemeral = c.randomSecretKey()
      const ephPublic = c.publicKey(ephemeral, true)
      const initKey = c.hkdfSha256(c.ecdhX(ephemeral, this.hostPublic), 32)
      this.key = c.randomBytes(32)
      const nonce = c.randomBytes(24)
      const aad = utf8('session_init')
      const data = JSON.stringify({
        sessionKey: c.bytesToHex(this.key),
        jobId: String(jobId),
        modelName,
        pricePerToken,
      })
      const ciphertext = c.seal(initKey, nonce, aad, utf8(data))
      const { rs, recovery } = c.signRecoverable(eip191Digest(c.keccak256, c.sha256(ciphertext)), this.wallet)
      const signature = concatBytes(rs, Uint8Array.of(recovery + 27))
      this.sessionId = sessionId
      this.messageIndex = 0
      this.responses = new Map()
      this.nonces = new Set()
      return JSON.stringify({
        type: 'encrypted_session_init',
        session_id: sessionId,
        job_id: jobId,
        chain_id: chainId,
        payload: {
          ephPubHex: c.bytesToHex(ephPublic),
          ciphertextHex: c.bytesToHex(ciphertext),
          signatureHex: c.bytesToHex(signature),
          nonceHex: c.bytesToHex(nonce),
          aadHex: c.bytesToHex(aad),
        },
      })
    }

    sealPrompt(id, prompt) {
      const plaintext = typeof prompt === 'string' ? JSON.stringify({ prompt }) : JSON.stringify(prompt)
      const nonce = c.randomBytes(24)
      const aad = utf8(`message_${this.messageIndex++}`)
      const ciphertext = c.seal(this.key, nonce, aad, utf8(plaintext))
      const nonceHex = c.bytesToHex(nonce)
      this.nonces.add(nonceHex)
      this.responses.set(id, 0)
      return JSON.stringify({
        type: 'encrypted_message',
        session_id: this.sessionId,
        id,
        payload: { ciphertextHex: c.bytesToHex(ciphertext), nonceHex, aadHex: c.bytesToHex(aad) },
      })
    }

    /** Opens an `encrypted_chunk` frame (the only host frame the benchmark needs). */
    open(frameText) {
      const frame = JSON.parse(frameText)
      if (frame.type !== 'encrypted_chunk') throw new Error(`unexpected frame ${frame.type}`)
      if (frame.session_id !== this.sessionId) throw new Error('frame for another session')
      const { index, ciphertextHex, nonceHex, aadHex } = frame.payload
      const expected = this.responses.get(frame.id)
      if (expected === undefined) throw new Error('reply to a request this session did not send')
      if (index !== expected) throw new Error(`chunk ${index} out of order (expected ${expected})`)
      const aad = c.hexToBytes(aadHex)
      if (textDecoder.decode(aad) !== `chunk_${index}`) throw new Error('bad chunk AAD')
      if (this.nonces.has(nonceHex)) throw new Error('nonce reuse')
      const text = textDecoder.decode(c.open(this.key, c.hexToBytes(nonceHex), aad, c.hexToBytes(ciphertextHex)))
      this.nonces.add(nonceHex)
      this.responses.set(frame.id, index + 1)
      return { type: 'chunk', id: frame.id, index, text, final: frame.final === true }
    }
  }
}
