//! Keys: [`SoftwareKey`] (the default), and the foreign [`Signer`] through which a key can stay
//! in the Secure Enclave or the Android Keystore.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use lommebok::key::{KeyError, PublicKey};
use lommebok::{Did, Signer as _};
use p256::pkcs8::DecodePublicKey as _;
use zeroize::Zeroizing;

use crate::LommebokError;

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum KeyAlgorithm {
    /// Ed25519 (RFC 8032). Software keys only: platform keystores do not offer it.
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256 (ES256): what the Secure Enclave and the Android
    /// Keystore offer.
    P256,
}

impl From<KeyAlgorithm> for lommebok::Algorithm {
    fn from(algorithm: KeyAlgorithm) -> Self {
        match algorithm {
            KeyAlgorithm::Ed25519 => lommebok::Algorithm::Ed25519,
            KeyAlgorithm::P256 => lommebok::Algorithm::P256,
        }
    }
}

impl From<lommebok::Algorithm> for KeyAlgorithm {
    fn from(algorithm: lommebok::Algorithm) -> Self {
        match algorithm {
            lommebok::Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
            lommebok::Algorithm::P256 => KeyAlgorithm::P256,
        }
    }
}

/// A key held in memory by lommebok (zeroized when the object is freed): the default way to
/// sign. To keep a key in a platform keystore instead, implement [`Signer`].
///
/// Secrets handed in (`from_secret`, `from_multikey_json`, `from_private_jwk`) are wiped from
/// Rust's memory once read; the caller's own copies are the caller's to wipe.
#[derive(Debug, uniffi::Object)]
pub struct SoftwareKey {
    pub(crate) inner: Arc<lommebok::SoftwareKey>,
}

#[uniffi::export]
impl SoftwareKey {
    /// A new random key.
    #[uniffi::constructor]
    pub fn generate(algorithm: KeyAlgorithm) -> Arc<Self> {
        Arc::new(SoftwareKey {
            inner: Arc::new(lommebok::SoftwareKey::generate(algorithm.into())),
        })
    }

    /// A key from its 32 secret bytes: an Ed25519 seed, or a P-256 scalar (big-endian).
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for another length, or a P-256 scalar that is zero or
    /// not below the group order.
    #[uniffi::constructor]
    pub fn from_secret(
        algorithm: KeyAlgorithm,
        secret: Vec<u8>,
    ) -> Result<Arc<Self>, LommebokError> {
        let secret = Zeroizing::new(secret);
        let key = lommebok::SoftwareKey::from_secret_bytes(algorithm.into(), &secret)?;
        Ok(Arc::new(SoftwareKey {
            inner: Arc::new(key),
        }))
    }

    /// A key from a W3C Multikey document with its secret (`secretKeyMultibase`), as
    /// [`SoftwareKey::to_multikey_json`] writes it.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when it is not such a document, or its public key does
    /// not belong to the secret.
    #[uniffi::constructor]
    pub fn from_multikey_json(json: String) -> Result<Arc<Self>, LommebokError> {
        let json = Zeroizing::new(json);
        let key = lommebok::SoftwareKey::from_multikey_json(&json)?;
        Ok(Arc::new(SoftwareKey {
            inner: Arc::new(key),
        }))
    }

    /// A key from a private JWK (`OKP`/`Ed25519` or `EC`/`P-256`, with `d`).
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when it is not such a JWK, or its public members do not
    /// match `d`.
    #[uniffi::constructor]
    pub fn from_private_jwk(json: String) -> Result<Arc<Self>, LommebokError> {
        let json = Zeroizing::new(json);
        let key = lommebok::SoftwareKey::from_private_jwk(&json)?;
        Ok(Arc::new(SoftwareKey {
            inner: Arc::new(key),
        }))
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.inner.algorithm().into()
    }

    /// The public key as `publicKeyMultibase` (`z6Mk…` for Ed25519, `zDn…` for P-256).
    pub fn public_key_multibase(&self) -> String {
        self.inner.public_key().to_multibase()
    }

    /// The key's `did:key`: the DID an issuer or wallet with this key signs as.
    pub fn did(&self) -> String {
        Did::from_public_key(&self.inner.public_key()).to_string()
    }

    /// The key as a W3C Multikey document WITH ITS SECRET (`secretKeyMultibase`): store it only
    /// where secrets may go (an encrypted file, the platform keychain), never in logs.
    pub fn to_multikey_json(&self) -> String {
        self.inner.to_multikey_json().to_string()
    }
}

/// A signing key that lives outside lommebok: in the Secure Enclave, the Android Keystore, an
/// HSM. Implement it in Swift, Kotlin or Python; lommebok never sees the private key.
///
/// The issuer or wallet reads `algorithm()` and `public_key()` once, when it is constructed,
/// and checks every signature `sign()` returns against that public key.
#[uniffi::export(foreign)]
pub trait Signer: Send + Sync {
    /// The algorithm of the key: [`KeyAlgorithm::P256`] for platform keystores.
    fn algorithm(&self) -> KeyAlgorithm;

    /// The public key. Ed25519: the 32 raw bytes (or its SPKI DER). P-256: any of
    /// - the SEC1 point, uncompressed (65 bytes, `04 || x || y`: iOS
    ///   `SecKeyCopyExternalRepresentation`) or compressed (33 bytes);
    /// - the SPKI DER (`SubjectPublicKeyInfo`, 91 bytes: the JDK's `publicKey.encoded`).
    ///
    /// # Errors
    /// Throw when the key cannot be had (e.g. it was deleted); the issuer or wallet
    /// constructor then fails with [`LommebokError::Signing`].
    fn public_key(&self) -> Result<Vec<u8>, LommebokError>;

    /// Signs `message`, the exact bytes given. Ed25519: the 64-byte signature. P-256: sign
    /// SHA-256(`message`) as ES256 does (the platform hashes: JDK `SHA256withECDSA`, iOS
    /// `.ecdsaSignatureMessageX962SHA256`) and return either the DER signature those APIs give
    /// or the 64-byte `r || s` form (`SHA256withECDSAinP1363Format`); lommebok converts DER to
    /// `r || s` and normalizes to low S.
    ///
    /// # Errors
    /// Throw [`LommebokError::Signing`] (or anything: it arrives as `Signing`) when the key is
    /// unavailable, the user did not authenticate, or the keystore refused.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, LommebokError>;
}

/// SPKI DER prefix of an Ed25519 public key (RFC 8410 §4): the 32 key bytes follow.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Reads a foreign signer's public key in any of the forms [`Signer::public_key`] accepts.
pub(crate) fn parse_public_key(
    algorithm: KeyAlgorithm,
    bytes: &[u8],
) -> Result<PublicKey, LommebokError> {
    let key = match algorithm {
        KeyAlgorithm::Ed25519 => {
            let raw = bytes
                .strip_prefix(&ED25519_SPKI_PREFIX[..])
                .unwrap_or(bytes);
            PublicKey::from_bytes(lommebok::Algorithm::Ed25519, raw)
        }
        KeyAlgorithm::P256 => match bytes.first() {
            // SEC1: 0x02/0x03 compressed, 0x04 uncompressed. SPKI DER starts with 0x30.
            Some(0x30) => p256::PublicKey::from_public_key_der(bytes)
                .map(PublicKey::P256)
                .map_err(|_| KeyError::InvalidKey(lommebok::Algorithm::P256)),
            _ => PublicKey::from_bytes(lommebok::Algorithm::P256, bytes),
        },
    };
    key.map_err(|e| LommebokError::invalid(format!("the signer's public key: {e}")))
}

/// Turns what a foreign signer returned into the form lommebok's suites use, if it is a valid
/// signature of `message` by `public_key`: 64 bytes, and for P-256 `r || s` with low S.
fn checked_signature(
    algorithm: KeyAlgorithm,
    public_key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Option<Vec<u8>> {
    let candidates = match algorithm {
        KeyAlgorithm::Ed25519 => vec![signature.to_vec()],
        KeyAlgorithm::P256 => {
            // 64 bytes is almost always `r || s`, but a DER signature can have that length too.
            let raw = (signature.len() == 64)
                .then(|| p256::ecdsa::Signature::from_slice(signature).ok())
                .flatten();
            let der = p256::ecdsa::Signature::from_der(signature).ok();
            raw.into_iter()
                .chain(der)
                .map(|parsed| {
                    let low_s = parsed.normalize_s().unwrap_or(parsed);
                    low_s.to_bytes().to_vec()
                })
                .collect()
        }
    };
    candidates
        .into_iter()
        .find(|candidate| public_key.verify(message, candidate))
}

/// Calls `f` on a foreign object, turning a panic (uniffi raises one when a foreign method
/// without an error type throws) into [`LommebokError::Signing`].
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, LommebokError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let detail = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("it failed");
        LommebokError::signing(format!("the signer's {what}: {detail}"))
    })
}

/// [`lommebok::Signer`] over a foreign [`Signer`], with the public key read and checked once.
pub(crate) struct ForeignSigner {
    foreign: Arc<dyn Signer>,
    algorithm: KeyAlgorithm,
    public_key: PublicKey,
}

impl ForeignSigner {
    /// Reads and checks the foreign signer's algorithm and public key.
    ///
    /// # Errors
    /// [`LommebokError::Signing`] when the signer throws, [`LommebokError::InvalidInput`] when
    /// its public key is not one of the accepted forms.
    pub(crate) fn new(foreign: Arc<dyn Signer>) -> Result<Self, LommebokError> {
        let algorithm = guarded("algorithm", || foreign.algorithm())?;
        let bytes = guarded("public key", || foreign.public_key())??;
        let public_key = parse_public_key(algorithm, &bytes)?;
        Ok(ForeignSigner {
            foreign,
            algorithm,
            public_key,
        })
    }

    /// As a core signer, for the core's `Issuer` and `Wallet`.
    pub(crate) fn into_core(self) -> Arc<dyn lommebok::Signer> {
        Arc::new(self)
    }
}

impl lommebok::Signer for ForeignSigner {
    fn public_key(&self) -> PublicKey {
        self.public_key.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let signed = guarded("sign", || self.foreign.sign(message.to_vec()))
            .and_then(|result| result)
            .map_err(|e| KeyError::Signing(e.into_reason()))?;
        // A signature by another key (a rotated or wrong keystore entry) would make credentials
        // nobody can verify: refuse it here, where the app can still act.
        checked_signature(self.algorithm, &self.public_key, message, &signed).ok_or_else(|| {
            KeyError::Signing(
                "the signer returned a signature that does not verify with its public key".into(),
            )
        })
    }
}

/// The core signer behind a [`SoftwareKey`] (shared, not copied: the secret stays in one place).
pub(crate) fn core_signer_of_key(key: &SoftwareKey) -> Arc<dyn lommebok::Signer> {
    key.inner.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::EncodePublicKey as _;

    /// A P-256 foreign signer answering in the platform's forms: SPKI DER key, DER signatures.
    struct PlatformLike {
        key: p256::ecdsa::SigningKey,
        der: bool,
    }

    impl Signer for PlatformLike {
        fn algorithm(&self) -> KeyAlgorithm {
            KeyAlgorithm::P256
        }
        fn public_key(&self) -> Result<Vec<u8>, LommebokError> {
            Ok(self
                .key
                .verifying_key()
                .to_public_key_der()
                .map_err(|e| LommebokError::invalid(e.to_string()))?
                .into_vec())
        }
        fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, LommebokError> {
            let signature: p256::ecdsa::Signature = self.key.sign(&message);
            // Force high S, as the JDK may return: the adapter must normalize it.
            let high = match signature.normalize_s() {
                Some(_) => signature,
                None => {
                    let (r, s) = signature.split_scalars();
                    p256::ecdsa::Signature::from_scalars(r, -*s)
                        .map_err(|e| LommebokError::invalid(e.to_string()))?
                }
            };
            Ok(if self.der {
                high.to_der().as_bytes().to_vec()
            } else {
                high.to_bytes().to_vec()
            })
        }
    }

    #[test]
    fn p256_platform_signer_with_spki_key_and_der_high_s_signatures_is_normalized() {
        for der in [true, false] {
            let foreign = PlatformLike {
                key: p256::ecdsa::SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng),
                der,
            };
            let signer = ForeignSigner::new(Arc::new(foreign)).unwrap();
            for i in 0..8u8 {
                let signature = lommebok::Signer::sign(&signer, &[i]).unwrap();
                assert_eq!(signature.len(), 64);
                let parsed = p256::ecdsa::Signature::from_slice(&signature).unwrap();
                assert!(parsed.normalize_s().is_none(), "high S left in place");
                assert!(signer.public_key.verify(&[i], &signature));
            }
        }
    }

    /// A foreign signer that signs with one software key and claims another's public key.
    struct Impostor {
        signs_with: lommebok::SoftwareKey,
        claims: lommebok::SoftwareKey,
    }

    impl Signer for Impostor {
        fn algorithm(&self) -> KeyAlgorithm {
            self.claims.algorithm().into()
        }
        fn public_key(&self) -> Result<Vec<u8>, LommebokError> {
            Ok(lommebok::Signer::public_key(&self.claims).to_bytes())
        }
        fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, LommebokError> {
            Ok(lommebok::Signer::sign(&self.signs_with, &message)?)
        }
    }

    #[test]
    fn a_signature_by_another_key_is_a_signing_error_and_the_right_key_issues() {
        for algorithm in [lommebok::Algorithm::Ed25519, lommebok::Algorithm::P256] {
            let claimed = lommebok::SoftwareKey::generate(algorithm);
            let wrong = Impostor {
                signs_with: lommebok::SoftwareKey::generate(algorithm),
                claims: claimed.clone(),
            };
            let issuer = crate::Issuer::with_signer(Arc::new(wrong)).unwrap();
            let unsigned = |did: String| {
                format!(
                    r#"{{"@context": ["https://www.w3.org/ns/credentials/v2"],
                        "type": ["VerifiableCredential"], "issuer": "{did}",
                        "credentialSubject": {{"id": "did:example:kari"}}}}"#
                )
            };
            assert!(matches!(
                issuer.issue(unsigned(issuer.did())),
                Err(LommebokError::Signing { .. })
            ));
            let right = Impostor {
                signs_with: claimed.clone(),
                claims: claimed,
            };
            let issuer = crate::Issuer::with_signer(Arc::new(right)).unwrap();
            let credential = issuer.issue(unsigned(issuer.did())).unwrap();
            let report = crate::Verifier::new()
                .verify_credential(credential)
                .unwrap();
            assert!(report.valid, "{:#?}", report.checks);
        }
    }

    #[test]
    fn p256_public_key_in_sec1_forms_parses_to_the_same_key() {
        let key = lommebok::SoftwareKey::generate(lommebok::Algorithm::P256);
        let lommebok::PublicKey::P256(point) = key.public_key() else {
            unreachable!()
        };
        use p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let uncompressed = point.to_encoded_point(false).as_bytes().to_vec();
        let compressed = point.to_encoded_point(true).as_bytes().to_vec();
        let spki = point.to_public_key_der().unwrap().into_vec();
        assert_eq!(
            (uncompressed.len(), compressed.len(), spki.len()),
            (65, 33, 91)
        );
        for form in [uncompressed, compressed, spki] {
            assert_eq!(
                parse_public_key(KeyAlgorithm::P256, &form).unwrap(),
                key.public_key()
            );
        }
    }

    #[test]
    fn ed25519_public_key_raw_or_spki() {
        let key = lommebok::SoftwareKey::generate(lommebok::Algorithm::Ed25519);
        let raw = key.public_key().to_bytes();
        let mut spki = ED25519_SPKI_PREFIX.to_vec();
        spki.extend(&raw);
        for form in [raw, spki] {
            assert_eq!(
                parse_public_key(KeyAlgorithm::Ed25519, &form).unwrap(),
                key.public_key()
            );
        }
    }
}
