//! The `serve` flags of the Warp signer.

use clap::Args;
use confide_core::warp::Codec;
use confide_core::warp::bls::Ciphersuite;

/// Warp options of `confide-node serve` (config keys `warp.network_id`, `warp.source_chain_id`, …).
#[derive(Clone, Debug, Args)]
pub struct WarpServeArgs {
    /// Network id whose Warp messages this node signs (with a BLS key).
    #[arg(
        id = "warp_network_id",
        long = "warp-network-id",
        value_name = "N",
        default_value_t = 1
    )]
    pub network_id: u32,
    /// Source chain (32 bytes, hex) whose Warp messages this node signs.
    #[arg(
        id = "warp_source_chain_id",
        long = "warp-source-chain-id",
        value_name = "HEX32",
        default_value = "0x0000000000000000000000000000000000000000000000000000000000000000",
        value_parser = parse_chain_id
    )]
    pub source_chain_id: [u8; 32],
    /// Warp message codec: `avalanche` or `lux-rlp`.
    #[arg(id = "warp_codec", long = "codec", value_name = "CODEC", default_value = "avalanche", value_parser = parse_codec)]
    pub codec: Codec,
    /// BLS ciphersuite: `pop` or `lux-basic`.
    #[arg(id = "warp_ciphersuite", long = "ciphersuite", value_name = "SUITE", default_value = "pop", value_parser = parse_ciphersuite)]
    pub ciphersuite: Ciphersuite,
    /// Warp signature requests per second per peer (bursts up to twice that).
    #[arg(
        id = "warp_rate_limit",
        long = "warp-rate-limit",
        value_name = "N",
        default_value_t = 100
    )]
    pub rate_limit: u32,
}

/// A 32-byte chain id in hex (with or without `0x`).
pub fn parse_chain_id(text: &str) -> Result<[u8; 32], String> {
    confide_core::hex::decode_array::<32>(
        "source chain id",
        text,
        confide_core::ErrorCode::InvalidArgument,
    )
    .map_err(|err| err.message().to_owned())
}

/// `avalanche` or `lux-rlp`.
pub fn parse_codec(text: &str) -> Result<Codec, String> {
    Codec::parse(text).map_err(|err| err.message().to_owned())
}

/// `pop` or `lux-basic`.
pub fn parse_ciphersuite(text: &str) -> Result<Ciphersuite, String> {
    Ciphersuite::parse(text).map_err(|err| err.message().to_owned())
}
