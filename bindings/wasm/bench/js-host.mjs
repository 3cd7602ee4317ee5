// The host side of the benchmark in JS, to the spec (E2EE.md), so the same flow runs where no native
// host engine exists (Chromium): accepts an `encrypted_session_init` with the host's secret key
// (x-only ECDH → HKDF-SHA256 → XChaCha20-Poly1305 open of the session data, AAD "session_init") and
// seals `encrypted_chunk` frames (AAD `chunk_I`) under the session key it carried. Runs between the
// timed parts; it is not measured. Built on primitives shaped as in client-flow.mjs.
const encoder = new TextEncoder()

export function jsHost(c, hostSecret) {
  return {
    publicKey: c.bytesToHex(c.publicKey(hostSecret, true)),

    /** The session an init frame opens: { sessionId, key } (throws if it does not decrypt). */
    accept(initText) {
      const { session_id: sessionId, payload } = JSON.parse(initText)
      const initKey = c.hkdfSha256(c.ecdhX(hostSecret, c.hexToBytes(payload.ephPubHex)), 32)
      const data = c.open(initKey, c.hexToBytes(payload.nonceHex), c.hexToBytes(payload.aadHex), c.hexToBytes(payload.ciphertextHex))
      return { sessionId, key: c.hexToBytes(JSON.parse(new TextDecoder().decode(data)).sessionKey) }
    },

    /** The request id and prompt text of an `encrypted_message` frame of `session`. */
    openPrompt(session, frameText) {
      const { id, payload } = JSON.parse(frameText)
      const plaintext = c.open(session.key, c.hexToBytes(payload.nonceHex), c.hexToBytes(payload.aadHex), c.hexToBytes(payload.ciphertextHex))
      return { id, request: JSON.parse(new TextDecoder().decode(plaintext)) }
    },

    /** `encrypted_chunk` frames answering request `id` of `session` with `texts`, one per chunk. */
    chunks(session, id, texts) {
      return texts.map((text, index) => {
        const nonce = c.randomBytes(24)
        const aad = encoder.encode(`chunk_${index}`)
        const ciphertext = c.seal(session.key, nonce, aad, encoder.encode(text))
        return JSON.stringify({
          type: 'encrypted_chunk',
          session_id: session.sessionId,
          id,
          tokens: 1,
          payload: { ciphertextHex: c.bytesToHex(ciphertext), nonceHex: c.bytesToHex(nonce), aadHex: c.bytesToHex(aad), index },
        })
      })
    },
  }
}
