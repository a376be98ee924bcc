//! Verifiable Presentations (VCDM 2.0 §4.13): a holder wraps credentials and signs the whole with
//! an `authentication` proof that carries the verifier's `challenge` and `domain`.

use serde_json::{Map, Value};

use crate::contexts::CREDENTIALS_V2;
use crate::credential::{
    Credential, CredentialError, check_context, check_proofs, is_url, objects, read_types,
};
use crate::json;

/// A VCDM 2.0 verifiable presentation, parsed and well-formed.
#[derive(Debug, Clone, PartialEq)]
pub struct Presentation {
    json: Map<String, Value>,
    holder: Option<String>,
    credentials: Vec<Credential>,
}

impl Presentation {
    /// Parses a presentation from JSON text (strictly: see [`crate::json`]). Each embedded
    /// credential must itself be a well-formed credential.
    ///
    /// # Errors
    /// [`CredentialError`] naming what makes it not a VCDM 2.0 presentation.
    pub fn from_json_str(input: &str) -> Result<Self, CredentialError> {
        Self::from_json(json::parse_object(input)?)
    }

    /// Parses a presentation from a JSON object.
    ///
    /// # Errors
    /// As [`Presentation::from_json_str`].
    pub fn from_json(json: Map<String, Value>) -> Result<Self, CredentialError> {
        json::check_depth(&Value::Object(json.clone()))?;
        check_context(&json)?;
        read_types(&json, "VerifiablePresentation")?;
        let holder = match json.get("holder") {
            None => None,
            Some(Value::String(s)) if is_url(s) => Some(s.clone()),
            Some(Value::Object(o)) => match o.get("id") {
                Some(Value::String(s)) if is_url(s) => Some(s.clone()),
                _ => {
                    return Err(CredentialError::Invalid {
                        property: "holder",
                        reason: "a holder object must have a URL `id`".into(),
                    });
                }
            },
            Some(_) => {
                return Err(CredentialError::Invalid {
                    property: "holder",
                    reason: "must be a URL or an object with `id`".into(),
                });
            }
        };
        let credentials = match json.get("verifiableCredential") {
            None => Vec::new(),
            Some(Value::Object(one)) => vec![Credential::from_json(one.clone())?],
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Object(c) => Credential::from_json(c.clone()),
                    _ => Err(CredentialError::Invalid {
                        property: "verifiableCredential",
                        reason: "entries must be credential objects".into(),
                    }),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(CredentialError::Invalid {
                    property: "verifiableCredential",
                    reason: "must be a credential or an array of credentials".into(),
                });
            }
        };
        if let Some(proof) = json.get("proof") {
            check_proofs(proof)?;
        }
        Ok(Presentation {
            json,
            holder,
            credentials,
        })
    }

    /// Builds an unsigned presentation of `credentials` by `holder`.
    ///
    /// # Errors
    /// [`CredentialError`] if the result is not well-formed (e.g. `holder` is not a URL).
    pub fn unsigned(holder: &str, credentials: &[Credential]) -> Result<Self, CredentialError> {
        let mut json = Map::new();
        json.insert("@context".into(), Value::Array(vec![CREDENTIALS_V2.into()]));
        json.insert(
            "type".into(),
            Value::Array(vec!["VerifiablePresentation".into()]),
        );
        json.insert("holder".into(), holder.into());
        json.insert(
            "verifiableCredential".into(),
            Value::Array(
                credentials
                    .iter()
                    .map(|c| Value::Object(c.as_json().clone()))
                    .collect(),
            ),
        );
        Self::from_json(json)
    }

    /// The presentation as JSON.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The presentation as pretty-printed JSON text.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap_or_default()
    }

    /// `holder`, if present.
    pub fn holder(&self) -> Option<&str> {
        self.holder.as_deref()
    }

    /// The embedded credentials.
    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    /// The presentation's own proofs.
    pub fn proofs(&self) -> Vec<&Map<String, Value>> {
        objects(self.json.get("proof"))
    }

    /// The presentation without its proofs and without its credentials (what the holder adds).
    pub(crate) fn unsecured_without_credentials(&self) -> Map<String, Value> {
        let mut json = self.unsecured();
        json.remove("verifiableCredential");
        json
    }

    /// The presentation without its proofs.
    pub fn unsecured(&self) -> Map<String, Value> {
        let mut json = self.json.clone();
        json.remove("proof");
        json
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unsigned_presentation_json_shape_is_pinned() {
        let credential = Credential::from_json(
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential"],
                "issuer": "did:example:issuer",
                "credentialSubject": {"id": "did:example:holder"}
            })
            .as_object()
            .cloned()
            .unwrap(),
        )
        .unwrap();
        let vp = Presentation::unsigned("did:example:holder", &[credential]).unwrap();
        assert_eq!(
            Value::Object(vp.as_json().clone()),
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"],
                "holder": "did:example:holder",
                "verifiableCredential": [{
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential"],
                    "issuer": "did:example:issuer",
                    "credentialSubject": {"id": "did:example:holder"}
                }]
            })
        );
    }

    #[test]
    fn vcdm2_4_13_presentation_type_is_required() {
        let err = Presentation::from_json(
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]})
                .as_object()
                .cloned()
                .unwrap(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("VerifiablePresentation"), "{err}");
    }

    #[test]
    fn embedded_credentials_must_be_well_formed() {
        let err = Presentation::from_json(
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [{"type": ["VerifiableCredential"]}]
            })
            .as_object()
            .cloned()
            .unwrap(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("@context"), "{err}");
    }
}
