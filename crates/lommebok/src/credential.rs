//! Verifiable Credentials Data Model v2.0 (<https://www.w3.org/TR/vc-data-model-2.0/>).
//!
//! A [`Credential`] is built by parsing: once you hold one, it is well-formed per VCDM 2.0 (it may
//! still be unsigned, forged or expired: that is for the verifier to say).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::contexts::CREDENTIALS_V2;
use crate::data_integrity::format_time;
use crate::did::Did;
use crate::json::{self, JsonError};

/// Errors from parsing or building a credential or presentation: the reasons VCDM 2.0 says a
/// document is not one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The input is not acceptable JSON.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A required property is absent (VCDM 2.0 §4).
    #[error("missing required property `{0}`")]
    Missing(&'static str),
    /// A property has the wrong form.
    #[error("invalid `{property}`: {reason}")]
    Invalid {
        /// The property.
        property: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn invalid(property: &'static str, reason: impl Into<String>) -> CredentialError {
    CredentialError::Invalid {
        property,
        reason: reason.into(),
    }
}

/// A VCDM 2.0 verifiable credential, parsed and well-formed.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    json: Map<String, Value>,
    types: Vec<String>,
    issuer: String,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
}

impl Credential {
    /// Parses a credential from JSON text (strictly: see [`crate::json`]).
    ///
    /// # Errors
    /// [`CredentialError`] naming what makes it not a VCDM 2.0 credential.
    pub fn from_json_str(input: &str) -> Result<Self, CredentialError> {
        Self::from_json(json::parse_object(input)?)
    }

    /// Parses a credential from a JSON object.
    ///
    /// # Errors
    /// As [`Credential::from_json_str`].
    pub fn from_json(json: Map<String, Value>) -> Result<Self, CredentialError> {
        json::check_depth(&Value::Object(json.clone()))?;
        check_context(&json)?;
        if let Some(id) = json.get("id") {
            check_url("id", id)?;
        }
        let types = read_types(&json, "VerifiableCredential")?;
        let issuer = match json.get("issuer") {
            None => return Err(CredentialError::Missing("issuer")),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => match o.get("id") {
                Some(Value::String(s)) => s.clone(),
                _ => {
                    return Err(invalid(
                        "issuer",
                        "an issuer object must have a string `id`",
                    ));
                }
            },
            Some(_) => return Err(invalid("issuer", "must be a URL or an object with `id`")),
        };
        if !is_url(&issuer) {
            return Err(invalid("issuer", format!("`{issuer}` is not a URL")));
        }
        match json.get("credentialSubject") {
            None => return Err(CredentialError::Missing("credentialSubject")),
            Some(Value::Object(subject)) => check_subject(subject)?,
            Some(Value::Array(subjects)) if !subjects.is_empty() => {
                for subject in subjects {
                    match subject {
                        Value::Object(subject) => check_subject(subject)?,
                        _ => return Err(invalid("credentialSubject", "entries must be objects")),
                    }
                }
            }
            Some(_) => {
                return Err(invalid(
                    "credentialSubject",
                    "must be an object or a non-empty array of objects",
                ));
            }
        }
        for (old, new) in [
            ("issuanceDate", "validFrom"),
            ("expirationDate", "validUntil"),
        ] {
            if json.contains_key(old) {
                return Err(invalid(
                    if old == "issuanceDate" {
                        "issuanceDate"
                    } else {
                        "expirationDate"
                    },
                    format!("is VCDM 1.1, which is not supported; VCDM 2.0 uses `{new}`"),
                ));
            }
        }
        let valid_from = read_time(&json, "validFrom")?;
        let valid_until = read_time(&json, "validUntil")?;
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until < from
        {
            return Err(invalid("validUntil", "is before validFrom"));
        }
        for (property, value) in [
            ("credentialStatus", json.get("credentialStatus")),
            ("credentialSchema", json.get("credentialSchema")),
            ("evidence", json.get("evidence")),
            ("termsOfUse", json.get("termsOfUse")),
            ("refreshService", json.get("refreshService")),
        ] {
            if let Some(value) = value {
                check_typed_objects(property, value)?;
            }
        }
        if let Some(proof) = json.get("proof") {
            check_proofs(proof)?;
        }
        Ok(Credential {
            json,
            types,
            issuer,
            valid_from,
            valid_until,
        })
    }

    /// The credential as JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The credential as JSON, consuming it.
    pub fn into_json(self) -> Map<String, Value> {
        self.json
    }

    /// The credential as pretty-printed JSON text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap_or_default()
    }

    /// `id`, if present.
    pub fn id(&self) -> Option<&str> {
        self.json.get("id").and_then(Value::as_str)
    }

    /// `type`, always including `VerifiableCredential`.
    pub fn types(&self) -> &[String] {
        &self.types
    }

    /// The issuer's URL (usually a DID).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `validFrom`, if present.
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.valid_from
    }

    /// `validUntil`, if present.
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.valid_until
    }

    /// The `credentialSubject` objects (one or more).
    pub fn subjects(&self) -> Vec<&Map<String, Value>> {
        match self.json.get("credentialSubject") {
            Some(Value::Object(o)) => vec![o],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        }
    }

    /// The `id` of each subject (`None` for a subject without one).
    pub fn subject_ids(&self) -> Vec<Option<&str>> {
        self.subjects()
            .into_iter()
            .map(|s| s.get("id").and_then(Value::as_str))
            .collect()
    }

    /// The `credentialStatus` entries (carried through; checked by status support).
    pub fn status_entries(&self) -> Vec<&Map<String, Value>> {
        objects(self.json.get("credentialStatus"))
    }

    /// The proofs (one, a set, or none).
    pub fn proofs(&self) -> Vec<&Map<String, Value>> {
        objects(self.json.get("proof"))
    }

    /// The credential without its proofs.
    pub fn unsecured(&self) -> Map<String, Value> {
        let mut json = self.json.clone();
        json.remove("proof");
        json
    }
}

pub(crate) fn objects(value: Option<&Value>) -> Vec<&Map<String, Value>> {
    match value {
        Some(Value::Object(o)) => vec![o],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// Builds an unsigned credential.
///
/// ```
/// use lommebok::credential::CredentialBuilder;
/// use lommebok::did::Did;
/// let issuer = Did::parse("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").unwrap();
/// let credential = CredentialBuilder::new(issuer)
///     .with_type("ResidenceCredential")
///     .with_subject_id("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
///     .with_claim("residentOf", "Tromsø".into())
///     .build()
///     .unwrap();
/// assert_eq!(credential.types(), ["VerifiableCredential", "ResidenceCredential"]);
/// ```
#[derive(Debug, Clone)]
pub struct CredentialBuilder {
    contexts: Vec<Value>,
    id: Option<String>,
    types: Vec<String>,
    issuer: Did,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    subject: Map<String, Value>,
    status: Vec<Value>,
    extra: Map<String, Value>,
}

impl CredentialBuilder {
    /// A credential from `issuer`, with the VCDM 2.0 context and type.
    pub fn new(issuer: Did) -> Self {
        CredentialBuilder {
            contexts: vec![CREDENTIALS_V2.into()],
            id: None,
            types: vec!["VerifiableCredential".into()],
            issuer,
            valid_from: None,
            valid_until: None,
            subject: Map::new(),
            status: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Adds a JSON-LD context (a URL the verifier knows, or an inline context object).
    pub fn with_context(mut self, context: Value) -> Self {
        self.contexts.push(context);
        self
    }

    /// Sets `id` (e.g. `urn:uuid:…`).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Adds a type.
    pub fn with_type(mut self, type_: impl Into<String>) -> Self {
        self.types.push(type_.into());
        self
    }

    /// Sets `validFrom`.
    pub fn valid_from(mut self, at: DateTime<Utc>) -> Self {
        self.valid_from = Some(at);
        self
    }

    /// Sets `validUntil`.
    pub fn valid_until(mut self, at: DateTime<Utc>) -> Self {
        self.valid_until = Some(at);
        self
    }

    /// Sets the subject's `id` (the holder's DID, for holder binding).
    pub fn with_subject_id(mut self, id: impl Into<String>) -> Self {
        self.subject.insert("id".into(), Value::String(id.into()));
        self
    }

    /// Adds a claim about the subject.
    pub fn with_claim(mut self, name: impl Into<String>, value: Value) -> Self {
        self.subject.insert(name.into(), value);
        self
    }

    /// Adds a `credentialStatus` entry.
    pub fn with_status(mut self, entry: Value) -> Self {
        self.status.push(entry);
        self
    }

    /// Adds another top-level property (e.g. `name`, `description`).
    pub fn with_property(mut self, name: impl Into<String>, value: Value) -> Self {
        self.extra.insert(name.into(), value);
        self
    }

    /// Builds and checks the credential.
    ///
    /// # Errors
    /// [`CredentialError`] when the result would not be a VCDM 2.0 credential.
    pub fn build(self) -> Result<Credential, CredentialError> {
        let mut json = Map::new();
        json.insert("@context".into(), Value::Array(self.contexts));
        if let Some(id) = self.id {
            json.insert("id".into(), id.into());
        }
        json.insert(
            "type".into(),
            Value::Array(self.types.into_iter().map(Value::String).collect()),
        );
        json.insert("issuer".into(), self.issuer.to_string().into());
        if let Some(t) = self.valid_from {
            json.insert("validFrom".into(), format_time(&t).into());
        }
        if let Some(t) = self.valid_until {
            json.insert("validUntil".into(), format_time(&t).into());
        }
        json.insert("credentialSubject".into(), Value::Object(self.subject));
        match self.status.len() {
            0 => {}
            1 => {
                json.insert(
                    "credentialStatus".into(),
                    self.status.into_iter().next().unwrap_or_default(),
                );
            }
            _ => {
                json.insert("credentialStatus".into(), Value::Array(self.status));
            }
        }
        for (k, v) in self.extra {
            json.entry(k).or_insert(v);
        }
        Credential::from_json(json)
    }
}

/// `@context` must be an ordered set whose first item is the VCDM 2.0 context URL (§4.3).
pub(crate) fn check_context(json: &Map<String, Value>) -> Result<(), CredentialError> {
    let context = json
        .get("@context")
        .ok_or(CredentialError::Missing("@context"))?;
    let items = match context {
        Value::Array(items) => items.as_slice(),
        Value::String(_) => std::slice::from_ref(context),
        _ => {
            return Err(invalid(
                "@context",
                "must be an ordered set of URLs and context objects",
            ));
        }
    };
    match items.first().and_then(Value::as_str) {
        Some(CREDENTIALS_V2) => {}
        Some("https://www.w3.org/2018/credentials/v1") => {
            return Err(invalid(
                "@context",
                "VCDM 1.1 documents are not supported; VCDM 2.0 is",
            ));
        }
        _ => {
            return Err(invalid(
                "@context",
                format!("the first item must be {CREDENTIALS_V2}"),
            ));
        }
    }
    for item in items {
        match item {
            Value::String(url) if is_url(url) => {}
            Value::Object(_) => {}
            _ => return Err(invalid("@context", "items must be URLs or context objects")),
        }
    }
    Ok(())
}

/// `type` must be a string or an array of strings and include `required` (§4.5).
pub(crate) fn read_types(
    json: &Map<String, Value>,
    required: &str,
) -> Result<Vec<String>, CredentialError> {
    let types: Vec<String> = match json.get("type") {
        None => return Err(CredentialError::Missing("type")),
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid("type", "must be strings"))?,
        Some(_) => return Err(invalid("type", "must be a string or an array of strings")),
    };
    if !types.iter().any(|t| t == required) {
        return Err(invalid("type", format!("must include `{required}`")));
    }
    Ok(types)
}

fn check_subject(subject: &Map<String, Value>) -> Result<(), CredentialError> {
    if subject.is_empty() {
        return Err(invalid(
            "credentialSubject",
            "must make at least one claim or have an id",
        ));
    }
    if let Some(id) = subject.get("id") {
        check_url("credentialSubject", id)?;
    }
    Ok(())
}

fn check_typed_objects(property: &'static str, value: &Value) -> Result<(), CredentialError> {
    let items = match value {
        Value::Object(_) => std::slice::from_ref(value),
        Value::Array(items) => items.as_slice(),
        _ => {
            return Err(invalid(
                property,
                "must be an object or an array of objects",
            ));
        }
    };
    for item in items {
        let Some(object) = item.as_object() else {
            return Err(invalid(property, "entries must be objects"));
        };
        if !object.contains_key("type") {
            return Err(invalid(property, "each entry needs a `type`"));
        }
        if let Some(id) = object.get("id") {
            check_url(property, id)?;
        }
    }
    Ok(())
}

pub(crate) fn check_proofs(value: &Value) -> Result<(), CredentialError> {
    let items = match value {
        Value::Object(_) => std::slice::from_ref(value),
        Value::Array(items) if !items.is_empty() => items.as_slice(),
        _ => {
            return Err(invalid(
                "proof",
                "must be an object or a non-empty array of objects",
            ));
        }
    };
    if items.iter().any(|p| !p.is_object()) {
        return Err(invalid("proof", "entries must be objects"));
    }
    Ok(())
}

fn read_time(
    json: &Map<String, Value>,
    property: &'static str,
) -> Result<Option<DateTime<Utc>>, CredentialError> {
    match json.get(property) {
        None => Ok(None),
        Some(Value::String(s)) => parse_date_time_stamp(s).map(Some).ok_or_else(|| {
            invalid(
                property,
                format!("`{s}` is not an XML Schema dateTimeStamp"),
            )
        }),
        Some(_) => Err(invalid(property, "must be a string")),
    }
}

/// Parses an `xsd:dateTimeStamp` (a date-time with a time zone, e.g. `2026-01-01T00:00:00Z`).
pub fn parse_date_time_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn check_url(property: &'static str, value: &Value) -> Result<(), CredentialError> {
    match value.as_str() {
        Some(s) if is_url(s) => Ok(()),
        _ => Err(invalid(property, "`id` must be a URL")),
    }
}

/// An absolute IRI: a scheme, a colon, no spaces, and percent escapes that are two hex digits
/// and decode to UTF-8 (RFC 3987 §3.2: IRIs carry UTF-8; other bytes make IRI libraries fail).
pub(crate) fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && percent_escapes_are_utf8(rest)
}

fn percent_escapes_are_utf8(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) => decoded.push(byte),
                None => return false,
            }
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Map<String, Value> {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject"}
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn rejects(change: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut json = minimal();
        change(&mut json);
        Credential::from_json(json).unwrap_err().to_string()
    }

    #[test]
    fn minimal_credential_parses() {
        let c = Credential::from_json(minimal()).unwrap();
        assert_eq!(c.issuer(), "did:example:issuer");
        assert_eq!(c.subject_ids(), [Some("did:example:subject")]);
    }

    #[test]
    fn vcdm2_4_3_context_must_start_with_v2() {
        assert!(
            rejects(|j| {
                j.remove("@context");
            })
            .contains("@context")
        );
        assert!(
            rejects(|j| {
                j["@context"] = json!(["https://www.w3.org/2018/credentials/v1"]);
            })
            .contains("1.1")
        );
        assert!(
            rejects(|j| {
                j["@context"] = json!([
                    "https://example.org/x",
                    "https://www.w3.org/ns/credentials/v2"
                ]);
            })
            .contains("first item")
        );
        assert!(
            rejects(|j| {
                j["@context"] = json!(["https://www.w3.org/ns/credentials/v2", 5]);
            })
            .contains("items")
        );
    }

    #[test]
    fn vcdm2_4_5_type_must_include_verifiable_credential() {
        assert!(
            rejects(|j| {
                j.remove("type");
            })
            .contains("type")
        );
        assert!(
            rejects(|j| {
                j["type"] = json!(["Other"]);
            })
            .contains("VerifiableCredential")
        );
        assert!(
            rejects(|j| {
                j["type"] = json!([1]);
            })
            .contains("type")
        );
    }

    #[test]
    fn vcdm2_4_7_issuer_is_required_and_a_url() {
        assert!(
            rejects(|j| {
                j.remove("issuer");
            })
            .contains("issuer")
        );
        assert!(
            rejects(|j| {
                j["issuer"] = json!("not a url");
            })
            .contains("issuer")
        );
        assert!(
            rejects(|j| {
                j["issuer"] = json!({"name": "x"});
            })
            .contains("issuer")
        );
        let mut j = minimal();
        j["issuer"] = json!({"id": "did:example:issuer", "name": "Kommune"});
        assert_eq!(
            Credential::from_json(j).unwrap().issuer(),
            "did:example:issuer"
        );
    }

    #[test]
    fn vcdm2_4_8_credential_subject_is_required() {
        assert!(
            rejects(|j| {
                j.remove("credentialSubject");
            })
            .contains("credentialSubject")
        );
        assert!(
            rejects(|j| {
                j["credentialSubject"] = json!([]);
            })
            .contains("credentialSubject")
        );
        assert!(
            rejects(|j| {
                j["credentialSubject"] = json!("x");
            })
            .contains("credentialSubject")
        );
    }

    #[test]
    fn vcdm2_4_9_validity_must_be_date_time_stamps_in_order() {
        assert!(
            rejects(|j| {
                j.insert("validFrom".into(), json!("2026-01-01"));
            })
            .contains("validFrom")
        );
        assert!(
            rejects(|j| {
                j.insert("validFrom".into(), json!("2026-01-01T00:00:00"));
            })
            .contains("validFrom")
        );
        assert!(
            rejects(|j| {
                j.insert("validFrom".into(), json!("2026-01-02T00:00:00Z"));
                j.insert("validUntil".into(), json!("2026-01-01T00:00:00Z"));
            })
            .contains("before")
        );
    }

    #[test]
    fn vcdm1_1_dates_are_refused_with_a_pointer_to_vcdm2() {
        assert!(
            rejects(|j| {
                j.insert("issuanceDate".into(), json!("2026-01-01T00:00:00Z"));
            })
            .contains("validFrom")
        );
        assert!(
            rejects(|j| {
                j.insert("expirationDate".into(), json!("2026-01-01T00:00:00Z"));
            })
            .contains("validUntil")
        );
    }

    #[test]
    fn vcdm2_4_10_status_entries_need_a_type() {
        assert!(
            rejects(|j| {
                j.insert(
                    "credentialStatus".into(),
                    json!({"id": "https://x.example/1"}),
                );
            })
            .contains("credentialStatus")
        );
    }

    #[test]
    fn urls_with_bad_percent_escapes_are_not_urls() {
        assert!(is_url("https://x.example/a%20b%C3%B8"));
        assert!(!is_url("https://x.example/%FF%FE"));
        assert!(!is_url("https://x.example/%C3%28"));
        assert!(!is_url("https://x.example/%G1"));
        assert!(!is_url("https://x.example/%4"));
    }

    #[test]
    fn builder_output_round_trips() {
        let issuer = Did::parse("did:example:issuer").unwrap();
        let c = CredentialBuilder::new(issuer)
            .with_id("urn:uuid:0b1d7c8e-0000-4000-8000-000000000001")
            .with_type("ResidenceCredential")
            .with_subject_id("did:example:subject")
            .with_claim("municipality", json!("Tromsø"))
            .build()
            .unwrap();
        let back = Credential::from_json_str(&c.to_json_string()).unwrap();
        assert_eq!(back, c);
    }
}
