/*
 * Warp through the Confide C API: BLS keys, signatures and aggregation against the derived
 * vectors, Warp messages parsed and re-serialised byte for byte (the two real signed Avalanche
 * messages included), verification against a validator set, and every error the calls can give
 * for a rejected input. Ends with "N passed, N failed"; run.sh runs it under valgrind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "confide.h"
#include "warp_vectors.h"

#define POP CONFIDE_BLS_CIPHERSUITE_POP
#define AVALANCHE CONFIDE_WARP_CODEC_AVALANCHE

/* Hex → freshly allocated bytes (free with free()); *len gets the length. */
static uint8_t *unhex(const char *hex, size_t *len) {
    size_t n = strlen(hex) / 2;
    uint8_t *bytes = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned value = 0;
        sscanf(hex + 2 * i, "%2x", &value);
        bytes[i] = (uint8_t)value;
    }
    *len = n;
    return bytes;
}

/* Whether `buffer` holds exactly the bytes of `hex`; frees the buffer. */
static int buffer_is(ConfideBuffer *buffer, const char *hex) {
    size_t len = 0;
    uint8_t *expected = unhex(hex, &len);
    int same = buffer->len == len && memcmp(buffer->data, expected, len) == 0;
    free(expected);
    confide_buffer_free(buffer);
    return same;
}

static ConfideWarpSignedMessage *parse_signed(const char *hex) {
    size_t len = 0;
    uint8_t *bytes = unhex(hex, &len);
    ConfideWarpSignedMessage *message = NULL;
    expect_ok(confide_warp_signed_message_parse(AVALANCHE, bytes, len, &message), "parse signed");
    free(bytes);
    return message;
}

/* The validators file of the three derived keys with weights 40, 20 and 40. */
static ConfideWarpValidatorSet *validators(void) {
    const char *json = "[{\"node_id\":\"NodeID-A\",\"bls_public_key\":\"0x" WARP_PK0 "\",\"weight\":40},"
                       "{\"node_id\":\"NodeID-B\",\"bls_public_key\":\"" WARP_PK1 "\",\"weight\":20},"
                       "{\"node_id\":\"NodeID-C\",\"bls_public_key\":\"" WARP_PK2 "\",\"weight\":40}]";
    ConfideWarpValidatorSet *set = NULL;
    expect_ok(confide_warp_validator_set_from_json(json, &set), "validator set");
    return set;
}

static void test_bls(void) {
    size_t len = 0;
    uint8_t *secret = unhex(WARP_SK0, &len);
    ConfideBlsSecretKey *key = NULL;
    expect_ok(confide_bls_secret_key_from_bytes(secret, len, &key), "BLS key from bytes");
    ConfideBlsSecretKey *short_key = NULL;
    EXPECT(confide_bls_secret_key_from_bytes(secret, 31, &short_key), INVALID_KEY, "32 bytes",
           "31-byte BLS secret key");
    check(short_key == NULL, "out_key stays NULL after an error");
    free(secret);
    ConfideBuffer buffer = {0};
    expect_ok(confide_bls_secret_key_public_key(key, &buffer), "public key");
    check(buffer_is(&buffer, WARP_PK0), "public key matches the vector");

    uint8_t *message = unhex(WARP_UNSIGNED, &len);
    expect_ok(confide_bls_secret_key_sign(key, message, len, POP, &buffer), "sign");
    check(buffer_is(&buffer, WARP_SIG0), "POP signature matches the vector");
    EXPECT(confide_bls_secret_key_sign(key, message, len, 9, &buffer), INVALID_ARGUMENT,
           "`suite`", "unknown ciphersuite");
    confide_bls_secret_key_free(key);

    size_t pk_len = 0, sig_len = 0;
    uint8_t *pk = unhex(WARP_PK0, &pk_len);
    uint8_t *sig = unhex(WARP_SIG0, &sig_len);
    bool valid = false;
    expect_ok(confide_bls_verify(pk, pk_len, message, len, sig, sig_len, POP, &valid), "verify");
    check(valid, "signature verifies");
    expect_ok(confide_bls_verify(pk, pk_len, message, len - 1, sig, sig_len, POP, &valid),
              "verify another message");
    check(!valid, "a signature over another message does not verify");
    uint8_t infinity[48] = {0xc0};
    EXPECT(confide_bls_verify(infinity, 48, message, len, sig, sig_len, POP, &valid), INVALID_KEY,
           "infinity", "public key at infinity");
    EXPECT(confide_bls_verify(pk, 47, message, len, sig, sig_len, POP, &valid), INVALID_KEY, "48",
           "47-byte public key");
    EXPECT(confide_bls_verify(pk, pk_len, message, len, sig, 95, POP, &valid), INVALID_SIGNATURE,
           "96", "95-byte signature");
    free(pk);
    free(sig);

    uint8_t signatures[2 * 96], keys[2 * 48];
    size_t n = 0;
    uint8_t *part = unhex(WARP_SIG0, &n);
    memcpy(signatures, part, 96);
    free(part);
    part = unhex(WARP_SIG2, &n);
    memcpy(signatures + 96, part, 96);
    free(part);
    part = unhex(WARP_PK0, &n);
    memcpy(keys, part, 48);
    free(part);
    part = unhex(WARP_PK2, &n);
    memcpy(keys + 48, part, 48);
    free(part);
    expect_ok(confide_bls_aggregate_signatures(signatures, 2, &buffer), "aggregate signatures");
    check(buffer_is(&buffer, WARP_AGG_SIG_0_2), "aggregate of keys 0 and 2 matches the vector");
    EXPECT(confide_bls_aggregate_signatures(signatures, 0, &buffer), INVALID_SIGNATURE, NULL,
           "aggregate of no signature");
    uint8_t *aggregate = unhex(WARP_AGG_SIG_0_2, &n);
    expect_ok(confide_bls_fast_aggregate_verify(keys, 2, message, len, aggregate, n, POP, &valid),
              "fast aggregate verify");
    check(valid, "aggregate verifies against keys 0 and 2");
    expect_ok(confide_bls_fast_aggregate_verify(keys, 1, message, len, aggregate, n, POP, &valid),
              "fast aggregate verify, one key");
    check(!valid, "aggregate does not verify against key 0 alone");
    expect_ok(confide_bls_aggregate_public_keys(keys, 2, &buffer), "aggregate public keys");
    bool aggregate_valid = false;
    expect_ok(confide_bls_verify(buffer.data, buffer.len, message, len, aggregate, n, POP,
                                 &aggregate_valid),
              "verify under the aggregate key");
    check(aggregate_valid, "aggregate signature verifies under the aggregate key");
    confide_buffer_free(&buffer);
    free(aggregate);
    free(message);
}

static void test_messages(void) {
    size_t chain_len = 0, payload_len = 0;
    uint8_t *chain = unhex(WARP_SOURCE_CHAIN, &chain_len);
    uint8_t *payload = unhex(WARP_PAYLOAD, &payload_len);
    ConfideWarpUnsignedMessage *unsigned_message = NULL;
    expect_ok(confide_warp_unsigned_message_new(AVALANCHE, WARP_NETWORK_ID, chain, chain_len,
                                                payload, payload_len, &unsigned_message),
              "build unsigned message");
    ConfideWarpUnsignedMessage *short_chain = NULL;
    EXPECT(confide_warp_unsigned_message_new(AVALANCHE, 1, chain, 31, payload, payload_len,
                                             &short_chain),
           INVALID_ARGUMENT, "`source_chain_id`", "31-byte source chain id");
    free(chain);
    free(payload);
    ConfideBuffer buffer = {0};
    expect_ok(confide_warp_unsigned_message_field(unsigned_message, CONFIDE_WARP_FIELD_BYTES,
                                                  &buffer),
              "unsigned bytes");
    check(buffer_is(&buffer, WARP_UNSIGNED), "unsigned encoding matches the vector");
    expect_ok(confide_warp_unsigned_message_field(unsigned_message, CONFIDE_WARP_FIELD_ID, &buffer),
              "message id");
    check(buffer_is(&buffer, WARP_MESSAGE_ID), "message id matches the vector");
    EXPECT(confide_warp_unsigned_message_field(unsigned_message, 4, &buffer), INVALID_ARGUMENT,
           "`field`", "unknown field");

    size_t n = 0;
    uint8_t *aggregate = unhex(WARP_AGG_SIG_0_2, &n);
    uint8_t signers = 0x05, padded[2] = {0x00, 0x05};
    ConfideWarpSignedMessage *signed_message = NULL;
    EXPECT(confide_warp_signed_message_new(unsigned_message, padded, 2, aggregate, n,
                                           &signed_message),
           INVALID_MESSAGE, "padding", "padded signer bitset");
    expect_ok(confide_warp_signed_message_new(unsigned_message, &signers, 1, aggregate, n,
                                              &signed_message),
              "build signed message");
    free(aggregate);
    expect_ok(confide_warp_signed_message_parts(signed_message, NULL, NULL, &buffer), "encode");
    check(buffer_is(&buffer, WARP_SIGNED_0_2), "signed encoding matches the vector");
    confide_warp_signed_message_free(signed_message);
    confide_warp_unsigned_message_free(unsigned_message);

    const char *real[2][3] = {
        {AVALANCHE_REGISTER, AVALANCHE_REGISTER_PAYLOAD, AVALANCHE_REGISTER_ID},
        {AVALANCHE_SET_WEIGHT, AVALANCHE_SET_WEIGHT_PAYLOAD, AVALANCHE_SET_WEIGHT_ID},
    };
    for (int i = 0; i < 2; i++) {
        ConfideWarpSignedMessage *message = parse_signed(real[i][0]);
        ConfideBuffer signers_buffer = {0}, signature = {0};
        expect_ok(confide_warp_signed_message_parts(message, &signers_buffer, &signature, &buffer),
                  "parts of a real message");
        check(buffer_is(&buffer, real[i][0]), "real Avalanche message re-serialises byte for byte");
        check(buffer_is(&signers_buffer, "01"), "real message: signer bitset 01");
        check(signature.len == 96, "real message: 96-byte signature");
        confide_buffer_free(&signature);
        ConfideWarpUnsignedMessage *inner = NULL;
        expect_ok(confide_warp_signed_message_unsigned(message, &inner), "unsigned part");
        uint32_t network_id = 0;
        expect_ok(confide_warp_unsigned_message_network_id(inner, &network_id), "network id");
        check(network_id == AVALANCHE_NETWORK_ID, "real message: network id 12345");
        expect_ok(confide_warp_unsigned_message_field(inner, CONFIDE_WARP_FIELD_SOURCE_CHAIN_ID,
                                                      &buffer),
                  "source chain");
        check(buffer_is(&buffer, AVALANCHE_SOURCE_CHAIN), "real message: source chain id");
        expect_ok(confide_warp_unsigned_message_field(inner, CONFIDE_WARP_FIELD_PAYLOAD, &buffer),
                  "payload");
        check(buffer_is(&buffer, real[i][1]), "real message: payload");
        expect_ok(confide_warp_unsigned_message_field(inner, CONFIDE_WARP_FIELD_ID, &buffer), "id");
        check(buffer_is(&buffer, real[i][2]), "real message: message id");
        confide_warp_unsigned_message_free(inner);
        confide_warp_signed_message_free(message);
    }

    size_t len = 0;
    uint8_t *bytes = unhex(AVALANCHE_REGISTER, &len);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    ConfideWarpSignedMessage *message = NULL;
    EXPECT(confide_warp_signed_message_parse(AVALANCHE, bytes, len - 1, &message), INVALID_MESSAGE,
           "truncated", "truncated signed message");
    EXPECT(confide_warp_signed_message_parse(AVALANCHE, longer, len + 1, &message), INVALID_MESSAGE,
           "trailing", "signed message with a trailing byte");
    EXPECT(confide_warp_signed_message_parse(7, bytes, len, &message), INVALID_ARGUMENT, "`codec`",
           "unknown codec");
    EXPECT(confide_warp_signed_message_parse(AVALANCHE, NULL, len, &message), INVALID_ARGUMENT,
           "`bytes`", "NULL bytes");
    check(message == NULL, "out_message stays NULL after errors");
    ConfideWarpUnsignedMessage *unsigned_only = NULL;
    EXPECT(confide_warp_unsigned_message_parse(AVALANCHE, bytes, len, &unsigned_only),
           INVALID_MESSAGE, "trailing", "a signed message is not an unsigned one");
    free(longer);
    free(bytes);
}

static void test_verify(void) {
    ConfideWarpValidatorSet *set = validators();
    size_t count = 0;
    uint64_t total = 0;
    expect_ok(confide_warp_validator_set_info(set, &count, &total), "set info");
    check(count == 3 && total == 100, "three canonical validators, total weight 100");
    ConfideWarpSignedMessage *message = parse_signed(WARP_SIGNED_0_2);
    ConfideWarpVerified *verified = NULL;
    expect_ok(confide_warp_verify(message, set, WARP_NETWORK_ID, 67, 100, POP, &verified),
              "verify against the set");
    check(verified != NULL && verified->signed_weight == 80 && verified->total_weight == 100 &&
              verified->signer_count == 2 &&
              strcmp(verified->signers_json, "[\"NodeID-A\",\"NodeID-C\"]") == 0,
          "signed by A and C: 80 of 100");
    confide_warp_verified_free(verified);
    verified = NULL;
    EXPECT(confide_warp_verify(message, set, 2, 67, 100, POP, &verified), WRONG_NETWORK,
           "network 1", "wrong network");
    EXPECT(confide_warp_verify(message, set, WARP_NETWORK_ID, 81, 100, POP, &verified),
           INSUFFICIENT_WEIGHT, "80 of total 100", "below an 81/100 quorum");
    EXPECT(confide_warp_verify(message, set, WARP_NETWORK_ID, 3, 2, POP, &verified),
           INVALID_ARGUMENT, "3/2", "quorum above one");
    EXPECT(confide_warp_verify(message, set, WARP_NETWORK_ID, 67, 100,
                               CONFIDE_BLS_CIPHERSUITE_LUX_BASIC, &verified),
           INVALID_SIGNATURE, NULL, "verified under the other ciphersuite");
    EXPECT(confide_warp_verify(message, NULL, WARP_NETWORK_ID, 67, 100, POP, &verified),
           INVALID_ARGUMENT, "`set`", "NULL set");
    check(verified == NULL, "out_verified stays NULL after errors");
    confide_warp_signed_message_free(message);
    confide_warp_validator_set_free(set);

    ConfideWarpValidatorSet *bad = NULL;
    EXPECT(confide_warp_validator_set_from_json(
               "[{\"node_id\":\"X\",\"bls_public_key\":\"c0" "0000000000000000000000000000"
               "000000000000000000000000000000000000000000000000000000000000000000\",\"weight\":1}]",
               &bad),
           INVALID_VALIDATOR_SET, "validators[0] (X)", "key at infinity");
    EXPECT(confide_warp_validator_set_from_json("[{\"node_id\":\"X\",\"weight\":0}]", &bad),
           INVALID_VALIDATOR_SET, "zero", "total weight zero");
    EXPECT(confide_warp_validator_set_from_json("{}", &bad), INVALID_VALIDATOR_SET, NULL,
           "not an array");
    check(bad == NULL, "out_set stays NULL after errors");
}

int main(void) {
    test_bls();
    test_messages();
    test_verify();
    return report();
}
