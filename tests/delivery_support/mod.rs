//! Shared helpers for the delivery tests (FTP push and failure mail): a test
//! CA with a server certificate for 127.0.0.1, a TLS-terminating proxy for the
//! implicit-TLS modes, and a port nobody listens on.

pub mod ftp_server;
pub mod sftp_server;
pub mod smtp_server;
pub mod tarpit;

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A CA and a server certificate it signed for `localhost` and `127.0.0.1`.
pub struct TestPki {
    /// The CA certificate the clients are told to trust.
    pub ca_pem: String,
    /// Server certificate followed by the CA certificate.
    pub chain_pem: String,
    pub key_pem: String,
    pub chain_path: PathBuf,
    pub key_path: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "wfm test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "wfm test server");
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    let ca_pem = ca.as_ref().pem();
    let chain_pem = format!("{}{}", cert.pem(), ca_pem);
    let key_pem = key.serialize_pem();
    let dir = tempfile::tempdir().unwrap();
    let chain_path = dir.path().join("server.pem");
    let key_path = dir.path().join("server.key");
    std::fs::write(&chain_path, &chain_pem).unwrap();
    std::fs::write(&key_path, &key_pem).unwrap();
    TestPki {
        ca_pem,
        chain_pem,
        key_pem,
        chain_path,
        key_path,
        _dir: dir,
    }
}

/// rustls has both ring and aws-lc-rs enabled in test builds (mailin-embedded
/// pulls the latter), so servers that use the process default need one chosen.
pub fn install_ring_default() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A loopback port with no listener: connecting to it is refused.
pub fn refused_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

/// Terminates TLS on `port` and forwards the plain bytes to 127.0.0.1:`backend`:
/// turns a plain FTP or SMTP server into an implicit-TLS one.
pub struct TlsProxy {
    pub port: u16,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

pub fn tls_proxy(pki: &TestPki, backend: u16) -> TlsProxy {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pki.chain_pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(("127.0.0.1", backend)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    TlsProxy { port, rt: Some(rt) }
}
