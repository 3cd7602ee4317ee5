"""The client side of a Confide E2EE session (EIP-191 scheme) on the Python stack a user would
otherwise pick: coincurve (libsecp256k1) for ECDH and signatures, pycryptodome for
XChaCha20-Poly1305, HKDF and keccak256. The comparison point of client_session.py; it does the
same checks as the library's client on the frames it handles (AADs, chunk order from 0, nonce
freshness across the session, our address in the ack)."""

import hashlib
import json
import os

import coincurve
from Crypto.Cipher import ChaCha20_Poly1305
from Crypto.Hash import SHA256, keccak
from Crypto.Protocol.KDF import HKDF


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def eip55(public: coincurve.PublicKey) -> str:
    raw = keccak256(public.format(compressed=False)[1:])[12:].hex()
    checksum = keccak256(raw.encode()).hex()
    return "0x" + "".join(c.upper() if int(checksum[i], 16) >= 8 else c for i, c in enumerate(raw))


def seal(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)  # a 24-byte nonce selects XChaCha20
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return ciphertext + tag


def open_sealed(key: bytes, nonce: bytes, aad: bytes, sealed: bytes) -> bytes:
    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)
    cipher.update(aad)
    return cipher.decrypt_and_verify(sealed[:-16], sealed[-16:])


def payload(ciphertext: bytes, nonce: bytes, aad: bytes) -> dict:
    return {"ciphertextHex": ciphertext.hex(), "nonceHex": nonce.hex(), "aadHex": aad.hex()}


class PyStackClientSession:
    """One session: `init_message`, `open` (ack and chunks), `seal_prompt`."""

    def __init__(self, host_public_key: str, wallet_private_key: bytes):
        self.host = coincurve.PublicKey(bytes.fromhex(host_public_key))
        self.wallet = coincurve.PrivateKey(wallet_private_key)
        self.address = eip55(self.wallet.public_key)

    def init_message(self, session_id: str, job_id: int, chain_id: int, model: str, price: int, now: int) -> str:
        ephemeral = coincurve.PrivateKey()
        shared_x = self.host.multiply(ephemeral.secret).format(compressed=True)[1:]
        init_key = HKDF(shared_x, 32, b"\x00" * 32, SHA256, context=b"")
        self.key, self.session_id = os.urandom(32), session_id
        self.next_message, self.responses, self.nonces = 0, {}, set()
        data = json.dumps({"sessionKey": self.key.hex(), "jobId": str(job_id), "modelName": model,
                           "pricePerToken": price, "timestamp": now, "chainId": chain_id}, separators=(",", ":"))
        nonce, aad = os.urandom(24), b"session_init"
        ciphertext = seal(init_key, nonce, aad, data.encode())
        digest = keccak256(b"\x19Ethereum Signed Message:\n32" + hashlib.sha256(ciphertext).digest())
        signature = self.wallet.sign_recoverable(digest, hasher=None)
        signature = signature[:64] + bytes([signature[64] + 27])
        body = payload(ciphertext, nonce, aad)
        body = {"ephPubHex": ephemeral.public_key.format().hex(), "ciphertextHex": body["ciphertextHex"],
                "signatureHex": signature.hex(), "nonceHex": body["nonceHex"], "aadHex": body["aadHex"]}
        return json.dumps({"type": "encrypted_session_init", "session_id": session_id, "job_id": job_id,
                           "chain_id": chain_id, "payload": body}, separators=(",", ":"))

    def seal_prompt(self, request_id: str, prompt: str) -> str:
        nonce, aad = os.urandom(24), f"message_{self.next_message}".encode()
        if nonce in self.nonces:
            raise ValueError("NONCE_REUSE")
        ciphertext = seal(self.key, nonce, aad, json.dumps({"prompt": prompt}).encode())
        self.nonces.add(nonce)
        self.next_message += 1
        self.responses[request_id] = 0
        return json.dumps({"type": "encrypted_message", "session_id": self.session_id, "id": request_id,
                           "payload": payload(ciphertext, nonce, aad)}, separators=(",", ":"))

    def open(self, frame: str) -> dict:
        message = json.loads(frame)
        if message.get("session_id") != self.session_id:
            raise ValueError("INVALID_MESSAGE: another session")
        if message["type"] == "session_init_ack":
            if message.get("client_address") != self.address:
                raise ValueError("INVALID_SIGNER: the host recovered another address")
            return {"type": "ack", "clientAddress": message["client_address"]}
        if message["type"] != "encrypted_chunk":
            raise ValueError("INVALID_MESSAGE: not handled by this benchmark client")
        request_id, body = message.get("id"), message["payload"]
        expected = self.responses[request_id]
        if body["index"] != expected:
            raise ValueError("REPLAY_DETECTED: chunk out of order")
        aad, nonce = bytes.fromhex(body["aadHex"]), bytes.fromhex(body["nonceHex"])
        if aad != f"chunk_{expected}".encode():
            raise ValueError("INVALID_AAD")
        if len(nonce) != 24:
            raise ValueError("INVALID_NONCE_SIZE")
        if nonce in self.nonces:
            raise ValueError("NONCE_REUSE")
        text = open_sealed(self.key, nonce, aad, bytes.fromhex(body["ciphertextHex"])).decode()
        self.nonces.add(nonce)
        self.responses[request_id] = expected + 1
        return {"type": "chunk", "id": request_id, "index": expected, "text": text,
                "final": bool(message.get("final"))}
