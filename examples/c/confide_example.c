/*
 * Confide from C, against the static library (see Makefile and run.sh):
 *   (a) the deployed SDK's session init, accepted on the host side: prints the recovered address;
 *   (b) full in-memory client <-> host exchanges, once with a wallet key (eip191) and once with a
 *       sign callback (sdk-transcript), printing what each side decrypted;
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

/* A fixed "now" (Unix seconds); real code passes the current time. */
#define NOW 1732200000u

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

/* (a) The SDK vector, host side. */
static void sdk_vector(void) {
    ConfideSecretKey *host_key = key_from_hex(SDK_HOST_KEY_HEX);
    ConfideHostSession *host = NULL;
    require_ok(confide_host_session_new(host_key, NULL, &host), "confide_host_session_new");

    ConfideInitAccepted *accepted = NULL;
    require_ok(confide_host_session_accept_init(host, SDK_INIT_FRAME, NOW, NULL, NULL, &accepted),
               "confide_host_session_accept_init");
    printf("sdk vector: recovered client address %s (%s)\n", accepted->client_address,
           accepted->scheme == CONFIDE_SESSION_SCHEME_SDK_TRANSCRIPT ? "sdk-transcript" : "eip191");
    printf("sdk vector: job %s, model %s, price per token %llu\n", accepted->job_id,
           accepted->model_name, (unsigned long long)accepted->price_per_token);
    if (strcmp(accepted->client_address, SDK_CLIENT_ADDRESS) != 0) {
        fprintf(stderr, "wrong address, expected %s\n", SDK_CLIENT_ADDRESS);
        exit(1);
    }
    confide_init_accepted_free(accepted);

    ConfideHostMessage *message = NULL;
    require_ok(confide_host_session_open_message(host, SDK_MESSAGE_0_FRAME, NOW, &message),
               "confide_host_session_open_message");
    printf("sdk vector: message_0 %s\n", message->prompt_json);
    confide_host_message_free(message);

    confide_host_session_free(host);
    confide_secret_key_free(host_key);
}

/* Opens `frame` on the client and prints the event; frees the frame. */
static void client_receives(ConfideClientSession *client, char *frame) {
    ConfideClientEvent *event = NULL;
    require_ok(confide_client_session_open(client, frame, &event), "confide_client_session_open");
    confide_string_free(frame);
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
    default:
        printf("  client: event %s\n", event->json);
        break;
    }
    confide_client_event_free(event);
}

/* (b) One exchange: init, ack, one prompt, two chunks, the finish reason, close. */
static void exchange(ConfideClientSession *client, ConfideHostSession *host) {
    ConfideInitParams params = {
        .session_id = "c-session-1",
        .job_id = 42,
        .chain_id = 84532,
        .model_name = "demo",
        .price_per_token = 2000,
        .request_id = NULL,
    };
    char *init = NULL;
    require_ok(confide_client_session_init_message(client, &params, &init),
               "confide_client_session_init_message");

    ConfideInitAccepted *accepted = NULL;
    require_ok(confide_host_session_accept_init(host, init, NOW, NULL, NULL, &accepted),
               "confide_host_session_accept_init");
    confide_string_free(init);
    printf("  host: session %s from %s\n", accepted->session_id, accepted->client_address);
    /* The ack frame goes back to the client (inputs are only borrowed during the call). */
    ConfideClientEvent *event = NULL;
    require_ok(confide_client_session_open(client, accepted->ack_json, &event),
               "confide_client_session_open");
    confide_init_accepted_free(accepted);
    printf("  client: ack, host recovered %s\n", event->client_address);
    confide_client_event_free(event);

    const char *prompt = "{\"prompt\":\"Say hello\",\"max_tokens\":8}";
    char *sealed = NULL;
    require_ok(confide_client_session_seal_prompt(client, "msg-1", (const uint8_t *)prompt,
                                                  strlen(prompt), &sealed),
               "confide_client_session_seal_prompt");
    ConfideHostMessage *message = NULL;
    require_ok(confide_host_session_open_message(host, sealed, NOW + 1, &message),
               "confide_host_session_open_message");
    confide_string_free(sealed);
    printf("  host: request %s: %s\n", message->request_id, message->prompt_json);

    const char *pieces[] = {"Hello", ", world"};
    for (uint64_t i = 0; i < 2; i++) {
        char *chunk = NULL;
        require_ok(confide_host_session_seal_chunk(host, message->session_id, message->request_id,
                                                   i, (const uint8_t *)pieces[i],
                                                   strlen(pieces[i]), 1, i == 1, NOW + 2, &chunk),
                   "confide_host_session_seal_chunk");
        client_receives(client, chunk);
    }
    char *final_frame = NULL;
    require_ok(confide_host_session_seal_final(host, message->session_id, message->request_id,
                                               "stop", NOW + 2, &final_frame),
               "confide_host_session_seal_final");
    client_receives(client, final_frame);
    confide_host_message_free(message);

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
    ConfideHostSession *host = NULL;
    require_ok(confide_host_session_new(host_key, NULL, &host), "confide_host_session_new");
    ConfideClientSession *client = NULL;
    require_ok(confide_client_session_new(host_public.data, host_public.len, wallet,
                                          CONFIDE_SESSION_SCHEME_EIP191, &client),
               "confide_client_session_new");
    exchange(client, host);
    confide_client_session_free(client);
    confide_host_session_free(host);

    printf("exchange 2: sign callback, sdk-transcript\n");
    require_ok(confide_host_session_new(host_key, NULL, &host), "confide_host_session_new");
    require_ok(confide_client_session_new_with_signer(host_public.data, host_public.len,
                                                      wallet_sign, wallet,
                                                      CONFIDE_SESSION_SCHEME_SDK_TRANSCRIPT,
                                                      &client),
               "confide_client_session_new_with_signer");
    exchange(client, host);
    confide_client_session_free(client);
    confide_host_session_free(host);

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
