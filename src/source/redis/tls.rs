//! TLS for `rediss://`: rustls with the ring provider, driven by hand (not
//! through `StreamOwned`) so every socket read and write has the deadline of
//! the reply it belongs to. `StreamOwned::read` loops over socket reads until
//! a whole record has arrived, so a server trickling a byte at a time would
//! keep one read alive past any deadline.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::fault::{Fault, io_fault, remaining};
use crate::error::{Error, Result};

/// The certificates in PEM bytes (anything else in them is ignored).
pub(crate) fn certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem)
        .filter_map(std::result::Result::ok)
        .collect()
}

/// Verifies with `ca` (PEM) if given, else with the system's CA bundle; or
/// not at all with `insecure`.
pub(crate) fn client_config(ca: Option<&[u8]>, insecure: bool) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::usage(format!("TLS setup failed: {e}")))?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        let certs = match ca {
            Some(pem) => {
                let certs = certificates(pem);
                if certs.is_empty() {
                    return Err(Error::usage(
                        "--tls-ca holds no PEM certificate (it wants the CA's \"BEGIN CERTIFICATE\" file)",
                    ));
                }
                certs
            }
            None => system_certificates(),
        };
        // A bundle may hold a certificate webpki cannot use; the others still count.
        let _ = roots.add_parsable_certificates(certs);
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// The system's CA bundle: `SSL_CERT_FILE`, or the usual places.
fn system_certificates() -> Vec<CertificateDer<'static>> {
    let env = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    let known = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    ];
    env.into_iter()
        .chain(known.iter().map(std::path::PathBuf::from))
        .find_map(|path| std::fs::read(path).ok())
        .map(|pem| certificates(&pem))
        .unwrap_or_default()
}

/// `--tls-insecure`: any certificate is accepted, but the handshake
/// signatures are still checked, so the peer holds the key of the
/// certificate it showed.
#[derive(Debug)]
struct AcceptAnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// A TLS session over a TCP socket, each socket operation under a deadline.
pub(crate) struct TlsStream {
    tls: ClientConnection,
    sock: TcpStream,
}

impl TlsStream {
    /// Completes the handshake by `deadline`.
    pub(crate) fn handshake(
        config: &Arc<ClientConfig>,
        host: &str,
        sock: TcpStream,
        deadline: Instant,
    ) -> std::result::Result<TlsStream, Fault> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| Fault::Tls(format!("{host} is not a valid TLS server name")))?;
        let tls = ClientConnection::new(Arc::clone(config), name)
            .map_err(|e| Fault::Tls(describe(&e)))?;
        let mut stream = TlsStream { tls, sock };
        while stream.tls.is_handshaking() {
            if stream.tls.wants_write() {
                stream.flush(deadline)?;
            } else if stream.receive(deadline)? == 0 {
                return Err(Fault::Tls(
                    "the server closed the connection during the TLS handshake".to_owned(),
                ));
            }
        }
        stream.flush(deadline)?;
        Ok(stream)
    }

    /// Plaintext into `buf`: `Ok(0)` once the server has closed.
    pub(crate) fn read(
        &mut self,
        buf: &mut [u8],
        deadline: Instant,
    ) -> std::result::Result<usize, Fault> {
        loop {
            match self.tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(Fault::Io(e)),
            }
            self.receive(deadline)?;
        }
    }

    pub(crate) fn write_all(
        &mut self,
        mut data: &[u8],
        deadline: Instant,
    ) -> std::result::Result<(), Fault> {
        while !data.is_empty() {
            let n = self.tls.writer().write(data).map_err(Fault::Io)?;
            data = &data[n..];
            if n == 0 && !self.tls.wants_write() {
                return Err(Fault::Tls("the TLS session refused more data".to_owned()));
            }
            self.flush(deadline)?;
        }
        Ok(())
    }

    /// One socket read of TLS records, processed. Returns the bytes read
    /// (0: the server closed the socket).
    fn receive(&mut self, deadline: Instant) -> std::result::Result<usize, Fault> {
        self.sock
            .set_read_timeout(Some(remaining(deadline)?))
            .map_err(Fault::Io)?;
        let n = self.tls.read_tls(&mut self.sock).map_err(io_fault)?;
        if let Err(e) = self.tls.process_new_packets() {
            // Tell the server why (best effort: we are failing anyway).
            let _ = self.flush(deadline);
            return Err(Fault::Tls(describe(&e)));
        }
        if self.tls.wants_write() {
            self.flush(deadline)?;
        }
        Ok(n)
    }

    /// Writes every pending TLS record.
    fn flush(&mut self, deadline: Instant) -> std::result::Result<(), Fault> {
        while self.tls.wants_write() {
            self.sock
                .set_write_timeout(Some(remaining(deadline)?))
                .map_err(Fault::Io)?;
            self.tls.write_tls(&mut self.sock).map_err(io_fault)?;
        }
        Ok(())
    }
}

/// A TLS failure in the operator's words, with what to do about it.
fn describe(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        // A CA of the same name but another key shows as a bad signature.
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => format!(
            "the server's certificate is not signed by a trusted CA; pass its CA with --tls-ca (or --tls-insecure for a test setup) ({e})"
        ),
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => format!("the server's certificate is not valid for this host name ({e})"),
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            format!("the server's certificate has expired ({e})")
        }
        rustls::Error::InvalidMessage(_) => {
            format!("the server did not answer in TLS; is it a rediss:// port? ({e})")
        }
        _ => e.to_string(),
    }
}
