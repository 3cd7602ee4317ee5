//! The TLS client behind `https://` URLs (feed and key fetches, the Warp aggregator's requests):
//! rustls with the Mozilla root store compiled in, so verification does not depend on the machine
//! having a CA bundle. `SSL_CERT_FILE`, when set, names a PEM file whose certificates are trusted
//! as well (a private CA, or a test's own), the variable OpenSSL and curl honour.

use std::sync::{Arc, OnceLock};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// The environment variable naming extra trusted root certificates (PEM).
pub const EXTRA_ROOTS_VARIABLE: &str = "SSL_CERT_FILE";

/// Runs the TLS handshake with `host` over `stream`, verifying the certificate chain and the name.
pub async fn connect(host: &str, stream: TcpStream) -> Result<TlsStream<TcpStream>, String> {
    let config = client_config()?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| format!("{host} is not a valid TLS server name"))?;
    TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(|err| format!("TLS handshake with {host} failed: {err}"))
}

/// The process's client configuration, built on first use.
fn client_config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = root_store(std::env::var_os(EXTRA_ROOTS_VARIABLE))?;
            let mut config = ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            // The client speaks HTTP/1.1 only; say so, so a server never picks h2.
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
}

/// The Mozilla roots plus every certificate in the PEM file `extra`, if given.
fn root_store(extra: Option<std::ffi::OsString>) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra {
        let shown = path.to_string_lossy().into_owned();
        let certificates = CertificateDer::pem_file_iter(&path)
            .map_err(|err| format!("{EXTRA_ROOTS_VARIABLE}={shown}: {err}"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| format!("{EXTRA_ROOTS_VARIABLE}={shown}: {err}"))?;
        let (added, _ignored) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(format!(
                "{EXTRA_ROOTS_VARIABLE}={shown} holds no usable certificate"
            ));
        }
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_present_without_extra_file() {
        let roots = root_store(None).unwrap();
        assert!(roots.len() > 100, "only {} roots", roots.len());
    }

    #[test]
    fn an_extra_file_without_certificates_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("confide-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = root_store(Some(path.clone().into_os_string())).unwrap_err();
        assert!(error.contains("SSL_CERT_FILE"), "{error}");
        assert!(error.contains("no usable certificate"), "{error}");
        let missing = root_store(Some(dir.join("missing.pem").into_os_string())).unwrap_err();
        assert!(missing.contains("missing.pem"), "{missing}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
