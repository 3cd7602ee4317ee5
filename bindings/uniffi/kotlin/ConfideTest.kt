// The Kotlin binding on the JVM: the deployed SDK's session vectors through the host engine, a
// whole client ↔ host exchange (also with suspend calls), a Kotlin wallet signer, a real feed, a
// Warp message verified against a validator set, and errors with their codes. Run by
// bindings/uniffi/scripts/test.sh:
//   java -Djna.library.path=<dir of libconfide_uniffi.so> … ConfideTestKt <vector-dir>
// where <vector-dir> holds the SDK init frame, message_0 frame and keys, a real feed and its key,
// and a signed Warp message with its validators (written by test.sh from core/tests/vectors). Prints `kotlin: N passed, N failed`.

import java.io.File
import kotlinx.coroutines.runBlocking
import org.confide.*

var passed = 0
var failed = 0

fun check(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok - $name")
    } catch (error: Throwable) {
        failed++
        println("FAILED - $name: $error")
    }
}

fun expect(condition: Boolean, what: () -> String) {
    if (!condition) throw AssertionError(what())
}

fun nowMs(): ULong = System.currentTimeMillis().toULong()

fun frames(outputs: List<HostOutput>): List<String> = outputs.filterIsInstance<HostOutput.Frame>().map { it.text }

fun onlyFrame(outputs: List<HostOutput>): String {
    val found = frames(outputs)
    expect(found.size == 1) { "expected one frame, got $outputs" }
    return found[0]
}

fun started(outputs: List<HostOutput>): HostOutput.Start =
    outputs.filterIsInstance<HostOutput.Start>().single()

fun params(sessionId: String) = InitParams(
    sessionId = sessionId, jobId = 42u, chainId = 84532u, modelName = "demo", pricePerToken = 2000u,
)

/** Runs `body`, which must fail with a ConfideException carrying `code`. */
fun expectCode(code: String, body: () -> Unit): ConfideException.Failure {
    try {
        body()
    } catch (error: ConfideException.Failure) {
        expect(error.code == code) { "expected $code, got ${error.code}: ${error.reason}" }
        expect(error.message!!.contains(code)) { "message: ${error.message}" }
        return error
    }
    throw AssertionError("expected $code, nothing was thrown")
}

/** A Kotlin wallet whose user declines to sign. */
class DecliningWallet(private val address: String) : WalletSigner {
    override fun address(): String? = address
    override fun signDigest(digest: ByteArray): ByteArray =
        throw ConfideException.Failure("UNAUTHORIZED", "the user declined")
}

fun main(args: Array<String>) {
    val vectors = File(args[0])
    val nodeKey = SecretKey.fromHex(File(vectors, "node_priv").readText().trim())

    check("SDK vectors: the host accepts the SDK init and recovers the true client address") {
        val endpoint = HostEndpoint(nodeKey, nowMs())
        val connection = HostConnection(endpoint, nowMs())
        expect(endpoint.publicKey() == File(vectors, "node_pub").readText().trim()) { "public key" }
        val ack = onlyFrame(connection.handleFrame(File(vectors, "init.json").readText(), nowMs()))
        expect(ack.contains("\"client_address\":\"0x1563915e194D8CfBA1943570603F7606A3115508\"")) { ack }
        val start = started(connection.handleFrame(File(vectors, "message_0.json").readText(), nowMs()))
        expect(start.model == "tiny-vicuna" && start.requestId == "m0") { "$start" }
        expect(start.requestJson.contains("\"prompt\":\"Hello\"")) { start.requestJson }
    }

    check("exchange: init, prompt, chunks, final and a verified receipt") {
        val hostKey = SecretKey.generate()
        val endpoint = HostEndpoint(hostKey, nowMs(), version = "kotlin-test")
        val connection = HostConnection(endpoint, nowMs())
        val wallet = SecretKey.generate()
        val client = ClientSession(endpoint.publicKey(), wallet, SignatureScheme.SDK_TRANSCRIPT)
        val ack = client.open(onlyFrame(connection.handleFrame(client.initMessage(params("k1")), nowMs())))
        expect(ack == ClientEvent.Ack(wallet.address())) { "$ack" }
        val start = started(connection.handleFrame(client.sealPrompt("m1", "Hello"), nowMs()))
        val answer = connection.generationText(start.id, "Hi ", 1u, nowMs()) +
            connection.generationText(start.id, "there", 1u, nowMs()) +
            connection.generationFinished(start.id, FinishReason.STOP, 3u, 2u, nowMs())
        val events = frames(answer).map { client.open(it) }
        val text = events.filterIsInstance<ClientEvent.Chunk>().joinToString("") { it.text }
        expect(text == "Hi there") { text }
        val end = events.last() as ClientEvent.End
        expect(end.verified && end.usage == Usage(3u, 2u, 5u, null)) { "$end" }
        val receipt = verifyMessage(end.receipt!!, System.currentTimeMillis().toULong() / 1000u)
        expect(receipt.signer == endpoint.address()) { "$receipt" }
        client.closeSession()
        expectCode("SESSION_KEY_NOT_FOUND") { client.sealPrompt("m2", "again") }
    }

    check("suspend calls: initMessageAsync and handleFrameAsync") {
        runBlocking {
            val endpoint = HostEndpoint(SecretKey.generate(), nowMs())
            val connection = HostConnection(endpoint, nowMs())
            val wallet = SecretKey.generate()
            val client = ClientSession(endpoint.publicKey(), wallet)
            val ack = onlyFrame(connection.handleFrameAsync(client.initMessageAsync(params("k2")), nowMs()))
            expect(client.open(ack) == ClientEvent.Ack(wallet.address())) { ack }
        }
    }

    check("errors carry the core's code: a bad key, a tampered frame, a refusing wallet") {
        expectCode("INVALID_HEX_ENCODING") { SecretKey.fromHex("zz") }
        expectCode("INVALID_MESSAGE") { ClientSession(SecretKey.generate().publicKey(), SecretKey.generate()).open("garbage") }
        val endpoint = HostEndpoint(SecretKey.generate(), nowMs())
        val client = ClientSession.withSigner(endpoint.publicKey(), DecliningWallet(SecretKey.generate().address()))
        val error = expectCode("INVALID_SIGNATURE") { client.initMessage(params("k3")) }
        expect(error.reason.contains("declined")) { error.reason }
        expectCode("MESSAGE_EXPIRED") {
            verifyMessage(signMessage("{}", SecretKey.generate(), 1000u), 10_000u)
        }
    }

    check("feed: a real feed verifies, a one-character edit does not") {
        val feed = File(vectors, "feed.json").readText()
        val options = VerifyFeedOptions(key = File(vectors, "feed_key.pem").readText())
        val report = verifyFeed(feed, 1_767_225_600L, options)
        expect(report.trustLevel == TrustLevel.SIGNED && report.signature?.valid == true) { "$report" }
        val tampered = verifyFeed(feed.replaceFirst("Minimal", "Maximal"), 1_767_225_600L, options)
        expect(tampered.trustLevel == TrustLevel.INVALID) { "$tampered" }
        expectCode("KEY_UNAVAILABLE") { verifyFeed(feed, 1_767_225_600L) }
    }

    check("warp: a signed message verifies against its validator set (also suspend)") {
        val bytes = File(vectors, "warp_signed.hex").readText().trim().chunked(2).map { it.toInt(16).toByte() }.toByteArray()
        val validators = WarpValidatorSet.fromJson(File(vectors, "warp_validators.json").readText())
        val message = WarpSignedMessage.parse(bytes)
        expect(message.toBytes().contentEquals(bytes)) { "re-serialised bytes differ" }
        val expected = WarpVerified(80u, 100u, listOf("NodeID-A", "NodeID-C"))
        expect(validators.verify(message, 1u, 67u, 100u) == expected) { "verify" }
        expect(runBlocking { validators.verifyAsync(message, 1u, 67u, 100u) } == expected) { "verifyAsync" }
        val error = expectCode("INSUFFICIENT_WEIGHT") { validators.verify(message, 1u, 81u, 100u) }
        expect(error.reason.contains("80 of total 100")) { error.reason }
        expectCode("WRONG_NETWORK") { validators.verify(message, 2u, 67u, 100u) }
    }

    println("kotlin: $passed passed, $failed failed")
    if (failed != 0) kotlin.system.exitProcess(1)
}
