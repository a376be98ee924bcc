//! Verification (RFC 9901 §7, draft-ietf-oauth-sd-jwt-vc §3): every check goes into the
//! report; only unreadable input is an error.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::disclosure::{Compact, Disclosure, digest, process};
use super::{KB_JWT_TYPE, SD_JWT_VC_TYPE, SdJwtError, SdJwtIssuerKey, VerifiedSdJwt, holder_key};
use crate::data_integrity::format_time;
use crate::did::{DidResolver, Relationship, split_did_url};
use crate::json::JsonError;
use crate::jws::{Jws, JwsError};
use crate::key::PublicKey;
use crate::verify::{Check, CheckKind, Policy, PresentationRequest, VerificationReport};
use crate::{Error, jws};

/// What the verifier brings to an SD-JWT verification.
pub(crate) struct VerifyContext<'a> {
    /// The verifier's time.
    pub now: DateTime<Utc>,
    /// Its policy.
    pub policy: &'a Policy,
    /// Its DID resolver (for [`SdJwtIssuerKey::VerificationMethod`]).
    pub resolver: &'a dyn DidResolver,
    /// The request the presentation answers, and whether its nonce was outstanding (it has been
    /// consumed by now).
    pub request: Option<(&'a PresentationRequest, bool)>,
    /// The header `typ` the issuer-signed JWT must have.
    pub expected_type: &'a str,
    /// Where Status List Tokens come from (the verifier's status source), if it has one.
    pub status_source: Option<&'a dyn crate::status::StatusSource>,
    /// The trust lists the issuer must be on, if the verifier has them.
    pub trust: Option<&'a crate::trust::TrustLists>,
}

const CREDENTIAL: &str = "credential";
const PRESENTATION: &str = "presentation";

fn add(
    report: &mut VerificationReport,
    target: &str,
    check: CheckKind,
    passed: bool,
    reason: impl Into<String>,
) {
    report.checks.push(Check {
        target: target.to_owned(),
        check,
        passed,
        reason: reason.into(),
    });
    report.valid = report.is_valid();
}

/// Verifies an SD-JWT (with or without a KB-JWT). Returns the report and what the claims are;
/// the caller hands out the [`VerifiedSdJwt`] only when the report is valid.
pub(crate) fn verify(
    input: &str,
    issuer: &SdJwtIssuerKey,
    cx: &VerifyContext<'_>,
) -> Result<(VerificationReport, VerifiedSdJwt), Error> {
    let limit = cx.policy.max_document_bytes;
    if input.len() > limit {
        return Err(JsonError::TooLarge {
            size: input.len(),
            limit,
        }
        .into());
    }
    let compact = Compact::split(input)?;
    let jwt = Jws::decode(compact.jwt).map_err(SdJwtError::Jws)?;
    let payload = &jwt.payload;
    let mut report = VerificationReport::default();

    check_well_formed(&mut report, payload, cx.expected_type);
    let key = check_issuer_key(&mut report, issuer, payload, cx.resolver);
    match &key {
        None => add(
            &mut report,
            CREDENTIAL,
            CheckKind::Proof,
            false,
            "no usable issuer key to verify with",
        ),
        Some(key) => match jwt.verify(key, cx.expected_type) {
            Ok(()) => add(
                &mut report,
                CREDENTIAL,
                CheckKind::Proof,
                true,
                format!(
                    "the issuer's signature verifies ({}, typ {})",
                    jws::jose_algorithm(key.algorithm()),
                    cx.expected_type
                ),
            ),
            Err(JwsError::Signature) => add(
                &mut report,
                CREDENTIAL,
                CheckKind::Proof,
                false,
                "the issuer's signature does not verify",
            ),
            Err(e) => add(
                &mut report,
                CREDENTIAL,
                CheckKind::Proof,
                false,
                format!("the issuer-signed JWT: {e}"),
            ),
        },
    }

    // Disclosures (RFC 9901 §7.1).
    let decoded: Result<Vec<Disclosure>, String> = compact
        .disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Disclosure::decode(d, limit).map_err(|e| format!("disclosure {i} is malformed: {e}"))
        })
        .collect();
    let processed = decoded.and_then(|d| process(payload.clone(), &d).map(|p| (p, d.len())));
    let claims = match processed {
        Ok((processed, count)) => {
            add(
                &mut report,
                CREDENTIAL,
                CheckKind::Disclosures,
                true,
                format!(
                    "{count} disclosure(s), each well-formed and referenced by exactly one digest"
                ),
            );
            processed.claims
        }
        Err(reason) => {
            add(
                &mut report,
                CREDENTIAL,
                CheckKind::Disclosures,
                false,
                reason,
            );
            Map::new()
        }
    };

    check_validity(&mut report, payload, cx);
    let issuer_name = payload
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let status = payload.get("status").cloned();
    if let Some(status) = &status {
        let (passed, reason) = check_status(status, key.as_ref(), issuer_name.as_deref(), cx);
        add(&mut report, CREDENTIAL, CheckKind::Status, passed, reason);
    }
    if let Some(trusted) = &cx.policy.trusted_issuers {
        let (ok, reason) = match &issuer_name {
            Some(iss) if trusted.iter().any(|t| t == iss) => {
                (true, format!("issuer {iss} is trusted"))
            }
            Some(iss) => (
                false,
                format!("issuer {iss} is not among the trusted issuers"),
            ),
            None => (false, "the SD-JWT names no issuer (`iss`)".to_owned()),
        };
        add(
            &mut report,
            CREDENTIAL,
            CheckKind::TrustedIssuer,
            ok,
            reason,
        );
    }
    if let Some(trust) = cx.trust {
        let (ok, reason) = match (&issuer_name, issuer) {
            (Some(iss), SdJwtIssuerKey::VerificationMethod(_)) => {
                let vct = payload.get("vct").and_then(Value::as_str).unwrap_or("");
                let decision = trust.issuer(iss, &[vec![vct.to_owned()]], cx.now);
                (decision.is_trusted(), decision.reason(iss))
            }
            (Some(_), _) => (
                false,
                "the issuer's key was given directly, not resolved from its DID: trust lists \
                 name DIDs"
                    .to_owned(),
            ),
            (None, _) => (false, "the SD-JWT names no issuer (`iss`)".to_owned()),
        };
        add(&mut report, CREDENTIAL, CheckKind::Trust, ok, reason);
    }
    let holder = check_key_binding(&mut report, &compact, payload, cx);

    Ok((
        report,
        VerifiedSdJwt {
            claims,
            vct: payload
                .get("vct")
                .and_then(Value::as_str)
                .map(str::to_owned),
            issuer: issuer_name,
            status,
            holder_key: holder,
        },
    ))
}

/// The `status` claim (draft-ietf-oauth-sd-jwt-vc §3.2.2.2: an IETF Token Status List
/// reference).
///
/// The `status` claim (IETF Token Status List): the Status List Token must be had from the
/// verifier's status source, be signed by the credential's issuer key and say "valid" for the
/// credential's index. Without a source, or without a usable issuer key, the check fails: a
/// credential that can be revoked is never accepted unchecked.
fn check_status(
    status: &Value,
    issuer_key: Option<&PublicKey>,
    issuer: Option<&str>,
    cx: &VerifyContext<'_>,
) -> (bool, String) {
    let Some(source) = cx.status_source else {
        return (
            false,
            "the credential has a `status` claim, and this verifier has no status source to get \
             its Status List Token from"
                .into(),
        );
    };
    let Some(key) = issuer_key else {
        return (
            false,
            "the Status List Token cannot be checked without the issuer's key".into(),
        );
    };
    crate::token_status::check_token_status(
        status,
        key,
        issuer,
        source,
        cx.now,
        cx.policy.clock_skew,
    )
    .into()
}

fn check_well_formed(
    report: &mut VerificationReport,
    payload: &Map<String, Value>,
    expected_type: &str,
) {
    let vc = expected_type == SD_JWT_VC_TYPE;
    let (ok, reason) = match (payload.get("vct"), payload.get("iss")) {
        (_, Some(iss)) if !iss.is_string() => (false, "`iss` is not a string".to_owned()),
        (Some(Value::String(vct)), _) if !vct.is_empty() => {
            (true, format!("an SD-JWT VC of type {vct}"))
        }
        (Some(_), _) => (false, "`vct` is not a non-empty string".to_owned()),
        (None, _) if vc => (
            false,
            "an SD-JWT VC must name its type (`vct`, draft-ietf-oauth-sd-jwt-vc §3.2.2.2)"
                .to_owned(),
        ),
        (None, _) => (true, format!("an SD-JWT (typ {expected_type})")),
    };
    add(report, CREDENTIAL, CheckKind::WellFormed, ok, reason);
}

/// Finds the issuer key, and checks that it is the issuer's. Returns the key to verify with.
fn check_issuer_key(
    report: &mut VerificationReport,
    issuer: &SdJwtIssuerKey,
    payload: &Map<String, Value>,
    resolver: &dyn DidResolver,
) -> Option<PublicKey> {
    let iss = payload.get("iss").and_then(Value::as_str);
    let (key, ok, reason) = match issuer {
        SdJwtIssuerKey::PublicKey(key) => (
            Some(key.clone()),
            true,
            "the issuer key was given to the verifier (the SD-JWT's own key hints are not used)"
                .to_owned(),
        ),
        SdJwtIssuerKey::VerificationMethod(url) => match split_did_url(url) {
            Err(e) => (None, false, e.to_string()),
            Ok(did) => match resolver.resolve(&did) {
                Err(e) => (None, false, e.to_string()),
                Ok(document) => match document.method_for(url, Relationship::AssertionMethod) {
                    Err(_) => (
                        None,
                        false,
                        format!("{url} is not listed under assertionMethod of {did}"),
                    ),
                    Ok(method) if iss == Some(did.as_str()) => (
                        Some(method.public_key.clone()),
                        true,
                        format!("signed with {url}, a key of the issuer {did}"),
                    ),
                    Ok(method) => (
                        Some(method.public_key.clone()),
                        false,
                        format!(
                            "the SD-JWT's issuer is {}, but the key {url} is {did}'s",
                            iss.unwrap_or("not named")
                        ),
                    ),
                },
            },
        },
    };
    add(report, CREDENTIAL, CheckKind::IssuerKey, ok, reason);
    key
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch.
fn numeric_date(value: &Value) -> Option<DateTime<Utc>> {
    if let Some(seconds) = value.as_i64() {
        return DateTime::from_timestamp(seconds, 0);
    }
    let seconds = value.as_f64().filter(|s| s.is_finite())?.floor();
    if seconds < i64::MIN as f64 || seconds > i64::MAX as f64 {
        return None;
    }
    DateTime::from_timestamp(seconds as i64, 0)
}

/// `exp`, `nbf`, `iat` (RFC 7519 §4.1.4-6), each a NumericDate, with the policy's skew.
fn check_validity(
    report: &mut VerificationReport,
    payload: &Map<String, Value>,
    cx: &VerifyContext<'_>,
) {
    let now = cx.now;
    let latest = now
        .checked_add_signed(cx.policy.clock_skew)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let earliest = now
        .checked_sub_signed(cx.policy.clock_skew)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut problems = Vec::new();
    let mut date = |name: &str| match payload.get(name) {
        None => None,
        Some(value) => match numeric_date(value) {
            Some(t) => Some(t),
            None => {
                problems.push(format!(
                    "`{name}` is {value}, not a NumericDate (a JSON number of seconds)"
                ));
                None
            }
        },
    };
    let (exp, nbf, iat) = (date("exp"), date("nbf"), date("iat"));
    if let Some(exp) = exp
        && earliest > exp
    {
        problems.push(format!(
            "expired at {}, now {}",
            format_time(&exp),
            format_time(&now)
        ));
    }
    if let Some(nbf) = nbf
        && latest < nbf
    {
        problems.push(format!(
            "not valid before {}, now {}",
            format_time(&nbf),
            format_time(&now)
        ));
    }
    if let Some(iat) = iat
        && latest < iat
    {
        problems.push(format!(
            "issued in the future ({}), now {}",
            format_time(&iat),
            format_time(&now)
        ));
    }
    if problems.is_empty() {
        add(
            report,
            CREDENTIAL,
            CheckKind::ValidityPeriod,
            true,
            format!("valid at {}", format_time(&now)),
        );
    } else {
        add(
            report,
            CREDENTIAL,
            CheckKind::ValidityPeriod,
            false,
            problems.join("; "),
        );
    }
}

/// Key binding (RFC 9901 §7.3): required when the credential has `cnf` or the verifier sent a
/// request. Adds the `key_binding`, `challenge` and `domain` checks; returns the holder key.
fn check_key_binding(
    report: &mut VerificationReport,
    compact: &Compact<'_>,
    payload: &Map<String, Value>,
    cx: &VerifyContext<'_>,
) -> Option<PublicKey> {
    let holder = payload.get("cnf").map(holder_key);
    let mut kb_payload = None;
    let (ok, reason) = match (compact.key_binding, &holder) {
        (None, None) if cx.request.is_none() => (
            true,
            "the credential is not bound to a holder key (no `cnf`): whoever has a copy can present it".to_owned(),
        ),
        (None, None) => (
            false,
            "the verifier asked for a key-bound presentation, but the credential names no holder key (`cnf`)".to_owned(),
        ),
        (None, Some(_)) => (
            false,
            "the credential is bound to a holder key (`cnf`), but the presentation has no Key Binding JWT".to_owned(),
        ),
        (Some(kb), holder) => match Jws::decode(kb) {
            Err(e) => (false, format!("the Key Binding JWT cannot be read: {e}")),
            Ok(kb) => {
                // Its nonce and audience are reported below either way; only a KB-JWT that
                // passes here makes the presentation valid.
                let problems = match holder {
                    None => vec![
                        "the credential names no holder key (`cnf`) to check it with".to_owned(),
                    ],
                    Some(Err(e)) => vec![format!("the credential's holder key is not usable: {e}")],
                    Some(Ok(key)) => key_binding_problems(&kb, key, compact, cx),
                };
                kb_payload = Some(kb.payload);
                if problems.is_empty() {
                    (
                        true,
                        "the Key Binding JWT is signed by the holder key (`cnf`), fresh, and covers exactly these disclosures".to_owned(),
                    )
                } else {
                    (false, format!("the Key Binding JWT: {}", problems.join("; ")))
                }
            }
        },
    };
    add(report, PRESENTATION, CheckKind::KeyBinding, ok, reason);

    let kb_claim = |name: &str| kb_payload.as_ref().and_then(|p| p.get(name));
    match cx.request {
        None => {
            if kb_payload.is_some() {
                add(
                    report,
                    PRESENTATION,
                    CheckKind::Challenge,
                    false,
                    "no presentation request to check the Key Binding JWT's nonce against: a replayed presentation would pass",
                );
            }
        }
        Some((request, known)) => {
            let (ok, reason) = match kb_claim("nonce") {
                _ if kb_payload.is_none() => (false, "no Key Binding JWT carries the nonce".to_owned()),
                None => (false, "the Key Binding JWT has no nonce".to_owned()),
                Some(Value::String(n)) if *n != request.challenge => {
                    (false, "the Key Binding JWT's nonce is not the one asked for".to_owned())
                }
                Some(Value::String(_)) if !known => (
                    false,
                    "the nonce was not issued by this verifier, has expired, or was already used (replay)".to_owned(),
                ),
                Some(Value::String(_)) => (true, "the Key Binding JWT answers this verifier's fresh nonce".to_owned()),
                Some(_) => (false, "the Key Binding JWT's nonce is not a string".to_owned()),
            };
            add(report, PRESENTATION, CheckKind::Challenge, ok, reason);
            let aud = kb_claim("aud");
            let for_us = |expected: &str| match aud {
                Some(Value::String(a)) => a == expected,
                Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(expected)),
                _ => false,
            };
            let (ok, reason) = match &request.domain {
                None => (
                    false,
                    "the request names no audience (domain): without one, a presentation made for another verifier would pass".to_owned(),
                ),
                Some(_) if kb_payload.is_none() => (false, "no Key Binding JWT names the audience".to_owned()),
                Some(expected) if for_us(expected) => (true, format!("the Key Binding JWT is for {expected}")),
                Some(expected) => (
                    false,
                    format!(
                        "the Key Binding JWT is not for {expected} (its aud is {})",
                        aud.map(Value::to_string).unwrap_or_else(|| "missing".into())
                    ),
                ),
            };
            add(report, PRESENTATION, CheckKind::Domain, ok, reason);
        }
    }
    holder.and_then(Result::ok)
}

/// What is wrong with a decoded KB-JWT: header and signature, `sd_hash`, `iat`.
fn key_binding_problems(
    kb: &Jws,
    key: &PublicKey,
    compact: &Compact<'_>,
    cx: &VerifyContext<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    match kb.verify(key, KB_JWT_TYPE) {
        Ok(()) => {}
        Err(JwsError::Signature) => {
            problems.push("it is not signed by the holder key (`cnf`)".to_owned())
        }
        Err(e) => problems.push(e.to_string()),
    }
    match kb.payload.get("sd_hash") {
        Some(Value::String(hash)) if *hash == digest(compact.without_key_binding) => {}
        Some(Value::String(_)) => problems.push(
            "its sd_hash does not match: the disclosures were changed after it was signed (RFC 9901 §7.3)".to_owned(),
        ),
        _ => problems.push("it has no sd_hash".to_owned()),
    }
    let max_age = cx
        .policy
        .sd_jwt_kb_max_age
        .checked_add(&cx.policy.clock_skew)
        .unwrap_or(Duration::MAX);
    match kb.payload.get("iat") {
        None => problems.push("it has no iat".to_owned()),
        Some(value) => match numeric_date(value) {
            None => problems.push(format!("its iat is {value}, not a NumericDate")),
            Some(iat) => {
                let now = cx.now;
                if iat
                    > now
                        .checked_add_signed(cx.policy.clock_skew)
                        .unwrap_or(DateTime::<Utc>::MAX_UTC)
                {
                    problems.push(format!("it was made in the future ({})", format_time(&iat)));
                } else if iat
                    < now
                        .checked_sub_signed(max_age)
                        .unwrap_or(DateTime::<Utc>::MIN_UTC)
                {
                    problems.push(format!(
                        "it is stale: made {}, more than {} s before now ({})",
                        format_time(&iat),
                        max_age.num_seconds(),
                        format_time(&now)
                    ));
                }
            }
        },
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_dates_are_json_numbers_only() {
        let t = |v: Value| numeric_date(&v).map(|d| d.timestamp());
        assert_eq!(t(json!(1683000000)), Some(1683000000));
        assert_eq!(t(json!(1683000000.9)), Some(1683000000));
        assert_eq!(t(json!(-1)), Some(-1));
        for bad in [
            json!("1683000000"),
            json!(true),
            json!(null),
            json!([1]),
            json!(1e300),
            json!(i64::MAX),
        ] {
            assert_eq!(t(bad.clone()), None, "{bad}");
        }
    }
}
