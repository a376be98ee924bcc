//! W3C vc-di-eddsa test vectors (Data Integrity EdDSA Cryptosuites v1.0, Appendix A).

use chrono::DateTime;
use lommebok::contexts::ContextRegistry;
use lommebok::data_integrity::{self, Cryptosuite, ProofOptions};
use lommebok::key::{Signer, SoftwareKey};
use serde_json::{Map, Value};

use crate::vectors;

struct Case {
    suite: Cryptosuite,
    dir: &'static str,
    suffix: &'static str,
    unsigned: &'static str,
}

const RDFC: Case = Case {
    suite: Cryptosuite::EddsaRdfc2022,
    dir: "vc-di-eddsa/eddsa-rdfc-2022",
    suffix: "DataInt",
    unsigned: "vc-di-eddsa/unsigned.json",
};
const RDFC_EMPLOY: Case = Case {
    suite: Cryptosuite::EddsaRdfc2022,
    dir: "vc-di-eddsa/eddsa-rdfc-2022/employ",
    suffix: "DataInt",
    unsigned: "vc-di-eddsa/employmentAuth.json",
};
const JCS: Case = Case {
    suite: Cryptosuite::EddsaJcs2022,
    dir: "vc-di-eddsa/eddsa-jcs-2022",
    suffix: "JCS",
    unsigned: "vc-di-eddsa/unsigned.json",
};

/// The bundled contexts plus the citizenship context the `employ` vector uses, registered the
/// way an application registers any extra context.
fn contexts(root: &std::path::Path) -> ContextRegistry {
    let mut contexts = ContextRegistry::new();
    contexts
        .register(
            "https://w3id.org/citizenship/v4rc1",
            &vectors::read(root, "contexts/citizenship-v4rc1.jsonld"),
        )
        .unwrap();
    contexts
}

fn key(root: &std::path::Path) -> SoftwareKey {
    SoftwareKey::from_multikey_json(&vectors::read(root, "vc-di-eddsa/keyPair.json")).unwrap()
}

fn file(case: &Case, name: &str, ext: &str) -> String {
    format!("{}/{}{}.{}", case.dir, name, case.suffix, ext)
}

fn signed(root: &std::path::Path, case: &Case) -> (Map<String, Value>, Map<String, Value>) {
    let mut signed = vectors::object(root, &file(case, "signed", "json"));
    let proof = signed.remove("proof").unwrap().as_object().unwrap().clone();
    (signed, proof)
}

fn reproduce(case: &Case) {
    let Some(root) = vectors::root() else { return };
    let contexts = contexts(&root);
    let key = key(&root);
    let unsigned = vectors::object(&root, case.unsigned);
    let (_, expected_proof) = signed(&root, case);
    let options = ProofOptions {
        cryptosuite: case.suite,
        verification_method: expected_proof["verificationMethod"]
            .as_str()
            .unwrap()
            .into(),
        proof_purpose: "assertionMethod".into(),
        created: Some(
            DateTime::parse_from_rfc3339(expected_proof["created"].as_str().unwrap())
                .unwrap()
                .into(),
        ),
        expires: None,
        challenge: None,
        domain: None,
    };
    // The intermediate values, step by step.
    let config = data_integrity::proof_configuration(&unsigned, &options);
    let hash = data_integrity::hash_data(&unsigned, &config, case.suite, &contexts).unwrap();
    let canon_ext = "txt";
    assert_eq!(
        hash.canonical_document,
        vectors::read(&root, &file(case, "canonDoc", canon_ext)),
        "canonical document"
    );
    assert_eq!(
        hash.canonical_proof_config,
        vectors::read(&root, &file(case, "proofCanon", canon_ext)),
        "canonical proof configuration"
    );
    assert_eq!(
        hex::encode(hash.document_hash),
        vectors::read(&root, &file(case, "docHash", "txt")).trim()
    );
    assert_eq!(
        hex::encode(hash.proof_hash),
        vectors::read(&root, &file(case, "proofHash", "txt")).trim()
    );
    // The whole signature, byte for byte.
    let secured = data_integrity::add_proof(&unsigned, &options, &key, &contexts).unwrap();
    assert_eq!(
        secured["proof"]["proofValue"].as_str().unwrap(),
        vectors::read(&root, &file(case, "sigBTC58", "txt")).trim()
    );
    assert_eq!(
        Value::Object(secured),
        Value::Object(vectors::object(&root, &file(case, "signed", "json")))
    );
}

fn verify(case: &Case) {
    let Some(root) = vectors::root() else { return };
    let contexts = contexts(&root);
    let (document, proof) = signed(&root, case);
    let key = key(&root).public_key();
    assert!(data_integrity::verify_proof(&document, &proof, &key, &contexts).unwrap());
}

/// Every one-character change to the signed vector's text that still parses as the same
/// shape must make verification fail (or be refused as unprocessable), never pass.
fn reject_one_character_changes(case: &Case) {
    let Some(root) = vectors::root() else { return };
    let contexts = contexts(&root);
    let key = key(&root).public_key();
    let (document, proof) = signed(&root, case);
    // Change one character in each string value of the document and of the proof.
    let mut tried = 0;
    for (name, value) in document.iter() {
        if let Some(s) = value.as_str() {
            let mut changed = document.clone();
            changed.insert(name.clone(), Value::String(change_one_char(s)));
            let ok =
                data_integrity::verify_proof(&changed, &proof, &key, &contexts).unwrap_or(false);
            assert!(!ok, "document member `{name}` changed, still verifies");
            tried += 1;
        }
    }
    for (name, value) in proof.iter() {
        if let Some(s) = value.as_str() {
            let mut changed = proof.clone();
            changed.insert(name.clone(), Value::String(change_one_char(s)));
            let ok =
                data_integrity::verify_proof(&document, &changed, &key, &contexts).unwrap_or(false);
            assert!(!ok, "proof member `{name}` changed, still verifies");
            tried += 1;
        }
    }
    assert!(tried >= 8, "only {tried} changes tried");
}

fn change_one_char(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

#[test]
fn eddsa_rdfc_2022_reproduces_proof_value_and_intermediates() {
    reproduce(&RDFC);
}

#[test]
fn eddsa_rdfc_2022_employ_reproduces_proof_value_and_intermediates() {
    reproduce(&RDFC_EMPLOY);
}

#[test]
fn eddsa_jcs_2022_reproduces_proof_value_and_intermediates() {
    reproduce(&JCS);
}

#[test]
fn eddsa_rdfc_2022_signed_vector_verifies() {
    verify(&RDFC);
}

#[test]
fn eddsa_rdfc_2022_employ_signed_vector_verifies() {
    verify(&RDFC_EMPLOY);
}

#[test]
fn eddsa_jcs_2022_signed_vector_verifies() {
    verify(&JCS);
}

#[test]
fn eddsa_rdfc_2022_rejects_one_character_changes() {
    reject_one_character_changes(&RDFC);
}

#[test]
fn eddsa_rdfc_2022_employ_rejects_one_character_changes() {
    reject_one_character_changes(&RDFC_EMPLOY);
}

#[test]
fn eddsa_jcs_2022_rejects_one_character_changes() {
    reject_one_character_changes(&JCS);
}

/// The proof set and proof chain vectors: every proof verifies with its key from
/// `multiKeyPairs.json`, each over the document plus the proofs its `previousProof` names.
fn verify_every_proof(file: &str, expected_proofs: usize) {
    let Some(root) = vectors::root() else { return };
    let contexts = ContextRegistry::new();
    let pairs = vectors::object(&root, "vc-di-eddsa/proof-set-chain/multiKeyPairs.json");
    let mut signed = vectors::object(&root, &format!("vc-di-eddsa/proof-set-chain/{file}"));
    let proofs = signed.remove("proof").unwrap();
    let proofs: Vec<&Map<String, Value>> = match &proofs {
        Value::Array(set) => set.iter().map(|p| p.as_object().unwrap()).collect(),
        one => vec![one.as_object().unwrap()],
    };
    assert_eq!(proofs.len(), expected_proofs);
    for proof in &proofs {
        let vm = proof["verificationMethod"].as_str().unwrap();
        let multibase = vm.split('#').nth(1).unwrap();
        assert!(
            pairs.values().any(|p| p["publicKeyMultibase"] == multibase),
            "{vm} not in multiKeyPairs"
        );
        let key = lommebok::PublicKey::from_multibase(multibase).unwrap();
        let input = data_integrity::proof_input(&signed, &proofs, proof).unwrap();
        assert!(
            data_integrity::verify_proof(&input, proof, &key, &contexts).unwrap(),
            "{file}: {vm}"
        );
        // Without the previous proofs it covers, a chained proof must not verify.
        if proof.contains_key("previousProof") {
            assert!(!data_integrity::verify_proof(&signed, proof, &key, &contexts).unwrap());
        }
    }
}

#[test]
fn vc_di_4_3_proof_set_of_one_verifies() {
    verify_every_proof("signedProofSet1.json", 1);
}

#[test]
fn vc_di_4_3_proof_set_of_two_verifies() {
    verify_every_proof("signedProofSet2.json", 2);
}

#[test]
fn vc_di_4_4_proof_chain_of_three_verifies() {
    verify_every_proof("signedProofChain1.json", 3);
}

#[test]
fn vc_di_4_4_proof_chain_of_four_verifies() {
    verify_every_proof("signedProofChain2.json", 4);
}

#[test]
fn ed25519_signature_2020_vector_is_skipped_with_a_reason() {
    // Ed25519Signature2020 is a legacy suite (not DataIntegrityProof); lommebok refuses it
    // rather than verifying it, and says so.
    let Some(root) = vectors::root() else { return };
    let mut signed = vectors::object(&root, "vc-di-eddsa/Ed25519Signature2020/signedEdSig.json");
    let proof = signed.remove("proof").unwrap();
    let key = key(&root).public_key();
    let err = data_integrity::verify_proof(
        &signed,
        proof.as_object().unwrap(),
        &key,
        &ContextRegistry::new(),
    )
    .unwrap_err();
    eprintln!("SKIP Ed25519Signature2020: not supported by lommebok ({err})");
    assert!(err.to_string().contains("DataIntegrityProof"));
}
