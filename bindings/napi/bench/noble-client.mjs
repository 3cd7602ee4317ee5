// The client side of a Confide E2EE session written on the deployed TypeScript SDK's stack
// (@noble/curves, @noble/ciphers, @noble/hashes), to the same spec (E2EE.md, EIP-191 scheme):
// secp256k1 ECDH (x-only) → HKDF-SHA256 → XChaCha20-Poly1305; the init is signed with EIP-191 over
// sha256(ciphertext); prompts carry AAD `message_N`; chunks are checked for AAD `chunk_<index>`,
// order from 0 and fresh nonces. Used by the benchmark as the baseline.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'

const textDecoder = new TextDecoder('utf-8', { fatal: true })
const strip0x = (hex) => (hex.startsWith('0x') ? hex.slice(2) : hex)

function checksumAddress(publicKey) {
  const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false)
  const lower = bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12))
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)))
  let out = '0x'
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i]
  return out
}

function eip191Digest(message) {
  return keccak_256(concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${message.length}`), message))
}

export class NobleClientSession {
  constructor({ hostPublicKey, walletPrivateKey }) {
    this.hostPublic = secp256k1.Point.fromBytes(hexToBytes(strip0x(hostPublicKey))).toBytes(true)
    this.wallet = hexToBytes(strip0x(walletPrivateKey))
    this.address = checksumAddress(secp256k1.getPublicKey(this.wallet, true))
  }

  initMessage({ sessionId, jobId, chainId, modelName, pricePerToken }) {
    const ephemeral = secp256k1.utils.randomSecretKey()
    const ephPublic = secp256k1.getPublicKey(ephemeral, true)
    const sharedX = secp256k1.getSharedSecret(ephemeral, this.hostPublic, true).subarray(1)
    const initKey = hkdf(sha256, sharedX, undefined, new Uint8Array(0), 32)
    this.key = randomBytes(32)
    const nonce = randomBytes(24)
    const aad = utf8ToBytes('session_init')
    const data = JSON.stringify({
      sessionKey: bytesToHex(this.key),
      jobId: String(jobId),
      modelName,
      pricePerToken,
    })
    const ciphertext = xchacha20poly1305(initKey, nonce, aad).encrypt(utf8ToBytes(data))
    const recovered = secp256k1.sign(eip191Digest(sha256(ciphertext)), this.wallet, { prehash: false, format: 'recovered' })
    const signature = concatBytes(recovered.subarray(1), Uint8Array.of(recovered[0] + 27))
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
        ephPubHex: bytesToHex(ephPublic),
        ciphertextHex: bytesToHex(ciphertext),
        signatureHex: bytesToHex(signature),
        nonceHex: bytesToHex(nonce),
        aadHex: bytesToHex(aad),
      },
    })
  }

  sealPrompt(id, prompt) {
    const plaintext = typeof prompt === 'string' ? JSON.stringify({ prompt }) : JSON.stringify(prompt)
    const nonce = randomBytes(24)
    const aad = utf8ToBytes(`message_${this.messageIndex++}`)
    const ciphertext = xchacha20poly1305(this.key, nonce, aad).encrypt(utf8ToBytes(plaintext))
    this.nonces.add(bytesToHex(nonce))
    this.responses.set(id, 0)
    return JSON.stringify({
      type: 'encrypted_message',
      session_id: this.sessionId,
      id,
      payload: { ciphertextHex: bytesToHex(ciphertext), nonceHex: bytesToHex(nonce), aadHex: bytesToHex(aad) },
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
    const aad = hexToBytes(aadHex)
    if (textDecoder.decode(aad) !== `chunk_${index}`) throw new Error('bad chunk AAD')
    if (this.nonces.has(nonceHex)) throw new Error('nonce reuse')
    const text = textDecoder.decode(xchacha20poly1305(this.key, hexToBytes(nonceHex), aad).decrypt(hexToBytes(ciphertextHex)))
    this.nonces.add(nonceHex)
    this.responses.set(frame.id, index + 1)
    return { type: 'chunk', id: frame.id, index, text, final: frame.final === true }
  }
}
