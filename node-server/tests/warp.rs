//! Warp end to end on loopback: ten in-process nodes with BLS keys serve `POST /v1/warp/signature`;
//! the tokio driver aggregates to 67%, then again with one node answering garbage and one down.
//! Also `/v1/info`'s BLS fields and the HTTP error mapping.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use confide_core::warp::bls::{BlsSecretKey, Ciphersuite, PublicKey, Signature};
use confide_core::warp::{
    AggregatorConfig, Codec, Outcome, Quorum, SignatureRequest, UnsignedMessage, ValidatorSet,
    verify_signed_message,
};
use confide_node_server::backend::Backend;
use confide_node_server::config::ServerConfig;
use confide_node_server::server::{AppState, ServedModel, Server};
use confide_node_server::warp::WarpNode;
use confide_node_server::warp::args::WarpServeArgs;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const NETWORK: u32 = 7;
const CHAIN: [u8; 32] = [0x42; 32];

fn args() -> WarpServeArgs {
    WarpServeArgs {
        network_id: NETWORK,
        source_chain_id: CHAIN,
        codec: Codec::Avalanche,
        ciphersuite: Ciphersuite::Pop,
        rate_limit: 100,
    }
}

fn bls_key(i: usize) -> BlsSecretKey {
    let mut bytes = [0x21u8; 32];
    bytes[31] = i as u8;
    BlsSecretKey::from_bytes(&bytes).unwrap()
}

/// A node serving in this process until the test ends.
async fn node(key: Option<BlsSecretKey>) -> SocketAddr {
    let model = ServedModel::new(Backend::Llama(support::demo_engine()));
    let mut state = AppState::new(ServerConfig::default(), None, vec![model]).unwrap();
    state.warp = Some(Arc::new(WarpNode::new(args(), key)));
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), Arc::new(state))
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run(std::future::pending()));
    addr
}

/// A node that answers every request with 200 and 96 bytes that are no signature.
async fn garbage_node() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                let _ = stream.read(&mut buffer).await;
                let mut response = b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 96\r\nconnection: close\r\n\r\n".to_vec();
                response.extend([0xab; 96]);
                let _ = stream.write_all(&response).await;
            });
        }
    });
    addr
}

/// An address where nothing listens.
async fn down_node() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn validators(entries: &[(String, SocketAddr, PublicKey)]) -> Arc<ValidatorSet> {
    let json: Vec<Value> = entries
        .iter()
        .map(|(id, addr, key)| {
            json!({"node_id": id, "url": format!("http://{addr}"), "bls_public_key": key.to_hex(), "weight": 10})
        })
        .collect();
    Arc::new(ValidatorSet::from_json(&Value::Array(json).to_string()).unwrap())
}

fn message() -> UnsignedMessage {
    UnsignedMessage::new(Codec::Avalanche, NETWORK, CHAIN, b"teleport".to_vec()).unwrap()
}

async fn run_aggregation(set: Arc<ValidatorSet>) -> Outcome {
    let config = AggregatorConfig {
        quorum: Quorum::DEFAULT,
        ..AggregatorConfig::default()
    };
    confide_node_server::warp::driver::aggregate(
        message(),
        vec![],
        set,
        config,
        Duration::from_secs(5),
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_nodes_reach_the_quorum_even_with_a_garbage_and_a_down_node() {
    let mut entries = Vec::new();
    for i in 0..10 {
        let addr = node(Some(bls_key(i))).await;
        entries.push((format!("NodeID-{i}"), addr, *bls_key(i).public_key()));
    }
    let set = validators(&entries);
    let started = Instant::now();
    let outcome = run_aggregation(Arc::clone(&set)).await;
    eprintln!("10-node loopback aggregation: {:?}", started.elapsed());
    let Outcome::Signed(aggregate) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(aggregate.signed_weight >= 67, "{}", aggregate.signed_weight);
    assert!(aggregate.excluded.is_empty());
    verify_signed_message(
        &aggregate.message,
        NETWORK,
        &set,
        Quorum::DEFAULT,
        Ciphersuite::Pop,
    )
    .unwrap();

    // Node 0 answers garbage, node 1 is down: 80 of 100 remain, 67 needed.
    entries[0].1 = garbage_node().await;
    entries[1].1 = down_node().await;
    let set = validators(&entries);
    let Outcome::Signed(aggregate) = run_aggregation(Arc::clone(&set)).await else {
        panic!()
    };
    verify_signed_message(
        &aggregate.message,
        NETWORK,
        &set,
        Quorum::DEFAULT,
        Ciphersuite::Pop,
    )
    .unwrap();
    // Both were asked (they are as heavy as the rest) unless the quorum came first: whoever was
    // excluded is one of them.
    for excluded in &aggregate.excluded {
        assert!(
            ["NodeID-0", "NodeID-1"].contains(&excluded.node_ids[0].as_str()),
            "{excluded:?}"
        );
    }

    // Four of ten unusable: 60 < 67.
    for entry in &mut entries[2..4] {
        entry.1 = down_node().await;
    }
    let outcome = run_aggregation(validators(&entries)).await;
    let Outcome::NotEnoughSignatures {
        reached,
        required,
        total,
        excluded,
    } = outcome
    else {
        panic!()
    };
    // It stops as soon as 67 is out of reach, so some good answers may not have arrived yet.
    assert!(reached <= 60, "{reached}");
    assert_eq!((required, total), (67, 100));
    assert_eq!(excluded.len(), 4);
}

async fn post(addr: SocketAddr, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = std::str::from_utf8(&response[9..12])
        .unwrap()
        .parse()
        .unwrap();
    (status, response[split + 4..].to_vec())
}

async fn get_json(addr: SocketAddr, path: &str) -> Value {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    serde_json::from_slice(&response[split + 4..]).unwrap()
}

fn request(message: &UnsignedMessage) -> Vec<u8> {
    SignatureRequest {
        message: message.bytes().to_vec(),
        justification: vec![],
    }
    .to_bytes()
    .unwrap()
}

#[tokio::test]
async fn signature_route_info_fields_and_error_mapping() {
    let key = bls_key(1);
    let addr = node(Some(key.clone())).await;
    let info = get_json(addr, "/v1/info").await;
    assert_eq!(info["blsPublicKey"], key.public_key().to_hex());
    let pop = Signature::from_hex(info["blsProofOfPossession"].as_str().unwrap()).unwrap();
    assert!(key.public_key().verify_proof_of_possession(&pop));
    assert_eq!(info["networkId"], NETWORK);
    assert_eq!(
        info["sourceChainId"],
        confide_core::hex::encode_prefixed(&CHAIN)
    );

    let (status, body) = post(addr, "/v1/warp/signature", &request(&message())).await;
    assert_eq!(status, 200);
    assert!(Signature::from_bytes(&body).unwrap().verify(
        message().bytes(),
        key.public_key(),
        Ciphersuite::Pop
    ));

    let code = |body: &[u8]| serde_json::from_slice::<Value>(body).unwrap()["code"].clone();
    let (status, body) = post(addr, "/v1/warp/signature", b"\x00\x00\x00\x05abc").await;
    assert_eq!((status, code(&body)), (400, json!(1)));
    let mut trailing = request(&message());
    trailing.push(0);
    assert_eq!(post(addr, "/v1/warp/signature", &trailing).await.0, 400);
    let elsewhere = UnsignedMessage::new(Codec::Avalanche, NETWORK + 1, CHAIN, vec![]).unwrap();
    let (status, body) = post(addr, "/v1/warp/signature", &request(&elsewhere)).await;
    assert_eq!((status, code(&body)), (422, json!(2)));

    // Without a key the node does not sign.
    let keyless = node(None).await;
    let (status, body) = post(keyless, "/v1/warp/signature", &request(&message())).await;
    assert_eq!((status, code(&body)), (503, json!(3)));
    assert!(get_json(keyless, "/v1/info").await["blsPublicKey"].is_null());
}
