// The chunk event, built in JavaScript from its fields (src/event.rs): a streamed answer opens one
// chunk per token, and for a few bytes of text a JS object literal and a short decoding loop cost
// far less than the JSON text and JSON.parse of the generic path, or TextDecoder.decode, whose
// fixed cost per call in Chromium (~0.5 µs) is many times that of decoding a token.

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/** Up to this many bytes, ASCII is decoded here; longer or non-ASCII text goes to TextDecoder. */
const SHORT = 64

/** UTF-8 bytes (a view of wasm memory, valid during this call) as a string. */
function text(bytes) {
  if (bytes.length > SHORT) return decoder.decode(bytes)
  let out = ''
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (byte > 0x7f) return decoder.decode(bytes)
    out += String.fromCharCode(byte)
  }
  return out
}

/**
 * `{ type: 'chunk', id?, index, text, final }`, the keys in the order of the canonical JSON
 * (`ClientEvent::to_json`); `hasId` false leaves `id` out.
 */
export function chunkEvent(hasId, id, index, body, last) {
  return hasId
    ? { type: 'chunk', id: text(id), index, text: text(body), final: last }
    : { type: 'chunk', index, text: text(body), final: last }
}
