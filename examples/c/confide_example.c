/*
 * Confide from C, against the static library (see Makefile and run.sh):
 *   (a) the deployed SDK's session init and first prompt, handled by the host engine: prints the
 *       ack (with the recovered address) and the generation the prompt starts;
 *   (b) full in-memory client <-> host engine exchanges, once with a wallet key (eip191) and once
 *       with a sign callback (sdk-transcript), printing what each side sees, and checking the
 *       host's signed receipt;
 *   (c) a signed message: sign, verify, and a tampered copy that fails.
 * Output is deterministic (fixed keys and times; random nonces never reach stdout), so run.sh
 * compares it with expected_output.txt. Every handle, string and buffer is freed: run.sh runs
 * this under valgrind and fails on any leak.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confide.h"
#include "sdk_vector.h"

/* A fixed "now" (Unix seconds, and milliseconds for the host engine); real code passes the current
 * time. */
#define NOW 1732200000u
#define NOW_MS (NOW * 1000ull)

/* Exits with the error's codes and message when `error` is not NULL (success). */
static void require_ok(ConfideError *error, const char *what) {
    if (error == NULL) {
        return;
    }
    fprintf(stderr, "%s failed: %s (%u): %s\n", what, confide_error_code_name(error),
            confide_error_code(error), confide_error_message(error));
    confide_error_free(error);
    exit(1);
}

static ConfideSecretKey *key_from_hex(const char *hex) {
    ConfideSecretKey *key = NULL;
    require_ok(confide_secret_key_from_hex(hex, &key), "confide_secret_key_from_hex");
    return key;
}

/* A host endpoint with default limits and no authorize callback, and one connection of it. */
static ConfideHostConnection *host_connection(const ConfideSecretKey *host_key,
                                              ConfideHostEndpoint **out_endpoint) {
    require_ok(confide_host_endpoint_new(host_key, NULL, NULL, NULL, NOW_MS, out_endpoint),
               "confide_host_endpoint_new");
    ConfideHostConnection *connection = NULL;
    require_ok(confide_host_connection_new(*out_endpoint, NOW_MS, &connection),
               "confide_host_connection_new");
    return connection;
}

/* Checks the host's usage receipt (a signed message) and prints its signer. */
static void check_receipt(const char *receipt) {
    ConfideVerified *verified = NULL;
    require_ok(confide_signed_message_verify(receipt, NULL, NOW, &verified),
               "confide_signed_message_verify (receipt)");
    printf("  client: receipt signed by %s\n", verified->signer);
    confide_verified_free(verified);
}

/* Opens `frame` on the client and prints the event. */
static void client_receives(ConfideClientSession *client, const char *frame) {
    ConfideClientEvent *event = NULL;
    require_ok(confide_client_session_open(client, frame, &event), "confide_client_session_open");
    switch (event->kind) {
    case CONFIDE_EVENT_KIND_ACK:
        printf("  client: ack, host recovered %s\n", event->client_address);
        break;
    case CONFIDE_EVENT_KIND_CHUNK:
        printf("  client: chunk %llu \"%.*s\"%s\n", (unsigned long long)event->index,
               (int)event->text_len, event->text, event->is_final ? " (last)" : "");
        break;
    case CONFIDE_EVENT_KIND_FINAL:
        printf("  client: finished (%s)\n", event->text);
        break;
    case CONFIDE_EVENT_KIND_END:
        printf("  client: end, %llu prompt + %llu completion tokens\n",
               (unsigned long long)event->usage.prompt_tokens,
               (unsigned long long)event->usage.completion_tokens);
        check_receipt(event->receipt_json);
        break;
    default:
        printf("  client: event %s\n", event->json);
        break;
    }
    confide_client_event_free(event);
}

/* Carries out the host's outputs in order: frames go to `client` (or are printed when it is
 * NULL), the rest is printed. Frees the outputs; returns the id of the generation a START asked
 * for, or UINT64_MAX. */
static uint64_t carry_out(ConfideHostOutputs *outputs, ConfideClientSession *client) {
    uint64_t started = UINT64_MAX;
    for (size_t i = 0; i < outputs->len; i++) {
        const ConfideHostOutput *output = &outputs->items[i];
        switch (output->kind) {
        case CONFIDE_HOST_OUTPUT_KIND_FRAME:
            if (client != NULL) {
                client_receives(client, output->text);
            } else {
                printf("  host sends %s\n", output->text);
            }
            break;
        case CONFIDE_HOST_OUTPUT_KIND_START:
            printf("  host: generation %llu for request %s of session %s (model %s): %s\n",
                   (unsigned long long)output->generation_id, output->request_id,
                   output->session_id, output->model, output->request_json);
            started = output->generation_id;
            break;
        case CONFIDE_HOST_OUTPUT_KIND_CANCEL:
            printf("  host: cancel generation %llu\n", (unsigned long long)output->generation_id);
            break;
        case CONFIDE_HOST_OUTPUT_KIND_CLOSE:
            printf("  host: close %u (%s)\n", (unsigned)output->close_code, output->text);
            break;
        }
    }
    confide_host_outputs_free(outputs);
    return started;
}

/* Hands one frame from the client to the host and carries out the outputs. */
static uint64_t host_receives(ConfideHostConnection *connection, const char *frame,
                              ConfideClientSession *client) {
    ConfideHostOutputs outputs = {NULL, 0};
    require_ok(confide_host_connection_handle_frame(connection, (const uint8_t *)frame,
                                                    strlen(frame), NOW_MS, &outputs),
               "confide_host_connection_handle_frame");
    return carry_out(&outputs, client);
}

/* (a) The SDK vector, host side. */
static void sdk_vector(void) {
    ConfideSecretKey *host_key = key_from_hex(SDK_HOST_KEY_HEX);
    ConfideHostEndpoint *endpoint = NULL;
    ConfideHostConnection *connection = host_connection(host_key, &endpoint);

    printf("sdk vector: session init\n");
    ConfideHostOutputs outputs = {NULL, 0};
    require_ok(confide_host_connection_handle_frame(connection, (const uint8_t *)SDK_INIT_FRAME,
                                                    strlen(SDK_INIT_FRAME), NOW_MS, &outputs),
               "confide_host_connection_handle_frame");
    if (outputs.len != 1 || strstr(outputs.items[0].text, SDK_CLIENT_ADDRESS) == NULL) {
        fprintf(stderr, "the ack does not carry %s\n", SDK_CLIENT_ADDRESS);
        exit(1);
    }
    carry_out(&outputs, NULL);
    printf("sdk vector: message_0\n");
    host_receives(connection, SDK_MESSAGE_0_FRAME, NULL);

    confide_host_connection_free(connection);
    confide_host_endpoint_free(endpoint);
    confide_secret_key_free(host_key);
}

/* Generation `id` reports `text` (one token); the outputs go to the client. */
static void generation_text(ConfideHostConnection *connection, uint64_t id, const char *text,
                            ConfideClientSession *client) {
    ConfideHostOutputs outputs = {NULL, 0};
    require_ok(confide_host_connection_generation_text(connection, id, (const uint8_t *)text,
                                                       strlen(text), 1, NOW_MS, &outputs),
               "confide_host_connection_generation_text");
    carry_out(&outputs, client);
}

/* (b) One exchange: greeting, init, ack, one prompt answered in two pieces, the finish reason,
 * stream_end with a signed receipt, close. */
static void exchange(ConfideClientSession *client, const ConfideSecretKey *host_key) {
    ConfideHostEndpoint *endpoint = NULL;
    ConfideHostConnection *connection = host_connection(host_key, &endpoint);
    char *greeting = NULL;
    require_ok(confide_host_connection_greeting(connection, &greeting),
               "confide_host_connection_greeting");
    client_receives(client, greeting);
    confide_string_free(greeting);

    ConfideInitParams params = {
        .session_id = "c-session-1",
        .job_id = 42,
        .chain_id = 84532,
        .model_name = "demo",
        .price_per_token = 2000,
        .request_id = NULL,
        .timestamp = NOW,
    };
    char *init = NULL;
    require_ok(confide_client_session_init_message(client, &params, &init),
               "confide_client_session_init_message");
    host_receives(connection, init, client);
    confide_string_free(init);

    const char *prompt = "{\"prompt\":\"Say hello\",\"max_tokens\":8}";
    char *sealed = NULL;
    require_ok(confide_client_session_seal_prompt(client, "msg-1", (const uint8_t *)prompt,
                                                  strlen(prompt), &sealed),
               "confide_client_session_seal_prompt");
    uint64_t generation = host_receives(connection, sealed, client);
    confide_string_free(sealed);

    /* The "model" answers in two pieces; the engine holds back the newest chunk so that the last
     * one can be marked final. */
    generation_text(connection, generation, "Hello", client);
    generation_text(connection, generation, ", world", client);
    ConfideHostOutputs outputs = {NULL, 0};
    require_ok(confide_host_connection_generation_finished(
                   connection, generation, CONFIDE_FINISH_REASON_STOP, 3, 2, NOW_MS, &outputs),
               "confide_host_connection_generation_finished");
    carry_out(&outputs, client);

    require_ok(confide_host_connection_close(connection, &outputs),
               "confide_host_connection_close");
    carry_out(&outputs, client);
    confide_host_connection_free(connection);
    confide_host_endpoint_free(endpoint);
    require_ok(confide_client_session_close(client), "confide_client_session_close");
}

/* A sign callback backed by a library key (`ctx`), standing in for a wallet or secure enclave. */
static int wallet_sign(void *ctx, const uint8_t *digest, uint8_t *out_signature) {
    ConfideBuffer signature = {NULL, 0};
    ConfideError *error =
        confide_secret_key_sign_prehash((const ConfideSecretKey *)ctx, digest, 32, &signature);
    if (error != NULL) {
        confide_error_free(error);
        return 1;
    }
    memcpy(out_signature, signature.data, 65);
    confide_buffer_free(&signature);
    return 0;
}

static void exchanges(void) {
    ConfideSecretKey *host_key = key_from_hex(SDK_HOST_KEY_HEX);
    ConfideSecretKey *wallet = key_from_hex(SDK_CLIENT_KEY_HEX);
    ConfideBuffer host_public = {NULL, 0};
    require_ok(confide_secret_key_public_key(host_key, &host_public),
               "confide_secret_key_public_key");

    printf("exchange 1: wallet key, eip191\n");
    ConfideClientSession *client = NULL;
    require_ok(confide_client_session_new(host_public.data, host_public.len, wallet,
                                          CONFIDE_SESSION_SCHEME_EIP191, &client),
               "confide_client_session_new");
    exchange(client, host_key);
    confide_client_session_free(client);

    printf("exchange 2: sign callback, sdk-transcript\n");
    require_ok(confide_client_session_new_with_signer(host_public.data, host_public.len,
                                                      wallet_sign, wallet,
                                                      CONFIDE_SESSION_SCHEME_SDK_TRANSCRIPT,
                                                      &client),
               "confide_client_session_new_with_signer");
    exchange(client, host_key);
    confide_client_session_free(client);

    confide_buffer_free(&host_public);
    confide_secret_key_free(wallet);
    confide_secret_key_free(host_key);
}

/* (c) Sign a payload, verify it, and show that a tampered copy fails. */
static void signed_message(void) {
    ConfideSecretKey *wallet = key_from_hex(SDK_CLIENT_KEY_HEX);
    const uint64_t nonce = 7;
    char *envelope = NULL;
    require_ok(confide_signed_message_sign("{\"model\":\"demo\",\"prompt\":\"hi\"}", wallet, NOW,
                                           &nonce, CONFIDE_MESSAGE_SCHEME_CONFIDE_V1, &envelope),
               "confide_signed_message_sign");

    ConfideVerified *verified = NULL;
    require_ok(confide_signed_message_verify(envelope, NULL, NOW + 5, &verified),
               "confide_signed_message_verify");
    printf("signed message: signer %s, bound %s, scheme %s, payload %s\n", verified->signer,
           verified->bound ? "yes" : "no",
           verified->scheme == CONFIDE_MESSAGE_SCHEME_CONFIDE_V1 ? "confide-v1" : "lloom-v1",
           verified->payload_json);
    confide_verified_free(verified);

    /* Change the prompt inside the signed payload: the signature no longer matches. */
    char *tampered = strdup(envelope);
    char *at = strstr(tampered, "\"hi\"");
    at[1] = 'H';
    ConfideError *error = confide_signed_message_verify(tampered, NULL, NOW + 5, &verified);
    printf("signed message: tampered copy rejected with %s (%u), result %s\n",
           confide_error_code_name(error), confide_error_code(error),
           verified == NULL ? "NULL" : "set");
    confide_error_free(error);
    free(tampered);

    /* Too old for the default policy (300 s). */
    error = confide_signed_message_verify(envelope, NULL, NOW + 301, &verified);
    printf("signed message: 301 s later rejected with %s\n", confide_error_code_name(error));
    confide_error_free(error);

    confide_string_free(envelope);
    confide_secret_key_free(wallet);
}

int main(void) {
    sdk_vector();
    exchanges();
    signed_message();
    return 0;
}
