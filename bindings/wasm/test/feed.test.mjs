// LLMFeed verification: a real signed feed (the LLMFeed project's own) verifies into its trust
// report, a tampered copy is invalid, certifier options shape the certification, and the core's
// codes reach JS.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { wasm, throwsCode } from './helpers.mjs'

const real = new URL('../../../core/tests/vectors/llmfeed/llmfeed-spec/.well-known/', import.meta.url)
const publisherKey = readFileSync(new URL('public.pem', real), 'utf8')
const realFeed = readFileSync(new URL('mcp-lite.llmfeed.json', real))
const NOW = 1_767_225_600

test('a real feed verifies (bytes and text); a tampered copy is invalid', () => {
  const report = wasm.verifyFeed(new Uint8Array(realFeed), NOW, { key: publisherKey })
  assert.equal(report.trustLevel, 'signed')
  assert.equal(report.signature.valid, true)
  assert.equal(report.signature.canonicalization, 'https://llmca.org/mcp-canonical-json/v1')
  assert.deepEqual(report.untrustedBlocks, ['_meta'])
  assert.ok(report.trustedBlocks.includes('trust'))
  assert.equal(report.certification.status, 'absent')
  assert.deepEqual(wasm.verifyFeed(realFeed.toString('utf8'), NOW, { key: publisherKey }), report)
  const bad = wasm.verifyFeed(realFeed.toString('utf8').replace('Minimal', 'Maximal'), NOW, { key: publisherKey })
  assert.equal(bad.trustLevel, 'invalid')
  assert.equal(bad.signature.error.code, 'INVALID_SIGNATURE')
  assert.deepEqual(bad.trustedBlocks, [])
  assert.equal(wasm.verifyFeed('{"feed_type":"mcp"}', NOW).trustLevel, 'unsigned')
})

test('trusted certifiers and policies shape the certification status', () => {
  const certified = readFileSync(new URL('../industries/legal.llmfeed.json', real))
  const report = wasm.verifyFeed(certified, NOW, { key: publisherKey, trustedCertifiers: ['https://llmca.org'], certifierKey: publisherKey })
  assert.equal(report.trustLevel, 'signed')
  assert.equal(report.certification.status, 'unverifiable')
  assert.equal(report.certification.certifier, 'https://llmca.org')
  throwsCode(() => wasm.verifyFeed(certified, NOW, { key: publisherKey, policy: '{"validity_days":"x"}' }), 'INVALID_FEED')
})

test('errors carry the core codes', () => {
  throwsCode(() => wasm.verifyFeed('{"a":1,"a":2}', NOW), 'INVALID_JSON')
  throwsCode(() => wasm.verifyFeed('[]', NOW), 'INVALID_FEED')
  throwsCode(() => wasm.verifyFeed(realFeed, NOW), 'KEY_UNAVAILABLE')
  throwsCode(() => wasm.verifyFeed(realFeed, NOW, { key: 'abcd' }), 'INVALID_KEY')
  throwsCode(() => wasm.verifyFeed(new Uint8Array(9 * 1024 * 1024).fill(32), NOW), 'MESSAGE_TOO_LARGE')
  throwsCode(() => wasm.verifyFeed(42, NOW), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.verifyFeed('{}', -1), 'INVALID_ARGUMENT')
  throwsCode(() => wasm.verifyFeed('{}', NOW, { trustedCertifiers: 'x' }), 'INVALID_ARGUMENT')
})
