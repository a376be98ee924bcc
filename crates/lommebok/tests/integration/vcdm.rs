//! The VCDM 2.0 specification's own examples: every credential and presentation example parses,
//! each becomes not-a-credential when a required property is taken away, and their illustrative
//! (unverifiable) proofs give an invalid report, never a pass or a panic.

use lommebok::{Credential, Presentation};
use serde_json::Value;

use crate::{support, vectors};

const CREDENTIALS: &[&str] = &[
    "example-1",
    "example-4",
    "example-11",
    "example-12",
    "example-13",
    "example-18",
    "example-20",
    "example-21",
    "example-23",
];
const PRESENTATIONS: &[&str] = &["example-2", "example-25", "example-45"];

#[test]
fn vcdm2_credential_examples_parse() {
    let Some(root) = vectors::root() else { return };
    for name in CREDENTIALS {
        let text = vectors::read(
            &root,
            &format!("vcdm-2.0/verifiable-credential/{name}.json"),
        );
        let credential = Credential::from_json_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            credential
                .types()
                .iter()
                .any(|t| t == "VerifiableCredential"),
            "{name}"
        );
    }
}

#[test]
fn vcdm2_presentation_examples_parse() {
    let Some(root) = vectors::root() else { return };
    for name in PRESENTATIONS {
        let text = vectors::read(
            &root,
            &format!("vcdm-2.0/verifiable-presentation/{name}.json"),
        );
        Presentation::from_json_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn vcdm2_credential_examples_without_a_required_property_are_rejected() {
    let Some(root) = vectors::root() else { return };
    for name in CREDENTIALS {
        let text = vectors::read(
            &root,
            &format!("vcdm-2.0/verifiable-credential/{name}.json"),
        );
        for required in ["@context", "type", "issuer", "credentialSubject"] {
            let mut json: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
            json.remove(required);
            let err = Credential::from_json(json).unwrap_err();
            assert!(
                err.to_string().contains(required),
                "{name} without {required}: {err}"
            );
        }
    }
}

#[test]
fn vcdm2_examples_illustrative_proofs_do_not_verify() {
    let Some(root) = vectors::root() else { return };
    let verifier = support::verifier();
    for name in CREDENTIALS {
        let text = vectors::read(
            &root,
            &format!("vcdm-2.0/verifiable-credential/{name}.json"),
        );
        let outcome = verifier.verify_credential(&text).unwrap();
        assert!(!outcome.is_valid(), "{name} verified");
        assert!(
            outcome.report.failures().next().is_some(),
            "{name}: no failed check"
        );
    }
}
