//! The one TLS configuration (ring, the system's trusted roots) and the one
//! place HTTP clients are built. HTTPS (LivePerson, the token, PING_URL,
//! `check`) and FTPS trust the same roots, read the same way.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;
use std::time::Duration;

/// rustls client config with the ring provider, the system roots (SSL_CERT_FILE
/// and SSL_CERT_DIR are honoured) and `extra_root_pem`. Without any root it is
/// an error only when `need_roots`: an HTTP client must still reach a plain
/// `http://` simulator (the demo) on a machine without a CA bundle.
pub(crate) fn tls_config(extra_root_pem: Option<&[u8]>, need_roots: bool) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    // Unreadable system certificates are skipped: one bad file must not stop a run.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = extra_root_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("extra root certificate: {e}"))?;
            roots.add(cert).map_err(|e| format!("extra root certificate: {e}"))?;
        }
    }
    if roots.is_empty() && need_roots {
        return Err("no trusted root certificates found: install the system CA bundle (ca-certificates) or point SSL_CERT_FILE at a PEM file".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// How long a request of PING_URL (a run's ping, `check`'s HEAD) may take.
pub(crate) const PING_TIMEOUT: Duration = Duration::from_secs(10);

/// How an HTTP client behaves; every client of the binary is built from one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Http {
    /// The whole request, reply body included.
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    /// A redirect would carry the client secret (307/308 re-send the form) or a
    /// Bearer token to whatever host it names: only PING_URL may follow one.
    pub(crate) follow_redirects: bool,
}

/// An HTTP client over [`tls_config`]; the error says why none could be built
/// (no trusted roots, most often).
pub(crate) fn http_client(how: Http) -> Result<reqwest::Client, String> {
    let redirect = if how.follow_redirects {
        reqwest::redirect::Policy::default()
    } else {
        reqwest::redirect::Policy::none()
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(None, false)?)
        .timeout(how.timeout)
        .connect_timeout(how.connect_timeout)
        .user_agent(concat!("wfm/", env!("CARGO_PKG_VERSION")))
        .redirect(redirect)
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_built_without_a_process_wide_crypto_provider() {
        // reqwest panics when it must pick a provider itself: it never must.
        let how = Http {
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            follow_redirects: false,
        };
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        http_client(how).unwrap();
        http_client(Http {
            follow_redirects: true,
            ..how
        })
        .unwrap();
    }

    #[test]
    fn a_bad_extra_root_is_named() {
        let e = tls_config(
            Some(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
            true,
        )
        .unwrap_err();
        assert!(e.starts_with("extra root certificate"), "{e}");
    }
}
