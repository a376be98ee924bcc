//! lommebok's JCS suites on ssi's Data Integrity traits (feature `ssi-suites`): the W3C
//! eddsa-jcs-2022 vector through ssi's `sign_with` and `verify`, and credentials crossing
//! between lommebok and ssi in both directions.

use std::sync::Arc;

use did_method_key::DIDKey;
use lommebok::data_integrity::Cryptosuite;
use lommebok::ssi_suites::{EcdsaJcs2019, EddsaJcs2022, JcsCryptosuite};
use lommebok::{Algorithm, Credential, Did, Issuer, Signer, SoftwareKey};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use ssi_claims_core::{
    Invalid, InvalidProof, ProofValidationError, SignatureEnvironment, ValidateProof,
    VerificationParameters,
};
use ssi_data_integrity_core::suite::CryptographicSuiteSigning;
use ssi_data_integrity_core::suite::bounds::DeserializeCryptographicSuiteOwned;
use ssi_data_integrity_core::{
    CryptographicSuite, DataIntegrity, DataIntegrityDocument, ProofOptions,
};
use ssi_dids_core::VerificationMethodDIDResolver;
use ssi_json_ld::CompactJsonLd;
use ssi_jwk::JWK;
use ssi_verification_methods::{Multikey, ProofPurpose, SingleSecretSigner};

use crate::support::{key, now, verifier};
use crate::vectors;

type Resolver = VerificationMethodDIDResolver<DIDKey, Multikey>;

fn resolver() -> Resolver {
    VerificationMethodDIDResolver::new(DIDKey)
}

fn params() -> VerificationParameters<Resolver> {
    VerificationParameters::from_resolver(resolver())
}

/// ssi's `verify`: `Ok` when valid, else why the proof is invalid. An outer error (could not
/// process) fails the test.
fn ssi_verify<S>(text: &str) -> Result<(), InvalidProof>
where
    S: DeserializeCryptographicSuiteOwned,
    DataIntegrity<DataIntegrityDocument, S>: DeserializeOwned,
    ssi_data_integrity_core::Proofs<S>:
        ValidateProof<VerificationParameters<Resolver>, DataIntegrityDocument>,
{
    let secured: DataIntegrity<DataIntegrityDocument, S> = serde_json::from_str(text).unwrap();
    let verification =
        pollster::block_on(secured.verify(params())).expect("the proof could be processed");
    verification.map_err(|invalid| match invalid {
        Invalid::Proof(why) => why,
        Invalid::Claims(why) => panic!("claims refused: {why}"),
    })
}

/// ssi's `sign_with` with `suite`, the key's did:key verification method, and the proof's
/// `@context` set to the document's (as the JCS suites require when signing).
fn ssi_sign<S>(
    suite: S,
    document: DataIntegrityDocument,
    key: &SoftwareKey,
    verification_method: &str,
    created: &str,
) -> DataIntegrity<DataIntegrityDocument, S>
where
    S: CryptographicSuite<
            VerificationMethod = Multikey,
            Configuration = lommebok::ssi_suites::JcsConfiguration,
            ProofOptions = (),
        > + for<'a> CryptographicSuiteSigning<
            DataIntegrityDocument,
            SignatureEnvironment,
            &'a Resolver,
            SingleSecretSigner<JWK>,
        >,
{
    let jwk: JWK = serde_json::from_str(&key.to_private_jwk()).unwrap();
    let mut options = ProofOptions::new(
        created.parse().unwrap(),
        serde_json::from_value(json!(verification_method)).unwrap(),
        ProofPurpose::Assertion,
        (),
    );
    options.context = document.context.clone();
    let resolver = resolver();
    pollster::block_on(suite.sign_with(
        SignatureEnvironment::default(),
        document,
        &resolver,
        SingleSecretSigner::new(jwk),
        options,
        (),
    ))
    .unwrap()
}

fn to_string(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

fn vector_key(root: &std::path::Path) -> SoftwareKey {
    SoftwareKey::from_multikey_json(&vectors::read(root, "vc-di-eddsa/keyPair.json")).unwrap()
}

#[test]
fn eddsa_jcs_2022_sign_with_reproduces_the_w3c_vector() {
    let Some(root) = vectors::root() else { return };
    let unsigned: DataIntegrityDocument =
        serde_json::from_str(&vectors::read(&root, "vc-di-eddsa/unsigned.json")).unwrap();
    let expected = vectors::object(&root, "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    let proof = expected["proof"].as_object().unwrap();
    let signed = ssi_sign(
        EddsaJcs2022,
        unsigned,
        &vector_key(&root),
        proof["verificationMethod"].as_str().unwrap(),
        proof["created"].as_str().unwrap(),
    );
    assert_eq!(
        signed.proofs[0].signature.proof_value,
        vectors::read(&root, "vc-di-eddsa/eddsa-jcs-2022/sigBTC58JCS.txt").trim()
    );
    // The whole secured document, proof included, is the vector's.
    assert_eq!(
        serde_json::to_value(&signed).unwrap(),
        Value::Object(expected)
    );
}

#[test]
fn eddsa_jcs_2022_w3c_vector_verifies_through_ssi_and_a_changed_claim_does_not() {
    let Some(root) = vectors::root() else { return };
    let text = vectors::read(&root, "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    assert_eq!(ssi_verify::<EddsaJcs2022>(&text), Ok(()));

    let mut changed: Map<String, Value> = serde_json::from_str(&text).unwrap();
    changed["credentialSubject"]["alumniOf"] = json!("The School of Counterexamples");
    assert_eq!(
        ssi_verify::<EddsaJcs2022>(&to_string(&changed)),
        Err(InvalidProof::Signature)
    );

    // The other JCS suite refuses the proof type outright.
    assert!(
        serde_json::from_str::<DataIntegrity<DataIntegrityDocument, EcdsaJcs2019>>(&text).is_err()
    );
}

#[test]
fn eddsa_jcs_2022_w3c_vector_as_compact_json_ld_deserializes_and_its_proofs_verify() {
    // `DataIntegrity<CompactJsonLd, _>::verify` does not compile (ssi has no `ValidateClaims` for
    // `CompactJsonLd`); the proofs verify through `ValidateProof`.
    let Some(root) = vectors::root() else { return };
    let text = vectors::read(&root, "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    let secured: DataIntegrity<CompactJsonLd, EddsaJcs2022> = serde_json::from_str(&text).unwrap();
    assert_eq!(secured.proofs.len(), 1);
    let params = params();
    let validity =
        pollster::block_on(secured.proofs.validate_proof(&params, &secured.claims)).unwrap();
    assert_eq!(validity, Ok(()));

    let mut changed = secured.clone();
    let subject = changed.claims.0.as_object_mut().unwrap();
    let name = json_syntax::Value::String("Someone Else".into());
    subject.insert("name".into(), name);
    let validity =
        pollster::block_on(changed.proofs.validate_proof(&params, &changed.claims)).unwrap();
    assert_eq!(validity, Err(InvalidProof::Signature));
}

/// An unsigned credential from the key's did:key about another did:key, with the VC v2 and
/// examples v2 contexts (and numbers, which both sides must hash alike).
fn unsigned_credential(issuer: &Issuer) -> Credential {
    let subject = Did::from_public_key(&key(Algorithm::Ed25519, 9).public_key());
    issuer
        .credential()
        .with_context(json!("https://www.w3.org/ns/credentials/examples/v2"))
        .with_id("urn:uuid:0c2f7f52-4e2c-4d38-9a3b-5b0e6f1c2d11")
        .with_type("ExampleAlumniCredential")
        .valid_from(now() - chrono::Duration::days(30))
        .with_subject_id(subject.as_str())
        .with_claim("alumniOf", json!("Universitetet i Tromsø"))
        .with_claim("share", json!(0.25))
        .with_claim("credits", json!(180))
        .build()
        .unwrap()
}

fn jcs_issuer(suite: Cryptosuite, secret: u8) -> (Issuer, Arc<SoftwareKey>) {
    let signer = key(suite.algorithm(), secret);
    let issuer = Issuer::new(signer.clone()).with_cryptosuite(suite).unwrap();
    (issuer, signer)
}

fn lommebok_signed_verifies_through_ssi<S>()
where
    S: JcsCryptosuite + DeserializeCryptographicSuiteOwned,
    DataIntegrity<DataIntegrityDocument, S>: DeserializeOwned,
    ssi_data_integrity_core::Proofs<S>:
        ValidateProof<VerificationParameters<Resolver>, DataIntegrityDocument>,
{
    let (issuer, _) = jcs_issuer(S::CRYPTOSUITE, 11);
    let credential = issuer
        .issue_at(&unsigned_credential(&issuer), now())
        .unwrap();
    let text = credential.to_json_string();
    assert!(verifier().verify_credential(&text).unwrap().is_valid());
    assert_eq!(ssi_verify::<S>(&text), Ok(()), "{}", S::CRYPTOSUITE);

    let mut changed = credential.into_json();
    changed["credentialSubject"]["share"] = json!(0.5);
    assert_eq!(
        ssi_verify::<S>(&to_string(&changed)),
        Err(InvalidProof::Signature),
        "{}",
        S::CRYPTOSUITE
    );
}

#[test]
fn eddsa_jcs_2022_credential_signed_by_lommebok_verifies_through_ssi() {
    lommebok_signed_verifies_through_ssi::<EddsaJcs2022>();
}

#[test]
fn ecdsa_jcs_2019_credential_signed_by_lommebok_verifies_through_ssi() {
    lommebok_signed_verifies_through_ssi::<EcdsaJcs2019>();
}

fn ssi_signed_verifies_through_lommebok<S>(suite: S)
where
    S: JcsCryptosuite
        + CryptographicSuite<
            VerificationMethod = Multikey,
            Configuration = lommebok::ssi_suites::JcsConfiguration,
            ProofOptions = (),
        > + for<'a> CryptographicSuiteSigning<
            DataIntegrityDocument,
            SignatureEnvironment,
            &'a Resolver,
            SingleSecretSigner<JWK>,
        >,
    DataIntegrity<DataIntegrityDocument, S>: Serialize,
{
    let (issuer, signer) = jcs_issuer(S::CRYPTOSUITE, 12);
    let unsigned: DataIntegrityDocument =
        serde_json::from_str(&unsigned_credential(&issuer).to_json_string()).unwrap();
    let signed = ssi_sign(
        suite,
        unsigned,
        &signer,
        &Did::key_verification_method(&signer.public_key()),
        "2026-06-01T11:00:00Z",
    );
    let text = to_string(&signed);
    let outcome = verifier().verify_credential(&text).unwrap();
    assert!(
        outcome.is_valid(),
        "{}: {:#?}",
        S::CRYPTOSUITE,
        outcome.report
    );
    let proofs = outcome.verified().unwrap().credential().proofs()[0].clone();
    assert_eq!(proofs["cryptosuite"], json!(S::CRYPTOSUITE.name()));
    assert_eq!(
        proofs["@context"],
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ])
    );

    let mut changed: Map<String, Value> = serde_json::from_str(&text).unwrap();
    changed["credentialSubject"]["credits"] = json!(181);
    let outcome = verifier().verify_credential(&to_string(&changed)).unwrap();
    assert!(!outcome.is_valid(), "{}", S::CRYPTOSUITE);
    assert!(outcome.report.failed(lommebok::CheckKind::Proof));
}

#[test]
fn eddsa_jcs_2022_credential_signed_through_ssi_verifies_through_lommebok() {
    ssi_signed_verifies_through_lommebok(EddsaJcs2022);
}

#[test]
fn ecdsa_jcs_2019_credential_signed_through_ssi_verifies_through_lommebok() {
    ssi_signed_verifies_through_lommebok(EcdsaJcs2019);
}

#[test]
fn proof_context_that_does_not_start_the_document_context_is_invalid() {
    let Some(root) = vectors::root() else { return };
    let text = vectors::read(&root, "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json");
    let v2 = "https://www.w3.org/ns/credentials/v2";
    let examples = "https://www.w3.org/ns/credentials/examples/v2";
    for proof_context in [
        json!([examples, v2]),
        json!([examples]),
        json!([v2, examples, "https://w3id.org/security/data-integrity/v2"]),
    ] {
        let mut changed: Map<String, Value> = serde_json::from_str(&text).unwrap();
        changed["proof"]["@context"] = proof_context.clone();
        let Err(InvalidProof::Other(why)) = ssi_verify::<EddsaJcs2022>(&to_string(&changed)) else {
            panic!("{proof_context} was not refused for its @context");
        };
        assert!(why.contains("@context"), "{why}");
        // lommebok's own verifier agrees.
        let (document, proof) = split(changed);
        let key = vector_key(&root).public_key();
        let contexts = lommebok::contexts::ContextRegistry::new();
        assert!(
            !lommebok::data_integrity::verify_proof(&document, &proof, &key, &contexts).unwrap()
        );
    }
    // A proper prefix passes the @context rule and then fails on the signature, since the
    // vector signed the full @context.
    let mut changed: Map<String, Value> = serde_json::from_str(&text).unwrap();
    changed["proof"]["@context"] = json!([v2]);
    assert_eq!(
        ssi_verify::<EddsaJcs2022>(&to_string(&changed)),
        Err(InvalidProof::Signature)
    );
}

#[test]
fn signing_refuses_a_proof_context_other_than_the_documents() {
    let Some(root) = vectors::root() else { return };
    let unsigned: DataIntegrityDocument =
        serde_json::from_str(&vectors::read(&root, "vc-di-eddsa/unsigned.json")).unwrap();
    let key = vector_key(&root);
    let jwk: JWK = serde_json::from_str(&key.to_private_jwk()).unwrap();
    let vm = Did::key_verification_method(&key.public_key());
    let resolver = resolver();
    for context in [None, Some(json!(["https://www.w3.org/ns/credentials/v2"]))] {
        let mut options = ProofOptions::new(
            "2023-02-24T23:36:38Z".parse().unwrap(),
            serde_json::from_value(json!(vm)).unwrap(),
            ProofPurpose::Assertion,
            (),
        );
        options.context = context.map(|c| serde_json::from_value(c).unwrap());
        let result = pollster::block_on(EddsaJcs2022.sign_with(
            SignatureEnvironment::default(),
            unsigned.clone(),
            &resolver,
            SingleSecretSigner::new(jwk.clone()),
            options,
            (),
        ));
        let Err(err) = result else {
            panic!("signing must fail")
        };
        assert!(err.to_string().contains("@context"), "{err}");
    }
}

#[test]
fn a_p256_key_cannot_verify_an_eddsa_jcs_2022_proof() {
    // An ecdsa-jcs-2019 credential relabelled as eddsa-jcs-2022: the P-256 Multikey does not fit.
    let (issuer, _) = jcs_issuer(Cryptosuite::EcdsaJcs2019, 13);
    let credential = issuer
        .issue_at(&unsigned_credential(&issuer), now())
        .unwrap();
    let mut relabelled = credential.into_json();
    relabelled["proof"]["cryptosuite"] = json!("eddsa-jcs-2022");
    let secured: DataIntegrity<DataIntegrityDocument, EddsaJcs2022> =
        serde_json::from_str(&to_string(&relabelled)).unwrap();
    let outcome = pollster::block_on(secured.verify(params()));
    assert!(
        matches!(outcome, Err(ProofValidationError::InvalidKey)),
        "{outcome:?}"
    );
}

fn split(mut secured: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let proof = secured.remove("proof").unwrap();
    (secured, proof.as_object().unwrap().clone())
}
