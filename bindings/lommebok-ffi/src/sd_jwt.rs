//! SD-JWT VC across the FFI: the records and enum the [`crate::Issuer`], [`crate::Wallet`] and
//! [`crate::Verifier`] methods take and return, and [`inspect_sd_jwt`] for a wallet screen.
//! Claims and keys go in and out as JSON text; claim paths as dot paths (`address.locality`,
//! `nationalities.0`).

use lommebok::PublicKey;
use lommebok::sd_jwt::{ClaimPath, SdJwtIssuerKey};
use serde_json::{Map, Value};

use crate::time::parse_time;
use crate::{LommebokError, VerificationReport};

/// The most decoy digests per object or array an issuer may ask for: enough to hide how many
/// claims there are, far from what would make an SD-JWT unwieldy.
pub(crate) const MAX_DECOYS: u32 = 100;

/// What an issuer puts in an SD-JWT VC besides the claims. Only `vct` is required.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SdJwtOptions {
    /// `vct`: the credential type, e.g. `urn:eudi:pid:1` or an HTTPS URL.
    pub vct: String,
    /// `cnf.jwk`: the holder's public key as a JWK (JSON text; what
    /// [`crate::Wallet::public_key_jwk`] gives). Presentations must then be signed with it
    /// (key binding); without it anyone holding a copy can present the credential.
    #[uniffi(default = None)]
    pub holder_key_jwk: Option<String>,
    /// `iss`; the issuer's DID when absent.
    #[uniffi(default = None)]
    pub issuer: Option<String>,
    /// `nbf`: not valid before (ISO 8601 with a time zone).
    #[uniffi(default = None)]
    pub valid_from: Option<String>,
    /// `exp`: not valid after (ISO 8601 with a time zone).
    #[uniffi(default = None)]
    pub valid_until: Option<String>,
    /// Decoy digests added to each object and array with disclosable members, so that their
    /// number does not show (0 to 100).
    #[uniffi(default = 0)]
    pub decoys: u32,
    /// A Token Status List entry: the URL of the issuer's status list (one of its
    /// [`crate::StatusRegistry`] lists). Needs `status_credential_id` too, and an issuer with a
    /// status registry.
    #[uniffi(default = None)]
    pub status_list_url: Option<String>,
    /// The id the issuer revokes or suspends the credential by later ([`crate::Issuer::revoke`]).
    #[uniffi(default = None)]
    pub status_credential_id: Option<String>,
}

impl SdJwtOptions {
    pub(crate) fn to_core(&self) -> Result<lommebok::SdJwtOptions, LommebokError> {
        let mut options = lommebok::SdJwtOptions::new(self.vct.clone());
        if let Some(jwk) = &self.holder_key_jwk {
            options = options.with_holder_key(public_key_of_jwk("holder_key_jwk", jwk)?);
        }
        if let Some(issuer) = &self.issuer {
            options = options.with_issuer(issuer.clone());
        }
        if let Some(from) = &self.valid_from {
            options = options.valid_from(parse_time("valid_from", from)?);
        }
        if let Some(until) = &self.valid_until {
            options = options.valid_until(parse_time("valid_until", until)?);
        }
        if self.decoys > MAX_DECOYS {
            return Err(LommebokError::invalid(format!(
                "`decoys` is {}, more than {MAX_DECOYS}",
                self.decoys
            )));
        }
        // A u32 of at most MAX_DECOYS fits any usize.
        options = options.with_decoys(self.decoys as usize);
        match (&self.status_list_url, &self.status_credential_id) {
            (Some(url), Some(id)) => options = options.with_status(url.clone(), id.clone()),
            (None, None) => {}
            _ => {
                return Err(LommebokError::invalid(
                    "`status_list_url` and `status_credential_id` go together",
                ));
            }
        }
        Ok(options)
    }
}

/// The key a verifier checks an SD-JWT issuer's signature with. Never taken from the SD-JWT
/// itself.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SdJwtIssuer {
    /// A DID URL (`did:key:z…#z…`, what [`crate::Issuer::verification_method`] gives). The
    /// SD-JWT's `iss` must be that DID.
    DidUrl {
        /// The verification method's DID URL.
        url: String,
    },
    /// A public key the verifier already trusts, as a JWK (JSON text; what
    /// [`crate::Issuer::public_key_jwk`] gives). `iss` is not checked against it.
    Jwk {
        /// The JWK.
        jwk: String,
    },
}

impl SdJwtIssuer {
    pub(crate) fn to_core(&self) -> Result<SdJwtIssuerKey, LommebokError> {
        Ok(match self {
            SdJwtIssuer::DidUrl { url } => SdJwtIssuerKey::VerificationMethod(url.clone()),
            SdJwtIssuer::Jwk { jwk } => SdJwtIssuerKey::PublicKey(public_key_of_jwk("jwk", jwk)?),
        })
    }
}

/// What [`crate::Verifier::verify_sd_jwt`] found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SdJwtVerification {
    /// Every check made; accept the presentation only when `valid`.
    pub report: VerificationReport,
    /// The claims as JSON, only when every check passed: the disclosed claims in place and the
    /// always-visible ones (`iss`, `iat`, `vct`, `cnf` …); claims the holder did not disclose
    /// are absent.
    pub claims_json: Option<String>,
}

/// What an SD-JWT holds, every disclosure applied. Nothing here is verified.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SdJwtContents {
    /// Every claim, as JSON.
    pub claims_json: String,
    /// The dot paths of the selectively disclosable claims (what
    /// [`crate::Wallet::present_sd_jwt`] takes), in the order of their disclosures.
    pub disclosable: Vec<String>,
}

/// Reads an SD-JWT (as issued, or a presentation) without verifying it: for a wallet to show
/// its holder the claims and which of them can be left out.
///
/// # Errors
/// [`LommebokError::InvalidInput`] when it is not a compact SD-JWT or its disclosures do not
/// fit it.
#[uniffi::export]
pub fn inspect_sd_jwt(sd_jwt: String) -> Result<SdJwtContents, LommebokError> {
    let contents = lommebok::sd_jwt::inspect(&sd_jwt)?;
    Ok(SdJwtContents {
        claims_json: Value::Object(contents.claims).to_string(),
        disclosable: contents
            .disclosable
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

/// A public key from JWK text.
pub(crate) fn public_key_of_jwk(name: &str, jwk: &str) -> Result<PublicKey, LommebokError> {
    let value = lommebok::json::parse_object(jwk)
        .map_err(|e| LommebokError::invalid(format!("`{name}`: {e}")))?;
    PublicKey::from_jwk(&Value::Object(value))
        .map_err(|e| LommebokError::invalid(format!("`{name}`: {e}")))
}

/// Claims given as a JSON object.
pub(crate) fn claims_of_json(claims_json: &str) -> Result<Map<String, Value>, LommebokError> {
    Ok(lommebok::json::parse_object(claims_json).map_err(lommebok::Error::from)?)
}

/// Dot paths, parsed.
pub(crate) fn claim_paths(paths: &[String]) -> Result<Vec<ClaimPath>, LommebokError> {
    paths
        .iter()
        .map(|p| ClaimPath::parse(p).map_err(|e| lommebok::Error::from(e).into()))
        .collect()
}

/// The verification's claims as JSON, if it passed.
pub(crate) fn verification_of(
    verification: lommebok::Verification<lommebok::VerifiedSdJwt>,
) -> SdJwtVerification {
    let claims_json = verification
        .verified()
        .map(|v| Value::Object(v.claims().clone()).to_string());
    SdJwtVerification {
        report: verification.report.into(),
        claims_json,
    }
}
