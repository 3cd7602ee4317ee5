// LLMFeed through @confide/native: a real signed feed verifies into its trust report, signFeed's
// signature checks out with @noble/curves' Ed25519 over JSON.stringify of the signed blocks (the
// mcp-canonical-json form for this input), the Promise variants, and the core's error codes.
import test from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { native, throwsCode, rejectsCode } from './helpers.mjs'

const real = new URL('../../../core/tests/vectors/llmfeed/llmfeed-spec/.well-known/', import.meta.url)
const publisherKey = readFileSync(new URL('public.pem', real), 'utf8')
const realFeed = readFileSync(new URL('mcp-lite.llmfeed.json', real))
const NOW = 1_767_225_600
const FEED = JSON.stringify({ feed_type: 'mcp', metadata: { title: 'Café ☕' }, trust: {}, _meta: { note: 'x' } })

test('a real feed verifies (sync and Promise) and a tampered copy is invalid', async () => {
  const report = native.verifyFeed(realFeed, NOW, { key: publisherKey })
  assert.equal(report.trustLevel, 'signed')
  assert.equal(report.signature.valid, true)
  assert.equal(report.signature.canonicalization, 'https://llmca.org/mcp-canonical-json/v1')
  assert.deepEqual(report.untrustedBlocks, ['_meta'])
  assert.equal(report.certification.status, 'absent')
  assert.deepEqual(await native.verifyFeedAsync(realFeed.toString('utf8'), NOW, { key: publisherKey }), report)
  const tampered = realFeed.toString('utf8').replace('Minimal', 'Maximal')
  const bad = native.verifyFeed(tampered, NOW, { key: publisherKey })
  assert.equal(bad.trustLevel, 'invalid')
  assert.equal(bad.signature.error.code, 'INVALID_SIGNATURE')
  assert.deepEqual(bad.trustedBlocks, [])
})

test('signFeed signs what JSON.stringify of the signed blocks gives, as @noble/curves checks it', async () => {
  const seed = ed25519.utils.randomSecretKey()
  const publicHex = bytesToHex(ed25519.getPublicKey(seed))
  const signed = native.signFeed(FEED, bytesToHex(seed), NOW, { blocks: ['feed_type', 'metadata'], keyHint: 'https://example.org/k.pem' })
  const feed = JSON.parse(signed)
  assert.deepEqual(feed.trust.signed_blocks, ['feed_type', 'metadata', 'trust'])
  assert.equal(feed.signature.created_at, '2026-01-01T00:00:00Z')
  const message = JSON.stringify({ feed_type: feed.feed_type, metadata: feed.metadata, trust: feed.trust })
  const signature = Buffer.from(feed.signature.value, 'base64')
  assert.ok(ed25519.verify(signature, new TextEncoder().encode(message), ed25519.getPublicKey(seed)))

  const report = native.verifyFeed(signed, NOW, { key: publicHex })
  assert.equal(report.trustLevel, 'signed')
  assert.deepEqual(report.trustedBlocks, ['feed_type', 'metadata', 'trust'])
  assert.deepEqual(report.untrustedBlocks, ['_meta'])
  const sorted = await native.signFeedAsync(new TextEncoder().encode(FEED), bytesToHex(seed), NOW, { canonicalization: 'llmfeed-v1' })
  assert.equal(native.verifyFeed(sorted, NOW, { key: publicHex }).signature.canonicalization, 'llmfeed-v1')
})

test('trusted certifiers and policies shape the certification status', () => {
  // The real ["all"] feeds carry a certification of a scheme that cannot be verified.
  const certified = readFileSync(new URL('../industries/legal.llmfeed.json', real))
  const report = native.verifyFeed(certified, NOW, { key: publisherKey, trustedCertifiers: ['https://llmca.org'], certifierKey: publisherKey })
  assert.equal(report.trustLevel, 'signed')
  assert.equal(report.certification.status, 'unverifiable')
  assert.equal(report.certification.certifier, 'https://llmca.org')
  assert.ok(report.warnings.some((w) => w.includes('cannot be verified')))
  throwsCode(() => native.verifyFeed(certified, NOW, { key: publisherKey, policy: '{"validity_days":"x"}' }), 'INVALID_FEED')
})

test('errors carry the core codes', async () => {
  throwsCode(() => native.verifyFeed('{"a":1,"a":2}', NOW), 'INVALID_JSON')
  throwsCode(() => native.verifyFeed('[]', NOW), 'INVALID_FEED')
  throwsCode(() => native.verifyFeed(realFeed, NOW), 'KEY_UNAVAILABLE')
  throwsCode(() => native.verifyFeed(realFeed, NOW, { key: 'abcd' }), 'INVALID_KEY')
  throwsCode(() => native.verifyFeed(new Uint8Array(9 * 1024 * 1024).fill(32), NOW), 'MESSAGE_TOO_LARGE')
  throwsCode(() => native.verifyFeed(42, NOW), 'INVALID_ARGUMENT')
  throwsCode(() => native.verifyFeed(FEED, -1), 'INVALID_ARGUMENT')
  const seed = '11'.repeat(32)
  throwsCode(() => native.signFeed(FEED, seed, NOW, { blocks: ['signature'] }), 'INVALID_FEED')
  throwsCode(() => native.signFeed(FEED, seed, NOW, { canonicalization: 'jcs' }), 'UNSUPPORTED_SCHEME')
  throwsCode(() => native.signFeed(FEED, 'zz', NOW), 'INVALID_KEY')
  await rejectsCode(native.verifyFeedAsync('{', NOW), 'INVALID_JSON')
  await rejectsCode(native.signFeedAsync(FEED, 'zz', NOW), 'INVALID_KEY')
})
