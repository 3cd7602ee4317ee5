//! `confide-node serve`: load the host key and the model(s) (or set up the OpenAI-compatible
//! upstream), print the startup line, serve until SIGINT/SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::{info, warn};

use crate::backend::Backend;
use crate::cli::{BackendKind, ModelAlias, ModelArg, ServeArgs};
use crate::config::ServerConfig;
use crate::host_key::{HOST_KEY_ENV, HostKey};
use crate::inference::{EngineConfig, LlamaEngine, demo_model};
use crate::server::{AppState, ServedModel, Server};
use crate::upstream::{OpenAiUpstream, UpstreamConfig};

/// Everything `serve` loaded, ready to bind.
pub struct Prepared {
    /// Shared state for the server.
    pub state: Arc<AppState>,
    /// The line printed at startup.
    pub startup_line: String,
}

/// Resolves the key, loads the model(s) (the demo model when none is given) or sets up the
/// upstream, and builds the state.
/// `env_key` is the value of `HOST_PRIVATE_KEY`, which `main` takes out of the environment before
/// any thread starts (so no process the host starts inherits it).
/// `bls_env` is the value of `BLS_PRIVATE_KEY`, taken out of the environment the same way.
pub async fn prepare(
    args: &ServeArgs,
    env_key: Option<&str>,
    bls_env: Option<&str>,
) -> Result<Prepared, String> {
    let host_key =
        HostKey::resolve(env_key, args.dev, &mut rand::rng()).map_err(|err| err.to_string())?;
    let (mut models, model_part) = match args.backend {
        BackendKind::Llama => llama_models(args).await?,
        BackendKind::OpenAi => upstream_model(args)?,
    };
    attach_aliases(&mut models, &args.model_aliases)?;
    let key_part = match &host_key {
        HostKey::Configured(key) => format!(
            "host key {} address {}",
            key.public_key().to_hex(),
            key.address()
        ),
        HostKey::Ephemeral(key) => format!(
            "EPHEMERAL --dev host key 0x{} address {}",
            key.public_key().to_hex(),
            key.address()
        ),
        HostKey::None => format!("NO host key ({HOST_KEY_ENV} unset): plaintext sessions only"),
    };
    let bls_key = crate::warp::key::resolve(bls_env, args.dev, &mut rand::rng())?;
    let warp_part = match &bls_key {
        Some(key) => format!("warp BLS key {}", key.public_key().to_hex()),
        None => "no warp BLS key (BLS_PRIVATE_KEY unset): not signing".to_owned(),
    };
    let warp = crate::warp::WarpNode::new(args.warp.clone(), bls_key);
    let startup_line = format!(
        "confide-node {} listening on {} | {key_part} | {warp_part} | {model_part}",
        env!("CARGO_PKG_VERSION"),
        args.listen,
    );
    if matches!(host_key, HostKey::None) {
        warn!("no host key: encrypted sessions are refused; set {HOST_KEY_ENV} or use --dev");
    }
    let secret = match host_key {
        HostKey::Configured(key) | HostKey::Ephemeral(key) => Some(key),
        HostKey::None => None,
    };
    let mut state = AppState::new(ServerConfig::from(args), secret, models)
        .map_err(|err| err.message().to_owned())?;
    state.warp = Some(Arc::new(warp));
    Ok(Prepared {
        state: Arc::new(state),
        startup_line,
    })
}

/// The `--model` files (the demo model when none is given), and the startup line's part about them.
async fn llama_models(args: &ServeArgs) -> Result<(Vec<ServedModel>, String), String> {
    let (files, demo) = if args.models.is_empty() {
        let cache = args.cache_dir.clone().unwrap_or_else(default_cache_dir);
        let path = demo_model::ensure_demo_model(&cache)
            .map_err(|err| format!("cannot write the demo model to {}: {err}", cache.display()))?;
        (vec![ModelArg { path, id: None }], true)
    } else {
        (args.models.clone(), false)
    };
    let mut models = Vec::with_capacity(files.len());
    for file in files {
        let model = load_model(&file.path, args).await?;
        models.push(match file.id {
            Some(id) => model.with_id(id),
            None => model,
        });
    }
    let model_list: Vec<&str> = models.iter().map(|m| m.info.id.as_str()).collect();
    let demo_part = if demo {
        " (built-in demo model: random weights, its output is meaningless text)"
    } else {
        ""
    };
    let line = format!("model {}{demo_part}", model_list.join(", "));
    Ok((models, line))
}

/// The `--upstream` server's model, and the startup line's part about it.
fn upstream_model(args: &ServeArgs) -> Result<(Vec<ServedModel>, String), String> {
    let base_url = args
        .upstream
        .clone()
        .ok_or("--backend openai needs --upstream URL")?;
    let upstream = OpenAiUpstream::new(UpstreamConfig {
        context_length: args.ctx_size,
        max_tokens: args.max_tokens,
        response_timeout: args.upstream_timeout,
        stream_timeout: args.upstream_stream_timeout,
        idle_timeout: args.upstream_idle_timeout,
        max_stream_bytes: args.upstream_max_stream_bytes,
        ..UpstreamConfig::new(base_url.clone(), args.upstream_model.clone())
    })
    .map_err(|err| err.to_string())?;
    info!(
        upstream = %base_url,
        model = %args.upstream_model,
        "generating with an OpenAI-compatible upstream"
    );
    let line = format!(
        "backend openai upstream {base_url} model {}",
        args.upstream_model
    );
    let model = ServedModel::new(Backend::OpenAi(Arc::new(upstream)));
    Ok((vec![model], line))
}

/// Gives each `--model-alias` to the model it names; naming no served model is a startup error.
fn attach_aliases(models: &mut [ServedModel], aliases: &[ModelAlias]) -> Result<(), String> {
    for ModelAlias { alias, id } in aliases {
        let model = models
            .iter_mut()
            .find(|m| m.info.id == *id)
            .ok_or_else(|| {
                format!("--model-alias {alias}={id}: no served model has the id {id}")
            })?;
        model.aliases.push(alias.clone());
    }
    Ok(())
}

async fn load_model(path: &Path, args: &ServeArgs) -> Result<ServedModel, String> {
    let config = EngineConfig {
        model_path: path.to_owned(),
        ctx_size: args.ctx_size,
        parallel: args.parallel,
        max_tokens: args.max_tokens,
    };
    let engine = tokio::task::spawn_blocking(move || LlamaEngine::load(config))
        .await
        .map_err(|err| format!("model loader crashed: {err}"))?
        .map_err(|err| format!("cannot load {}: {err}", path.display()))?;
    let model = ServedModel::new(Backend::Llama(Arc::new(engine)));
    info!(model = %model.info.id, context = model.info.context_length, "model loaded");
    Ok(model)
}

/// `$XDG_CACHE_HOME/confide`, else `$HOME/.cache/confide`, else a temp directory.
fn default_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("confide")
}

/// Binds, prints the startup line and serves until SIGINT or SIGTERM.
pub async fn run(
    args: &ServeArgs,
    env_key: Option<&str>,
    bls_env: Option<&str>,
) -> Result<(), String> {
    let prepared = prepare(args, env_key, bls_env).await?;
    let server = Server::bind(args.listen, Arc::clone(&prepared.state))
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.listen))?;
    let bound = server.local_addr().map_err(|err| err.to_string())?;
    // Only the first occurrence: the upstream URL, later in the line, stays as given.
    println!(
        "{}",
        prepared
            .startup_line
            .replacen(&args.listen.to_string(), &bound.to_string(), 1)
    );
    server
        .run(shutdown_signal())
        .await
        .map_err(|err| format!("server failed: {err}"))
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM handler installs");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
