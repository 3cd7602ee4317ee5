/*
 * The deployed TypeScript SDK's session vectors, copied from
 * shared/vectors/fabstir/sdk_session_vectors.json ("session_init.payload" and "message_0.payload",
 * each wrapped in a frame with session_id "sdk-vector"). Produced by the SDK's own code with fixed
 * keys: host key 0x11…11, client (wallet) key 0x22…22, ephemeral key 0x33…33, session key 0x55…55.
 * A compatible host must recover the client address below (the deployed node recovers a wrong one).
 */
#ifndef CONFIDE_EXAMPLE_SDK_VECTOR_H
#define CONFIDE_EXAMPLE_SDK_VECTOR_H

#define SDK_HOST_KEY_HEX "0x1111111111111111111111111111111111111111111111111111111111111111"
#define SDK_CLIENT_KEY_HEX "0x2222222222222222222222222222222222222222222222222222222222222222"
#define SDK_CLIENT_ADDRESS "0x1563915e194D8CfBA1943570603F7606A3115508"

/* The client's encrypted_session_init (sdk-transcript signature scheme: the payload has "alg"). */
static const char SDK_INIT_FRAME[] =
    "{\"type\":\"encrypted_session_init\",\"session_id\":\"sdk-vector\",\"job_id\":42,\"chain_id"
    "\":84532,\"payload\":{\"ephPubHex\":\"023c72addb4fdf09af94f0c94d7fe92a386a7e70cf8a1d85"
    "916386bb2535c7b1b1\",\"saltHex\":\"0000000000000000000000000000000000000000000000000"
    "000000000000000\",\"nonceHex\":\"444444444444444444444444444444444444444444444444\",\""
    "ciphertextHex\":\"0030f4e8e38c9186ddeb42ea84fc7cdca6de5425c77b06b8eedddf4d3977357a"
    "9b119ec7d7b43041b3a93729a8cfa721322a884c821e255aa925af4908fa62d2ee1eb8a90b820eec"
    "3d0c18c187eb6929bb3f56e6574105064ac9bc0c276994cb37a0cc1d3abbdbf5a57cc771ec4d1a95"
    "1d1e05911ac1f131a4f92b1e41bba636cf738ccff29fe4fb13294b1b33b501f66ee7986cf64e7708"
    "5f1cbd6151c34cf9fd38d6ff936751682d6ef46bef46106c2394f6535f6fd89107e5466bf6d348fe"
    "be6368f0d86f15d2154889847a9df18a5a98ad0668381308d827764123a2d4c41071a1aba46c2a04"
    "27f2ba22ae709a60f6801e5b27da115a\",\"signatureHex\":\"8dd30d8d30f1bbfa04dd6f46b35254"
    "96f26619b2ed62469c346b64d4a99844c808f3c315b883eb86e6b6dea52e73391f3da2cbdd38a04f"
    "0ba4f4760ed7ce705701\",\"recid\":1,\"alg\":\"secp256k1-ecdh(ephemeral→static)+hkdf(sha"
    "256)+xchacha20-poly1305\",\"info\":\"\",\"aadHex\":\"\"}}";

/* The client's first prompt (AAD "message_0"), encrypted under the session key of the init. */
static const char SDK_MESSAGE_0_FRAME[] =
    "{\"type\":\"encrypted_message\",\"session_id\":\"sdk-vector\",\"id\":\"m0\",\"payload\":{\"ciph"
    "ertextHex\":\"cc0489df19392584e7d752a72f3b3156128cdb27a4c1075f944fd3974d129a64be4d"
    "2d09a4d1c2153b177e471a948eb3d77319224ee9eeb6b051596dcb410bb85f6301c94dac84f5a408"
    "8b8e8d89b575fad23416da2cec644b0cf47f422e4540146bf09c0d93bfd3\",\"nonceHex\":\"666666"
    "666666666666666666666666666666666666666666\",\"aadHex\":\"6d6573736167655f30\"}}";

#endif /* CONFIDE_EXAMPLE_SDK_VECTOR_H */
