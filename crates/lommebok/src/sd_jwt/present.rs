//! Presentation (RFC 9901 §4.3, §5.2): choosing the disclosures and adding a Key Binding JWT.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::disclosure::{Compact, Disclosure, digest, process};
use super::path::ClaimPath;
use super::{KB_JWT_TYPE, SdJwtError, holder_key, signing_error};
use crate::jws::Jws;
use crate::key::Signer;
use crate::{Error, json, jws};

/// How the presentation is bound to the holder.
pub(crate) enum Binding<'a> {
    /// A KB-JWT signed by `signer`, whose key must be the credential's `cnf` key.
    Key {
        /// The holder's signer.
        signer: &'a dyn Signer,
        /// The holder DID, for the error when the credential is someone else's.
        holder: &'a str,
        /// The verifier's nonce.
        nonce: &'a str,
        /// The verifier (audience).
        aud: &'a str,
        /// The KB-JWT's `iat`.
        iat: DateTime<Utc>,
    },
    /// No KB-JWT: only for credentials without `cnf`.
    None,
}

/// Presents `sd_jwt` (as issued) disclosing `disclose`.
pub(crate) fn present(
    sd_jwt: &str,
    disclose: &[ClaimPath],
    binding: Binding<'_>,
) -> Result<String, Error> {
    let compact = Compact::split(sd_jwt)?;
    if compact.key_binding.is_some() {
        return Err(SdJwtError::Malformed(
            "it already ends in a Key Binding JWT; present from the SD-JWT as issued".into(),
        )
        .into());
    }
    let jwt = Jws::decode(compact.jwt).map_err(SdJwtError::Jws)?;
    let disclosures = compact
        .disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Disclosure::decode(d, json::DEFAULT_MAX_BYTES)
                .map_err(|e| SdJwtError::Disclosures(format!("disclosure {i}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cnf = jwt.payload.get("cnf").cloned();
    let processed = process(jwt.payload, &disclosures).map_err(SdJwtError::Disclosures)?;

    match (&binding, &cnf) {
        (Binding::Key { signer, holder, .. }, Some(cnf)) => {
            let bound_to = holder_key(cnf).map_err(SdJwtError::KeyBinding)?;
            if bound_to != signer.public_key() {
                return Err(Error::NotForHolder {
                    holder: (*holder).to_owned(),
                });
            }
        }
        (Binding::Key { .. }, None) => {
            return Err(SdJwtError::KeyBinding(
                "the credential names no holder key (`cnf`), so it cannot be presented with key \
                 binding; present it without"
                    .into(),
            )
            .into());
        }
        (Binding::None, Some(_)) => {
            return Err(SdJwtError::KeyBinding(
                "the credential is bound to a holder key (`cnf`); verifiers refuse it without a \
                 Key Binding JWT"
                    .into(),
            )
            .into());
        }
        (Binding::None, None) => {}
    }

    let mut keep = vec![false; disclosures.len()];
    for path in disclose {
        let target = path.resolve(&processed.claims)?;
        for (i, at) in processed.revealed_at.iter().enumerate() {
            // The claim's own disclosure, its parents' and everything inside it.
            if target.starts_with(at) || at.starts_with(&target) {
                keep[i] = true;
            }
        }
    }
    let mut presentation = String::with_capacity(sd_jwt.len());
    presentation.push_str(compact.jwt);
    presentation.push('~');
    for (disclosure, keep) in disclosures.iter().zip(keep) {
        if keep {
            presentation.push_str(&disclosure.encoded);
            presentation.push('~');
        }
    }
    if let Binding::Key {
        signer,
        nonce,
        aud,
        iat,
        ..
    } = binding
    {
        let mut payload = Map::new();
        payload.insert("iat".into(), iat.timestamp().into());
        payload.insert("aud".into(), aud.into());
        payload.insert("nonce".into(), nonce.into());
        payload.insert("sd_hash".into(), Value::String(digest(&presentation)));
        let kb =
            jws::sign(&payload, KB_JWT_TYPE, None, &Map::new(), signer).map_err(signing_error)?;
        presentation.push_str(&kb);
    }
    Ok(presentation)
}
