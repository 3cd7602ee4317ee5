/*
 * Error paths of the Confide C API, exercised from C: NULL arguments, bad hex, bad lengths,
 * invalid UTF-8, out-of-range enum values, protocol errors — checking the numeric code, the string
 * code, that messages name the argument and never echo a secret, and that out-pointers stay NULL.
 * Ends with "N passed, N failed" on a line by itself and exits non-zero on any failure. run.sh
 * runs it under valgrind, so every path must also free what it got.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "confide.h"
#include "sdk_vector.h"

#define NOW 1732200000u
#define NOW_MS (NOW * 1000ull)

static int declining_signer(void *ctx, const uint8_t *digest, uint8_t *out_signature) {
    (void)ctx;
    (void)digest;
    (void)out_signature;
    return 42;
}

static void test_errors_and_frees(void) {
    check(confide_error_code(NULL) == CONFIDE_ERROR_CODE_OK, "confide_error_code(NULL) is 0");
    check(strcmp(confide_error_code_name(NULL), "OK") == 0, "confide_error_code_name(NULL) is OK");
    check(strcmp(confide_error_message(NULL), "") == 0, "confide_error_message(NULL) is empty");
    /* Every free function accepts NULL. */
    confide_error_free(NULL);
    confide_string_free(NULL);
    confide_buffer_free(NULL);
    confide_secret_key_free(NULL);
    confide_client_session_free(NULL);
    confide_client_event_free(NULL);
    confide_host_endpoint_free(NULL);
    confide_host_connection_free(NULL);
    confide_host_outputs_free(NULL);
    confide_verified_free(NULL);
    confide_verifier_free(NULL);
    check(1, "free functions accept NULL");
}

static void test_keys(void) {
    ConfideSecretKey *key = NULL;
    EXPECT(confide_secret_key_from_hex(NULL, &key), INVALID_ARGUMENT, "`hex`", "NULL hex");
    EXPECT(confide_secret_key_from_hex(SDK_CLIENT_KEY_HEX, NULL), INVALID_ARGUMENT, "`out_key`",
           "NULL out_key");
    EXPECT(confide_secret_key_from_hex("0xzz", &key), INVALID_HEX_ENCODING, NULL, "non-hex key");
    EXPECT(confide_secret_key_from_hex("0x1234", &key), INVALID_KEY, "32 bytes", "short key");
    EXPECT(confide_secret_key_from_hex("\xff\xfe", &key), INVALID_ARGUMENT, "UTF-8",
           "non-UTF-8 hex");
    check(key == NULL, "out_key stays NULL after errors");

    /* A bad key's message never quotes it. */
    const char *almost = "0x22222222222222222222222222222222222222222222222222222222222222zz";
    ConfideError *error = confide_secret_key_from_hex(almost, &key);
    check(error != NULL && strstr(confide_error_message(error), "2222") == NULL,
          "error message does not echo the secret");
    confide_error_free(error);

    uint8_t bytes[31] = {1};
    EXPECT(confide_secret_key_from_bytes(bytes, sizeof bytes, &key), INVALID_KEY, "31",
           "31-byte key");
    EXPECT(confide_secret_key_from_bytes(NULL, 32, &key), INVALID_ARGUMENT, "`bytes`",
           "NULL bytes with a length");

    expect_ok(confide_secret_key_from_hex(SDK_CLIENT_KEY_HEX, &key), "valid key");
    ConfideBuffer signature = {NULL, 0};
    uint8_t digest[32] = {0};
    EXPECT(confide_secret_key_sign_prehash(key, digest, 31, &signature), INVALID_ARGUMENT,
           "`digest_len`", "31-byte digest");
    check(signature.data == NULL && signature.len == 0, "signature buffer stays empty");
    expect_ok(confide_secret_key_sign_prehash(key, digest, 32, &signature), "sign a prehash");
    check(signature.len == 65 && signature.data[64] <= 1, "signature is r||s||v with v 0/1");
    confide_buffer_free(&signature);
    check(signature.data == NULL && signature.len == 0, "confide_buffer_free resets the buffer");
    confide_buffer_free(&signature); /* a second free does nothing */

    char *address = NULL;
    expect_ok(confide_secret_key_address(key, &address), "address");
    check(address != NULL && strcmp(address, SDK_CLIENT_ADDRESS) == 0, "address is EIP-55");
    confide_string_free(address);
    EXPECT(confide_secret_key_address(NULL, &address), INVALID_ARGUMENT, "`key`", "NULL key");

    ConfideBuffer public_key = {NULL, 0};
    EXPECT(confide_public_key_from_hex("0x02", &public_key), INVALID_KEY, NULL,
           "1-byte public key");
    uint8_t not_a_point[33] = {2};
    EXPECT(confide_public_key_address(not_a_point, 33, &address), INVALID_KEY, NULL,
           "public key off the curve");
    confide_secret_key_free(key);
}

static void test_client(void) {
    ConfideSecretKey *host_key = NULL, *wallet = NULL;
    expect_ok(confide_secret_key_from_hex(SDK_HOST_KEY_HEX, &host_key), "host key");
    expect_ok(confide_secret_key_from_hex(SDK_CLIENT_KEY_HEX, &wallet), "wallet key");
    ConfideBuffer host_public = {NULL, 0};
    expect_ok(confide_secret_key_public_key(host_key, &host_public), "host public key");

    ConfideClientSession *client = NULL;
    EXPECT(confide_client_session_new(host_public.data, 32, wallet, 0, &client), INVALID_KEY,
           NULL, "32-byte host public key");
    EXPECT(confide_client_session_new(host_public.data, host_public.len, wallet, 9, &client),
           INVALID_ARGUMENT, "`scheme`", "unknown scheme value");
    EXPECT(confide_client_session_new(host_public.data, host_public.len, NULL, 0, &client),
           INVALID_ARGUMENT, "`wallet`", "NULL wallet");
    EXPECT(confide_client_session_new_with_signer(host_public.data, host_public.len, NULL, NULL, 0,
                                                  &client),
           INVALID_ARGUMENT, "`sign`", "NULL sign callback");
    check(client == NULL, "out_session stays NULL after errors");

    /* A sign callback that declines: the init fails with a clear code. */
    expect_ok(confide_client_session_new_with_signer(host_public.data, host_public.len,
                                                     declining_signer, NULL,
                                                     CONFIDE_SESSION_SCHEME_EIP191, &client),
              "session with a declining signer");
    ConfideInitParams params = {"s-1", 42, 84532, "demo", 2000, NULL, NOW};
    char *frame = NULL;
    EXPECT(confide_client_session_init_message(client, &params, &frame), INVALID_SIGNATURE,
           "sign callback", "sign callback returning non-zero");
    check(frame == NULL, "no frame after a failed init");
    confide_client_session_free(client);
    client = NULL;

    expect_ok(confide_client_session_new(host_public.data, host_public.len, wallet,
                                         CONFIDE_SESSION_SCHEME_EIP191, &client),
              "session with a wallet key");
    EXPECT(confide_client_session_seal_prompt(client, "m1", (const uint8_t *)"x", 1, &frame),
           SESSION_KEY_NOT_FOUND, NULL, "seal before init");
    ConfideInitParams no_model = {"s-1", 42, 84532, NULL, 2000, NULL, NOW};
    EXPECT(confide_client_session_init_message(client, &no_model, &frame), INVALID_ARGUMENT,
           "`params.model_name`", "NULL model name");
    EXPECT(confide_client_session_init_message(client, NULL, &frame), INVALID_ARGUMENT, "`params`",
           "NULL params");
    expect_ok(confide_client_session_init_message(client, &params, &frame), "init message");
    confide_string_free(frame);
    frame = NULL;

    EXPECT(confide_client_session_seal_prompt(client, NULL, (const uint8_t *)"x", 1, &frame),
           INVALID_ARGUMENT, "`request_id`", "NULL request id");
    EXPECT(confide_client_session_seal_prompt(client, "m1", NULL, 4, &frame), INVALID_ARGUMENT,
           "`prompt`", "NULL prompt with a length");

    ConfideClientEvent *event = NULL;
    EXPECT(confide_client_session_open(client, NULL, &event), INVALID_ARGUMENT, "`frame`",
           "NULL frame");
    EXPECT(confide_client_session_open(client, "{\"type\":\"\xc3\x28\"}", &event),
           INVALID_ARGUMENT, "UTF-8", "non-UTF-8 frame");
    EXPECT(confide_client_session_open(client, "not json", &event), INVALID_MESSAGE, NULL,
           "garbage frame");
    EXPECT(confide_client_session_open(client, "{\"type\":\"stream_chunk\",\"content\":\"x\"}",
                                       &event),
           ENCRYPTION_REQUIRED, NULL, "plaintext chunk in an encrypted session");
    check(event == NULL, "out_event stays NULL after errors");

    expect_ok(confide_client_session_close(client), "close");
    expect_ok(confide_client_session_close(client), "close again");
    EXPECT(confide_client_session_seal_prompt(client, "m1", (const uint8_t *)"x", 1, &frame),
           SESSION_KEY_NOT_FOUND, NULL, "seal after close");
    EXPECT(confide_client_session_close(NULL), INVALID_ARGUMENT, "`session`", "close NULL");
    confide_client_session_free(client);

    confide_buffer_free(&host_public);
    confide_secret_key_free(wallet);
    confide_secret_key_free(host_key);
}

/* Handles `frame` on `connection`; the outputs go to `*outputs` (freed first). */
static ConfideError *handle(ConfideHostConnection *connection, const char *frame,
                            ConfideHostOutputs *outputs) {
    confide_host_outputs_free(outputs);
    return confide_host_connection_handle_frame(connection, (const uint8_t *)frame, strlen(frame),
                                                NOW_MS, outputs);
}

/* Whether the outputs are exactly one frame containing `needle`. */
static int one_frame_with(const ConfideHostOutputs *outputs, const char *needle) {
    return outputs->len == 1 && outputs->items[0].kind == CONFIDE_HOST_OUTPUT_KIND_FRAME &&
           strstr(outputs->items[0].text, needle) != NULL;
}

/* An authorize callback refusing everyone; counts its calls in `*ctx`. */
static int refuse_all(void *ctx, const char *client_address) {
    (void)client_address;
    (*(int *)ctx)++;
    return 0;
}

static void test_host(void) {
    ConfideSecretKey *host_key = NULL;
    expect_ok(confide_secret_key_from_hex(SDK_HOST_KEY_HEX, &host_key), "host key");
    ConfideHostConfig config;
    expect_ok(confide_host_config_default(&config), "default config");
    check(config.max_sessions == 10000 && config.session_ttl_secs == 1800 &&
              config.version == NULL,
          "default limits");
    ConfideHostEndpoint *endpoint = NULL;
    ConfideHostConfig zero = config;
    zero.max_sessions = 0;
    EXPECT(confide_host_endpoint_new(host_key, &zero, NULL, NULL, NOW_MS, &endpoint),
           INVALID_ARGUMENT, "max_sessions", "zero max_sessions");
    EXPECT(confide_host_endpoint_new(NULL, NULL, NULL, NULL, NOW_MS, &endpoint), INVALID_ARGUMENT,
           "`host_key`", "NULL host key");
    check(endpoint == NULL, "out_endpoint stays NULL after errors");
    config.version = "c-test";
    expect_ok(confide_host_endpoint_new(host_key, &config, NULL, NULL, NOW_MS, &endpoint),
              "endpoint");
    ConfideHostConnection *connection = NULL, *second = NULL;
    EXPECT(confide_host_connection_new(NULL, NOW_MS, &connection), INVALID_ARGUMENT,
           "`endpoint`", "NULL endpoint");
    expect_ok(confide_host_connection_new(endpoint, NOW_MS, &connection), "connection");
    expect_ok(confide_host_connection_new(endpoint, NOW_MS, &second), "second connection");

    char *greeting = NULL;
    expect_ok(confide_host_connection_greeting(connection, &greeting), "greeting");
    check(greeting != NULL && strstr(greeting, "\"version\":\"c-test\"") != NULL,
          "greeting carries the configured version");
    confide_string_free(greeting);

    ConfideHostOutputs outputs = {NULL, 0};
    EXPECT(confide_host_connection_handle_frame(connection, NULL, 4, NOW_MS, &outputs),
           INVALID_ARGUMENT, "`frame`", "NULL frame with a length");
    EXPECT(handle(NULL, "{}", &outputs), INVALID_ARGUMENT, "`connection`", "NULL connection");
    check(outputs.items == NULL && outputs.len == 0, "out_outputs stays empty after errors");

    expect_ok(handle(connection, "{\"type\":\"ping\"}", &outputs), "ping");
    check(one_frame_with(&outputs, "\"type\":\"pong\""), "ping is answered with pong");
    expect_ok(handle(connection, SDK_INIT_FRAME, &outputs), "SDK vector init");
    check(one_frame_with(&outputs, SDK_CLIENT_ADDRESS), "the ack carries the SDK client address");
    expect_ok(handle(second, SDK_INIT_FRAME, &outputs), "SDK init on a second connection");
    check(one_frame_with(&outputs, "\"code\":\"REPLAY_DETECTED\""),
          "an init replayed on another connection is REPLAY_DETECTED");

    expect_ok(handle(connection, SDK_MESSAGE_0_FRAME, &outputs), "SDK vector message_0");
    check(outputs.len == 1 && outputs.items[0].kind == CONFIDE_HOST_OUTPUT_KIND_START &&
              strstr(outputs.items[0].request_json, "\"Hello\"") != NULL &&
              strcmp(outputs.items[0].model, "tiny-vicuna") == 0 &&
              strcmp(outputs.items[0].request_id, "m0") == 0 && outputs.items[0].encrypted,
          "message_0 starts a generation of the prompt");
    uint64_t generation = outputs.len == 1 ? outputs.items[0].generation_id : 0;
    expect_ok(handle(connection, SDK_MESSAGE_0_FRAME, &outputs), "message_0 again");
    check(one_frame_with(&outputs, "\"code\":\"REPLAY_DETECTED\""),
          "a replayed prompt is REPLAY_DETECTED");
    confide_host_outputs_free(&outputs);

    EXPECT(confide_host_connection_generation_text(connection, generation,
                                                   (const uint8_t *)"\xff", 1, 1, NOW_MS,
                                                   &outputs),
           INVALID_ARGUMENT, "`text`", "non-UTF-8 generation text");
    EXPECT(confide_host_connection_generation_finished(connection, generation, 9, 1, 1, NOW_MS,
                                                       &outputs),
           INVALID_ARGUMENT, "`finish_reason`", "unknown finish reason");
    expect_ok(confide_host_connection_generation_text(connection, generation + 100,
                                                      (const uint8_t *)"x", 1, 1, NOW_MS,
                                                      &outputs),
              "text of an unknown generation");
    check(outputs.len == 0 && outputs.items == NULL, "an unknown generation yields nothing");
    expect_ok(confide_host_connection_generation_failed(connection, generation,
                                                        CONFIDE_ERROR_CODE_INFERENCE_FAILED,
                                                        "out of memory", NOW_MS, &outputs),
              "generation failed");
    check(outputs.len == 2 && outputs.items[0].kind == CONFIDE_HOST_OUTPUT_KIND_CANCEL &&
              outputs.items[0].generation_id == generation &&
              strstr(outputs.items[1].text, "\"code\":\"INFERENCE_FAILED\"") != NULL,
          "a failed generation is cancelled and reported with its code");
    confide_host_outputs_free(&outputs);

    /* An error turned into the wire frame a host sends. */
    ConfideError *error = confide_host_connection_generation_failed(connection, generation, 999,
                                                                    "x", NOW_MS, &outputs);
    char *frame = NULL;
    expect_ok(confide_error_to_frame(error, "sdk-vector", "m9", &frame), "error frame");
    check(frame != NULL && strstr(frame, "\"code\":\"INVALID_ARGUMENT\"") != NULL &&
              strstr(frame, "\"id\":\"m9\"") != NULL,
          "error frame carries code and ids");
    confide_string_free(frame);
    confide_error_free(error);

    expect_ok(confide_host_connection_expire(connection, NOW_MS + 1801000), "expire");
    EXPECT(confide_host_connection_expire(NULL, NOW_MS), INVALID_ARGUMENT, "`connection`",
           "expire NULL");
    expect_ok(confide_host_connection_close(connection, &outputs), "close");
    check(outputs.len == 0, "nothing to cancel");
    expect_ok(handle(connection, "{\"type\":\"ping\"}", &outputs), "ping after close");
    check(outputs.len == 0, "a closed connection ignores frames");
    confide_host_outputs_free(&outputs);
    confide_host_connection_free(second);
    confide_host_connection_free(connection);
    confide_host_endpoint_free(endpoint);

    /* An authorize callback that refuses: the client gets UNAUTHORIZED. */
    int calls = 0;
    expect_ok(confide_host_endpoint_new(host_key, NULL, refuse_all, &calls, NOW_MS, &endpoint),
              "endpoint with an authorize callback");
    expect_ok(confide_host_connection_new(endpoint, NOW_MS, &connection), "connection");
    expect_ok(handle(connection, SDK_INIT_FRAME, &outputs), "init refused by the callback");
    check(one_frame_with(&outputs, "\"code\":\"UNAUTHORIZED\"") && calls == 1,
          "the authorize callback's refusal is UNAUTHORIZED");
    confide_host_outputs_free(&outputs);
    confide_host_connection_free(connection);
    confide_host_endpoint_free(endpoint);
    confide_secret_key_free(host_key);
}

static void test_signed(void) {
    ConfideSecretKey *wallet = NULL;
    expect_ok(confide_secret_key_from_hex(SDK_CLIENT_KEY_HEX, &wallet), "wallet key");
    char *envelope = NULL;
    EXPECT(confide_signed_message_sign("{\"a\":1}", wallet, NOW, NULL, 7, &envelope),
           INVALID_ARGUMENT, "`scheme`", "unknown message scheme");
    EXPECT(confide_signed_message_sign("{not json", wallet, NOW, NULL, 0, &envelope),
           INVALID_MESSAGE, NULL, "payload that is not JSON");
    EXPECT(confide_signed_message_sign(NULL, wallet, NOW, NULL, 0, &envelope), INVALID_ARGUMENT,
           "`payload_json`", "NULL payload");
    check(envelope == NULL, "out_envelope stays NULL after errors");
    expect_ok(confide_signed_message_sign("{\"a\":1}", wallet, NOW, NULL, 0, &envelope), "sign");

    ConfideVerified *verified = NULL;
    EXPECT(confide_signed_message_verify(envelope, NULL, NOW + 301, &verified), MESSAGE_EXPIRED,
           NULL, "expired envelope");
    EXPECT(confide_signed_message_verify(envelope, NULL, NOW - 301, &verified),
           MESSAGE_FROM_FUTURE, NULL, "envelope from the future");
    EXPECT(confide_signed_message_verify("{\"payload\":{},\"timestamp\":1}", NULL, NOW, &verified),
           UNSIGNED_MESSAGE, NULL, "unsigned envelope");
    check(verified == NULL, "out_verified stays NULL after errors");

    ConfideVerifier *verifier = NULL;
    expect_ok(confide_verifier_new(NULL, 100000, &verifier), "verifier");
    expect_ok(confide_verifier_verify(verifier, envelope, NOW, &verified), "first verify");
    check(verified != NULL && verified->bound && strcmp(verified->signer, SDK_CLIENT_ADDRESS) == 0,
          "verified signer");
    confide_verified_free(verified);
    verified = NULL;
    EXPECT(confide_verifier_verify(verifier, envelope, NOW + 1, &verified), REPLAY_DETECTED, NULL,
           "replayed envelope");
    confide_verifier_free(verifier);

    char *declined = NULL;
    EXPECT(confide_signed_message_sign_with_signer("{\"a\":1}", SDK_CLIENT_ADDRESS,
                                                   declining_signer, NULL, NOW, NULL, 0,
                                                   &declined),
           INVALID_SIGNATURE, "sign callback", "declining signer for a message");
    check(declined == NULL, "no envelope from a declining signer");
    confide_string_free(envelope);
    confide_secret_key_free(wallet);
}

int main(void) {
    test_errors_and_frees();
    test_keys();
    test_client();
    test_host();
    test_signed();
    return report();
}
