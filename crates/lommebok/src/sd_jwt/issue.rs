//! Issuance (RFC 9901 §4, §5.1): concealing the disclosable claims and signing the payload.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand_core::RngCore as _;
use serde_json::{Map, Value};

use super::disclosure::{SD_ALG, decoy_digest, digest, encode, salt};
use super::path::{ClaimPath, PathSegment, SD_KEYWORDS};
use super::{SD_JWT_VC_TYPE, SdJwtError, SdJwtOptions, signing_error};
use crate::key::Signer;
use crate::{Error, json, jws};

/// Claims lommebok sets from [`SdJwtOptions`] and the issuer; they may not be given as claims.
const SET_BY_LOMMEBOK: [&str; 7] = ["iss", "iat", "exp", "nbf", "cnf", "vct", "_sd_alg"];

/// Which claims below a node are concealed.
#[derive(Debug, Default)]
struct Marks {
    /// This node itself is concealed.
    concealed: bool,
    /// Marks for the node's members or elements.
    below: BTreeMap<PathSegment, Marks>,
}

/// What the issuer signs as.
pub(crate) struct IssuerIdentity<'a> {
    /// The default `iss`.
    pub did: &'a str,
    /// The header `kid`.
    pub verification_method: &'a str,
    /// The signer.
    pub signer: &'a dyn Signer,
}

/// Issues an SD-JWT VC (see [`crate::Issuer::issue_sd_jwt_at`]).
pub(crate) fn issue(
    claims: &Map<String, Value>,
    disclosable: &[ClaimPath],
    options: &SdJwtOptions,
    iat: DateTime<Utc>,
    issuer: &IssuerIdentity<'_>,
) -> Result<String, Error> {
    if options.vct.is_empty() {
        return Err(SdJwtError::MissingType.into());
    }
    for name in SET_BY_LOMMEBOK {
        if claims.contains_key(name) {
            return Err(SdJwtError::ReservedClaim {
                name: name.to_owned(),
                reason: "lommebok sets it (from SdJwtOptions and the issuer)".into(),
            }
            .into());
        }
    }
    json::check_depth(&Value::Object(claims.clone()))?;
    if let Some(name) = keyword_in(claims) {
        return Err(SdJwtError::ReservedClaim {
            name: name.to_owned(),
            reason: "it is an SD-JWT keyword, never a claim name".into(),
        }
        .into());
    }
    let mut marks = Marks::default();
    for path in disclosable {
        let resolved = path.resolve(claims)?;
        let mut node = &mut marks;
        for segment in resolved {
            node = node.below.entry(segment).or_default();
        }
        if node.concealed {
            return Err(SdJwtError::InvalidPath {
                path: path.to_string(),
                reason: "given twice".into(),
            }
            .into());
        }
        node.concealed = true;
    }

    if options.decoys > super::MAX_DECOYS {
        return Err(SdJwtError::TooManyDecoys(options.decoys).into());
    }
    let mut concealer = Concealer {
        decoys: options.decoys,
        disclosures: Vec::new(),
    };
    let concealed = concealer.object(claims.clone(), Some(&marks));

    let mut payload = Map::new();
    let iss = options.issuer.as_deref().unwrap_or(issuer.did);
    payload.insert("iss".into(), iss.into());
    payload.insert("iat".into(), iat.timestamp().into());
    if let Some(nbf) = options.valid_from {
        payload.insert("nbf".into(), nbf.timestamp().into());
    }
    if let Some(exp) = options.valid_until {
        payload.insert("exp".into(), exp.timestamp().into());
    }
    payload.insert("vct".into(), options.vct.clone().into());
    if let Some(holder) = &options.holder_key {
        let mut cnf = Map::new();
        cnf.insert("jwk".into(), holder.to_jwk());
        payload.insert("cnf".into(), Value::Object(cnf));
    }
    payload.extend(concealed);
    payload.insert("_sd_alg".into(), SD_ALG.into());

    let jwt = jws::sign(
        &payload,
        SD_JWT_VC_TYPE,
        Some(issuer.verification_method),
        &Map::new(),
        issuer.signer,
    )
    .map_err(signing_error)?;
    // Disclosures in digest order: their order tells nothing about the claims'.
    let mut disclosures = concealer.disclosures;
    disclosures.sort_by_cached_key(|d| digest(d));
    let mut out = jwt;
    out.push('~');
    for disclosure in disclosures {
        out.push_str(&disclosure);
        out.push('~');
    }
    Ok(out)
}

/// The first `_sd` or `...` member name anywhere in `value`.
fn keyword_in(claims: &Map<String, Value>) -> Option<&'static str> {
    fn walk(value: &Value) -> Option<&'static str> {
        match value {
            Value::Object(object) => keyword_in(object),
            Value::Array(items) => items.iter().find_map(walk),
            _ => None,
        }
    }
    SD_KEYWORDS
        .into_iter()
        .find(|k| claims.contains_key(*k))
        .or_else(|| claims.values().find_map(walk))
}

struct Concealer {
    decoys: usize,
    disclosures: Vec<String>,
}

impl Concealer {
    /// Makes a disclosure and returns its digest.
    fn disclose(&mut self, name: Option<&str>, value: Value) -> String {
        let encoded = encode(&salt(), name, value);
        let digest = digest(&encoded);
        self.disclosures.push(encoded);
        digest
    }

    fn value(&mut self, value: Value, marks: Option<&Marks>) -> Value {
        // Below a node without marks nothing is concealed.
        let Some(marks) = marks.filter(|m| !m.below.is_empty()) else {
            return value;
        };
        match value {
            Value::Object(object) => Value::Object(self.object(object, Some(marks))),
            Value::Array(items) => Value::Array(self.array(items, marks)),
            other => other,
        }
    }

    /// Conceals bottom-up: a member's own concealed members are in its disclosure as digests.
    fn object(&mut self, object: Map<String, Value>, marks: Option<&Marks>) -> Map<String, Value> {
        let mut out = Map::with_capacity(object.len());
        let mut digests = Vec::new();
        for (name, value) in object {
            let child = marks.and_then(|m| m.below.get(&PathSegment::Name(name.clone())));
            let value = self.value(value, child);
            if child.is_some_and(|c| c.concealed) {
                digests.push(self.disclose(Some(&name), value));
            } else {
                out.insert(name, value);
            }
        }
        if !digests.is_empty() {
            digests.extend((0..self.decoys).map(|_| decoy_digest()));
            // Sorted: the order of the digests tells nothing about the claims' (RFC 9901 §4.2.4.1).
            digests.sort();
            out.insert(
                "_sd".into(),
                Value::Array(digests.into_iter().map(Value::String).collect()),
            );
        }
        out
    }

    fn array(&mut self, items: Vec<Value>, marks: &Marks) -> Vec<Value> {
        let mut out = Vec::with_capacity(items.len());
        let mut concealed_any = false;
        for (i, item) in items.into_iter().enumerate() {
            let child = marks.below.get(&PathSegment::Index(i));
            let item = self.value(item, child);
            if child.is_some_and(|c| c.concealed) {
                concealed_any = true;
                out.push(placeholder(self.disclose(None, item)));
            } else {
                out.push(item);
            }
        }
        if concealed_any {
            for _ in 0..self.decoys {
                // Decoy elements go anywhere: verifiers drop them (RFC 9901 §4.2.5).
                let at = (rand_core::OsRng.next_u64() % (out.len() as u64 + 1)) as usize;
                out.insert(at, placeholder(decoy_digest()));
            }
        }
        out
    }
}

/// The array element `{"...": digest}`.
fn placeholder(digest: String) -> Value {
    let mut object = Map::new();
    object.insert("...".into(), Value::String(digest));
    Value::Object(object)
}
