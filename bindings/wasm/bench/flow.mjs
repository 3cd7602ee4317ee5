// The measured flow, the same in Node and in Chromium: the client side of one E2EE session — init
// (ephemeral key, ECDH, HKDF, seal, EIP-191 signature), sealing 10 prompts, opening 100 chunks — on
// @confide/wasm and on the deployed SDK's @noble pins, alternating, with a JS host (./js-host.mjs)
// answering between the timed parts. Before timing, both clients are checked against that host:
// their init opens there, their prompts open, its chunks open with them in order, and both reject a
// tampered and a replayed chunk.
import { jsHost } from './js-host.mjs'

const PROMPTS = 10
const CHUNKS_PER_PROMPT = 10
const token = (i) => ` tok${i}`
const texts = Array.from({ length: CHUNKS_PER_PROMPT }, (_, i) => token(i))
const params = (n) => ({ sessionId: `bench-${n}`, jobId: 42, chainId: 84532, modelName: 'demo', pricePerToken: 2000 })

/**
 * Runs the benchmark. `wasm`: the package's exports; `SdkClientSession`, `primitives`: the JS client
 * and its primitives (also the JS host's); `clock()`: milliseconds. Returns per-implementation
 * medians (µs) of { init, seal, open, total } per session.
 */
export function runBench({ wasm, SdkClientSession, primitives, clock, rounds = 7, sessions = 10 }) {
  const host = jsHost(primitives, primitives.randomSecretKey())
  const walletPrivateKey = wasm.generateSecretKey()
  const options = { hostPublicKey: host.publicKey, walletPrivateKey }
  const implementations = {
    wasm: () => new wasm.ClientSession(options),
    sdk: () => new SdkClientSession(options),
  }
  let counter = 0

  /** One session: { init, seal, open } in milliseconds, host work excluded. */
  function session(make, check) {
    const n = counter++
    const t0 = clock()
    const client = make()
    const init = client.initMessage(params(n))
    const t1 = clock()
    const accepted = host.accept(init)
    const t2 = clock()
    const prompts = []
    for (let p = 0; p < PROMPTS; p++) prompts.push(client.sealPrompt(`p${p}`, `prompt number ${p}`))
    const t3 = clock()
    const frames = prompts.flatMap((frame) => {
      const { id, request } = host.openPrompt(accepted, frame)
      if (check && request.prompt !== `prompt number ${id.slice(1)}`) throw new Error(`prompt ${id} did not open`)
      return host.chunks(accepted, id, texts)
    })
    const t4 = clock()
    let received = ''
    for (const frame of frames) received += client.open(frame).text
    const t5 = clock()
    if (check && received !== texts.join('').repeat(PROMPTS)) throw new Error('the chunks did not open in order')
    client.free?.()
    return { init: t1 - t0, seal: t3 - t2, open: t5 - t4 }
  }

  // Correctness: every implementation's session works, and each rejects tampering and replay.
  for (const [name, make] of Object.entries(implementations)) {
    session(make, true)
    const client = make()
    const accepted = host.accept(client.initMessage(params(`check-${name}`)))
    client.sealPrompt('p0', 'x')
    const [chunk0] = host.chunks(accepted, 'p0', texts.slice(0, 1))
    const tampered = JSON.parse(chunk0)
    tampered.payload.ciphertextHex = (tampered.payload.ciphertextHex[0] === '0' ? '1' : '0') + tampered.payload.ciphertextHex.slice(1)
    expectThrow(() => client.open(JSON.stringify(tampered)), `${name}: tampered chunk`)
    if (client.open(chunk0).text !== token(0)) throw new Error(`${name}: chunk 0 did not open`)
    expectThrow(() => client.open(chunk0), `${name}: replayed chunk`)
  }

  // Warm-up: V8 compiles wasm with its baseline tier first and optimises hot functions later, and
  // JITs the JS; neither should be measured.
  for (let i = 0; i < 20; i++) for (const make of Object.values(implementations)) session(make, false)
  const samples = Object.fromEntries(Object.keys(implementations).map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, make] of Object.entries(implementations)) {
      // Per-round means: Chromium's clock is coarse, so each sample sums a round of sessions.
      const sum = { init: 0, seal: 0, open: 0 }
      for (let s = 0; s < sessions; s++) {
        const one = session(make, false)
        for (const key of Object.keys(sum)) sum[key] += one[key]
      }
      samples[name].push(Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, (v / sessions) * 1000])))
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      {
        init: median(list.map((s) => s.init)),
        seal: median(list.map((s) => s.seal)),
        open: median(list.map((s) => s.open)),
        total: median(list.map((s) => s.init + s.seal + s.open)),
      },
    ]),
  )
}

function expectThrow(fn, what) {
  try {
    fn()
  } catch {
    return
  }
  throw new Error(`${what} was accepted`)
}
