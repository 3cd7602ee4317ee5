//! `confide-node`: the Confide host and its operator tools.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};
use confide_node_server::cli::{Cli, Command, LogFormat};
use confide_node_server::config::config_file_args;
use confide_node_server::host_key::HOST_KEY_ENV;
use confide_node_server::{chat, feed_cli, serve, signing};
use tracing_subscriber::EnvFilter;
use zeroize::Zeroizing;

fn main() -> ExitCode {
    let cli = match parse_cli() {
        Ok(cli) => cli,
        Err(error) => feed_cli::exit_on_parse_error(error),
    };
    let log_format = match &cli.command {
        Command::Serve(args) => args.log_format,
        _ => LogFormat::Text,
    };
    init_logging(log_format);
    let host_key = take_host_key_from_environment();
    let bls_key = take_from_environment(confide_node_server::warp::key::BLS_KEY_ENV);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime starts");
    let outcome = match cli.command {
        Command::Serve(args) => runtime
            .block_on(serve::run(
                &args,
                host_key.as_deref().map(String::as_str),
                bls_key.as_deref().map(String::as_str),
            ))
            .map(|()| true),
        Command::Keygen(args) if args.ed25519 => {
            feed_cli::keygen::run(args.out_dir.as_deref()).map(|()| true)
        }
        Command::Keygen(args) if args.bls => {
            print!("{}", confide_node_server::warp::cli::keygen_bls());
            Ok(true)
        }
        Command::Keygen(_) => {
            print!("{}", signing::keygen());
            Ok(true)
        }
        Command::Warp(command) => {
            return ExitCode::from(runtime.block_on(confide_node_server::warp::cli::run(command)));
        }
        Command::Chat(args) => runtime.block_on(chat::run(args)).map(|()| true),
        Command::Sign(args) => signing::sign(&args, &mut std::io::stdin().lock()).map(|envelope| {
            println!("{envelope}");
            true
        }),
        Command::Feed(args) => return feed_cli::run(&args, &runtime),
        Command::Verify(args) => {
            signing::verify(&args, &mut std::io::stdin().lock()).map(|(result, valid)| {
                println!("{result}");
                valid
            })
        }
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Reads `HOST_PRIVATE_KEY` and removes it from the environment, so no process the host starts
/// inherits it and no later code reads it (the kernel's copy of the initial environment in
/// `/proc/PID/environ` is beyond a process's reach).
fn take_host_key_from_environment() -> Option<Zeroizing<String>> {
    let value = std::env::var(HOST_KEY_ENV).ok().map(Zeroizing::new);
    if value.is_some() {
        // SAFETY: called from `main` before the tokio runtime (or any other thread) starts, so no
        // other thread can be reading the environment concurrently.
        unsafe { std::env::remove_var(HOST_KEY_ENV) };
    }
    value
}

/// Reads an environment variable holding a secret and removes it from the environment (as
/// `HOST_PRIVATE_KEY` above).
fn take_from_environment(name: &str) -> Option<Zeroizing<String>> {
    let value = std::env::var(name).ok().map(Zeroizing::new);
    if value.is_some() {
        // SAFETY: called from `main` before the tokio runtime (or any other thread) starts.
        unsafe { std::env::remove_var(name) };
    }
    value
}

/// Parses the command line; `serve --config FILE` puts the file's options before the command
/// line's, so flags given on the command line win.
fn parse_cli() -> Result<Cli, clap::Error> {
    let args: Vec<String> = std::env::args().collect();
    let cli = Cli::try_parse_from(&args)?;
    let Command::Serve(serve) = &cli.command else {
        return Ok(cli);
    };
    let Some(path) = &serve.config else {
        return Ok(cli);
    };
    let from_file = config_file_args(path)
        .map_err(|message| Cli::command().error(clap::error::ErrorKind::InvalidValue, message))?;
    let position = args.iter().position(|a| a == "serve").unwrap_or(1);
    let merged: Vec<String> = args[..=position]
        .iter()
        .cloned()
        .chain(from_file)
        .chain(args[position + 1..].iter().cloned())
        .collect();
    let matches = Cli::command()
        .args_override_self(true)
        .try_get_matches_from(merged)?;
    Cli::from_arg_matches(&matches)
}

fn init_logging(format: LogFormat) {
    // llama.cpp narrates every model load at INFO; keep its warnings and errors only by default.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,llama-cpp-2=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
