//! TLS for the integration tests: a test certificate authority (trusted by the binary through
//! `SSL_CERT_FILE`) and a TLS-terminating proxy in front of a plain host, as a deployment's load
//! balancer would be.

#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls_pki_types::PrivateKeyDer;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

/// A fresh test CA, its certificate written to `dir/ca.pem`, and a TLS acceptor presenting a
/// certificate for `localhost` that it issued.
pub fn test_ca_and_acceptor(dir: &Path) -> (PathBuf, TlsAcceptor) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Confide test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let ca_pem = dir.join("ca.pem");
    std::fs::write(&ca_pem, ca.pem()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    (ca_pem, TlsAcceptor::from(Arc::new(config)))
}

/// Accepts connections on a new 127.0.0.1 port, each handed to `handle` on its own task, on a
/// thread and runtime of their own until the test ends.
pub fn accept_on_thread<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(handle(stream));
            }
        });
    });
    addr
}

/// Terminates TLS on a new 127.0.0.1 port and relays each connection's bytes to `backend`
/// (plain TCP), as a deployment's load balancer would.
pub fn tls_proxy(acceptor: TlsAcceptor, backend: SocketAddr) -> SocketAddr {
    accept_on_thread(move |client| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(mut client) = acceptor.accept(client).await else {
                return;
            };
            let Ok(mut host) = tokio::net::TcpStream::connect(backend).await else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut client, &mut host).await;
        }
    })
}
