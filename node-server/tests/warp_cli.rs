//! `confide-node keygen --bls` and `warp verify|aggregate` as operators use them: outputs, `@FILE`
//! arguments, exit codes (0 valid, 1 invalid or no quorum, 64 usage or I/O error).

use std::process::Command;

use confide_core::warp::bls::{BlsSecretKey, Ciphersuite, PublicKey, Signature};
use confide_core::warp::{Codec, SignedMessage, SignerBitset, UnsignedMessage};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_confide-node");

fn node() -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("HOST_PRIVATE_KEY")
        .env_remove("BLS_PRIVATE_KEY");
    command
}

fn temp(name: &str, contents: &str) -> String {
    let dir = std::env::temp_dir().join(format!("confide-warp-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn keygen_bls_prints_a_key_its_public_key_and_proof() {
    let output = node().args(["keygen", "--bls"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };
    let key = BlsSecretKey::from_hex(&field("bls_private_key")).unwrap();
    assert_eq!(
        key.public_key(),
        &PublicKey::from_hex(&field("bls_public_key")).unwrap()
    );
    let pop = Signature::from_hex(&field("bls_proof_of_possession")).unwrap();
    assert!(key.public_key().verify_proof_of_possession(&pop));
}

#[test]
fn verify_prints_the_result_and_exits_by_validity() {
    let keys: Vec<BlsSecretKey> = (1..=3u8)
        .map(|i| BlsSecretKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let entries: Vec<Value> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| json!({"node_id": format!("NodeID-{i}"), "bls_public_key": k.public_key().to_hex(), "weight": 1}))
        .collect();
    let validators = temp("validators.json", &Value::Array(entries).to_string());
    let set =
        confide_core::warp::ValidatorSet::from_json(&std::fs::read_to_string(&validators).unwrap())
            .unwrap();
    let message = UnsignedMessage::new(Codec::Avalanche, 9, [1; 32], b"hi".to_vec()).unwrap();
    let signers: Vec<usize> = (0..3).filter(|&i| i != 1).collect();
    let sigs: Vec<Signature> = signers
        .iter()
        .map(|&i| {
            let key = keys
                .iter()
                .find(|k| set.index_of(k.public_key()) == Some(i))
                .unwrap();
            key.sign(message.bytes(), Ciphersuite::Pop)
        })
        .collect();
    let signed = SignedMessage::new(
        message,
        SignerBitset::from_indices(signers),
        Signature::aggregate(&sigs).unwrap(),
    )
    .unwrap();
    let file = temp("signed.hex", &confide_core::hex::encode(&signed.to_bytes()));
    let verify = |quorum: &str, network: &str| {
        node()
            .args([
                "warp",
                "verify",
                "--signed-message",
                &format!("@{file}"),
                "--validators",
                &validators,
            ])
            .args(["--quorum", quorum, "--network-id", network])
            .output()
            .unwrap()
    };
    let output = verify("2/3", "9");
    assert_eq!(output.status.code(), Some(0));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["valid"], true);
    assert_eq!(
        (
            result["signed_weight"].as_u64(),
            result["total_weight"].as_u64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(result["signers"].as_array().unwrap().len(), 2);

    let output = verify("67/100", "9");
    assert_eq!(output.status.code(), Some(1));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["valid"], false);
    assert!(
        result["reason"]
            .as_str()
            .unwrap()
            .contains("INSUFFICIENT_WEIGHT"),
        "{result}"
    );
    assert_eq!(verify("2/3", "10").status.code(), Some(1));

    for bad_quorum in ["1/0", "67", "3/2"] {
        assert_eq!(
            verify(bad_quorum, "9").status.code(),
            Some(64),
            "{bad_quorum}"
        );
    }
}

#[test]
fn aggregate_without_reachable_validators_exits_1_and_usage_errors_64() {
    let key = BlsSecretKey::from_bytes(&[5; 32]).unwrap();
    let validators = temp(
        "down.json",
        &json!([{"node_id": "NodeID-down", "url": "http://127.0.0.1:9", "bls_public_key": key.public_key().to_hex(), "weight": 1}]).to_string(),
    );
    let message = UnsignedMessage::new(Codec::Avalanche, 1, [0; 32], vec![]).unwrap();
    let hex = confide_core::hex::encode(message.bytes());
    let output = node()
        .args([
            "warp",
            "aggregate",
            "--message",
            &hex,
            "--validators",
            &validators,
            "--timeout",
            "2s",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("not enough signatures: reached 0 of the 1 required (total 1)"),
        "{stderr}"
    );

    let bad_key = temp(
        "bad.json",
        r#"[{"node_id":"NodeID-x","bls_public_key":"0x00","weight":1}]"#,
    );
    let output = node()
        .args([
            "warp",
            "aggregate",
            "--message",
            &hex,
            "--validators",
            &bad_key,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("NodeID-x")
    );
    let output = node()
        .args([
            "warp",
            "aggregate",
            "--message",
            "zz",
            "--validators",
            &validators,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
}
