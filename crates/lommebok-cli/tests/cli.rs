//! The `lommebok` binary end to end: files in, JSON out, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use tempfile::TempDir;

/// The instant the tests sign and verify at.
const NOW: &str = "2026-06-01T12:00:00Z";
const CHALLENGE: &str = "k3Jx9q2Vv5mT0aBcDeFgHw";
const DOMAIN: &str = "apotek.example";
const EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";
const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// The did:key of the Ed25519 key whose seed is 32 bytes of 0x01 (checked independently against
/// RFC 8032 key derivation and the did:key encoding: multicodec 0xed01, base58btc).
const DID_SEED_01: &str = "did:key:z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

fn lommebok_with_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lommebok"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lommebok binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn lommebok(args: &[&str]) -> Run {
    lommebok_with_stdin(args, None)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn seed(byte: u8) -> String {
    hex_byte(byte).repeat(32)
}

fn hex_byte(byte: u8) -> String {
    format!("{byte:02x}")
}

fn failed_checks(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == json!(false))
        .map(|c| c["check"].as_str().unwrap().to_owned())
        .collect()
}

/// A temporary directory with an issuer (a municipality) and a holder (a citizen), each a key
/// file made by `key generate --seed`.
struct Scene {
    dir: TempDir,
    issuer_key: PathBuf,
    issuer_did: String,
    holder_key: PathBuf,
    holder_did: String,
}

impl Scene {
    fn new(alg: &str) -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let issuer_key = dir.path().join("municipality.key.json");
        let holder_key = dir.path().join("citizen.key.json");
        let mut dids = Vec::new();
        for (path, byte) in [(&issuer_key, 1), (&holder_key, 2)] {
            let generated = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(byte)]);
            generated.expect(0);
            assert!(generated.json()["secretKeyMultibase"].is_string());
            std::fs::write(path, &generated.stdout).unwrap();
            let did = lommebok(&["did", "--key", p(path)]);
            did.expect(0);
            let did = did.json();
            let id = did["did"].as_str().unwrap().to_owned();
            assert!(id.starts_with("did:key:z"), "{id}");
            assert!(
                did["verificationMethod"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{id}#"))
            );
            assert!(did.get("secretKeyMultibase").is_none());
            dids.push(id);
        }
        let holder_did = dids.pop().unwrap();
        let issuer_did = dids.pop().unwrap();
        Scene {
            dir,
            issuer_key,
            issuer_did,
            holder_key,
            holder_did,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// An unsigned residence credential from the issuer about the holder, valid for 2026.
    fn unsigned(&self) -> Value {
        json!({
            "@context": [CREDENTIALS_V2, EXAMPLES_V2],
            "id": "urn:uuid:3f0b0c2e-6a61-4c1e-9d7e-6b1f0f3a2b10",
            "type": ["VerifiableCredential", "ResidenceCredential"],
            "issuer": self.issuer_did,
            "validFrom": "2026-01-01T00:00:00Z",
            "validUntil": "2027-01-01T00:00:00Z",
            "credentialSubject": {
                "id": self.holder_did,
                "municipality": "Tromsø",
            },
        })
    }

    /// Issues the unsigned credential with `suite` (None: the key's default) into `name`.
    fn issue(&self, suite: Option<&str>, name: &str) -> PathBuf {
        let unsigned = self.write("unsigned.json", &self.unsigned().to_string());
        let mut args = vec![
            "issue",
            "--key",
            p(&self.issuer_key),
            "--in",
            p(&unsigned),
            "--created",
            NOW,
        ];
        if let Some(suite) = suite {
            args.extend(["--suite", suite]);
        }
        let issued = lommebok(&args);
        issued.expect(0);
        let vc = issued.json();
        assert_eq!(vc["issuer"], json!(self.issuer_did));
        assert_eq!(vc["proof"]["created"], json!(NOW));
        if let Some(suite) = suite {
            assert_eq!(vc["proof"]["cryptosuite"], json!(suite));
        }
        self.write(name, &issued.stdout)
    }

    /// Presents `credential` for the test challenge and domain into `vp.json`.
    fn present(&self, credential: &Path) -> PathBuf {
        let presented = lommebok(&[
            "present",
            "--key",
            p(&self.holder_key),
            "--credential",
            p(credential),
            "--challenge",
            CHALLENGE,
            "--domain",
            DOMAIN,
            "--created",
            NOW,
        ]);
        presented.expect(0);
        let vp = presented.json();
        assert_eq!(vp["holder"], json!(self.holder_did));
        assert_eq!(vp["proof"]["challenge"], json!(CHALLENGE));
        assert_eq!(vp["proof"]["domain"], json!(DOMAIN));
        self.write("vp.json", &presented.stdout)
    }

    fn verify(&self, document: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["verify", "--in", p(document), "--now", NOW];
        args.extend(extra);
        lommebok(&args)
    }

    fn verify_vp(&self, vp: &Path, challenge: &str, domain: &str) -> Run {
        self.verify(vp, &["--challenge", challenge, "--domain", domain])
    }
}

/// Issue → verify → present → verify, for every suite that fits the keys.
fn round_trip(alg: &str, suites: &[&str]) {
    let scene = Scene::new(alg);
    for suite in suites.iter().map(|s| Some(*s)).chain([None]) {
        let vc = scene.issue(suite, "vc.json");
        let verified = scene.verify(&vc, &[]);
        verified.expect(0);
        let report = verified.json();
        assert_eq!(report["valid"], json!(true), "{suite:?}: {report:#}");
        assert!(failed_checks(&report).is_empty());

        let vp = scene.present(&vc);
        let verified = scene.verify_vp(&vp, CHALLENGE, DOMAIN);
        verified.expect(0);
        let report = verified.json();
        assert_eq!(report["valid"], json!(true), "{suite:?}: {report:#}");
        for check in [
            "proof",
            "issuer_key",
            "holder_key",
            "challenge",
            "domain",
            "holder_binding",
        ] {
            assert!(
                report["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["check"] == json!(check) && c["passed"] == json!(true)),
                "{suite:?}: no passing {check} check: {report:#}"
            );
        }
    }
}

#[test]
fn round_trip_ed25519_with_every_eddsa_suite() {
    round_trip("ed25519", &["eddsa-rdfc-2022", "eddsa-jcs-2022"]);
}

#[test]
fn round_trip_p256_with_every_ecdsa_suite() {
    round_trip("p256", &["ecdsa-rdfc-2019", "ecdsa-jcs-2019"]);
}

#[test]
fn help_documents_exit_codes() {
    let help = lommebok(&["--help"]);
    help.expect(0);
    assert!(help.stdout.contains("Exit codes"), "{}", help.stdout);
    for line in [
        "0  done",
        "1  `verify` only",
        "2  usage or input error",
        "3  internal error",
    ] {
        assert!(
            help.stdout.contains(line),
            "--help lacks `{line}`:\n{}",
            help.stdout
        );
    }
    let verify_help = lommebok(&["verify", "--help"]);
    verify_help.expect(0);
    assert!(
        verify_help.stdout.contains("replay protection"),
        "{}",
        verify_help.stdout
    );
}

#[test]
fn key_generate_with_seed_is_deterministic_and_did_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    for alg in ["ed25519", "p256"] {
        let first = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(1)]);
        let second = lommebok(&["key", "generate", "--alg", alg, "--seed", &seed(1)]);
        first.expect(0);
        second.expect(0);
        assert_eq!(first.stdout, second.stdout);
        assert_eq!(first.json()["type"], json!("Multikey"));
        let key = dir.path().join(format!("{alg}.json"));
        std::fs::write(&key, &first.stdout).unwrap();
        let did = lommebok(&["did", "--key", p(&key)]);
        did.expect(0);
        assert_eq!(did.stdout, lommebok(&["did", "--key", p(&key)]).stdout);
        let prefix = if alg == "p256" {
            "did:key:zDn"
        } else {
            "did:key:z6Mk"
        };
        assert!(did.json()["did"].as_str().unwrap().starts_with(prefix));
    }
    // Ed25519 is the default algorithm.
    let default = lommebok(&["key", "generate", "--seed", &seed(1)]);
    default.expect(0);
    let key = dir.path().join("default.json");
    std::fs::write(&key, &default.stdout).unwrap();
    let did = lommebok(&["did", "--key", p(&key)]).json();
    assert_eq!(did["did"], json!(DID_SEED_01));
    assert_eq!(
        did["verificationMethod"],
        json!(format!(
            "{DID_SEED_01}#{}",
            DID_SEED_01.trim_start_matches("did:key:")
        ))
    );
}

#[test]
fn key_generate_without_seed_is_random() {
    let a = lommebok(&["key", "generate"]);
    let b = lommebok(&["key", "generate", "--alg", "ed25519"]);
    a.expect(0);
    b.expect(0);
    assert_ne!(
        a.json()["secretKeyMultibase"],
        b.json()["secretKeyMultibase"]
    );
}

#[test]
fn private_jwk_key_file_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let key =
        lommebok::SoftwareKey::from_secret_bytes(lommebok::Algorithm::Ed25519, &[1; 32]).unwrap();
    let path = dir.path().join("key.jwk");
    std::fs::write(&path, key.to_private_jwk().as_str()).unwrap();
    let did = lommebok(&["did", "--key", p(&path)]);
    did.expect(0);
    assert_eq!(did.json()["did"], json!(DID_SEED_01));
}

#[test]
fn presentation_with_wrong_challenge_is_invalid() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let run = scene.verify_vp(&vp, "another-challenge", DOMAIN);
    run.expect(1);
    let report = run.json();
    assert_eq!(report["valid"], json!(false));
    assert_eq!(failed_checks(&report), ["challenge"], "{report:#}");
    assert!(run.stderr.contains("challenge"), "{}", run.stderr);
}

#[test]
fn presentation_with_wrong_domain_is_invalid() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let run = scene.verify_vp(&vp, CHALLENGE, "evil.example");
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["domain"]);
}

#[test]
fn presentation_without_challenge_is_a_usage_error() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let run = scene.verify(&vp, &[]);
    run.expect(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn tampered_credential_is_invalid() {
    let scene = Scene::new("ed25519");
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let vc = scene.issue(Some(suite), "vc.json");
        let text = std::fs::read_to_string(&vc).unwrap();
        assert!(text.contains("Tromsø"));
        let tampered = scene.write("tampered.json", &text.replace("Tromsø", "Oslo"));
        let run = scene.verify(&tampered, &[]);
        run.expect(1);
        assert_eq!(failed_checks(&run.json()), ["proof"], "{suite}");
    }
}

#[test]
fn tampered_presentation_is_invalid() {
    let scene = Scene::new("ed25519");
    let vp = scene.present(&scene.issue(None, "vc.json"));
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&vp).unwrap()).unwrap();
    json["proof"]["domain"] = json!("evil.example");
    let tampered = scene.write("tampered-vp.json", &json.to_string());
    let run = scene.verify_vp(&tampered, CHALLENGE, "evil.example");
    run.expect(1);
    assert!(failed_checks(&run.json()).contains(&"proof".to_owned()));
}

#[test]
fn expect_issuer_restricts_trusted_issuers() {
    let scene = Scene::new("ed25519");
    let vc = scene.issue(None, "vc.json");
    scene
        .verify(&vc, &["--expect-issuer", &scene.issuer_did])
        .expect(0);
    scene
        .verify(
            &vc,
            &[
                "--expect-issuer",
                &scene.holder_did,
                "--expect-issuer",
                &scene.issuer_did,
            ],
        )
        .expect(0);

    assert_eq!(scene.issuer_did, DID_SEED_01);
    let run = scene.verify(&vc, &["--expect-issuer", &scene.holder_did]);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["trusted_issuer"]);

    // In a presentation too.
    let vp = scene.present(&vc);
    let run = scene.verify_vp(&vp, CHALLENGE, DOMAIN);
    run.expect(0);
    let mut args = vec!["--challenge", CHALLENGE, "--domain", DOMAIN];
    args.extend(["--expect-issuer", scene.holder_did.as_str()]);
    let run = scene.verify(&vp, &args);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["trusted_issuer"]);
}

#[test]
fn verifying_after_valid_until_is_invalid() {
    let scene = Scene::new("ed25519");
    let vc = scene.issue(None, "vc.json");
    let run = lommebok(&["verify", "--in", p(&vc), "--now", "2027-02-01T00:00:00Z"]);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["validity_period"]);
    let run = lommebok(&[
        "verify",
        "--in",
        p(&vc),
        "--now",
        "2025-12-01T00:00:00+01:00",
    ]);
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["validity_period"]);
}

#[test]
fn stdin_is_read_for_in_dash() {
    let scene = Scene::new("ed25519");
    let unsigned = scene.unsigned().to_string();
    let issued = lommebok_with_stdin(
        &[
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            "-",
            "--created",
            NOW,
        ],
        Some(&unsigned),
    );
    issued.expect(0);
    let run = lommebok_with_stdin(&["verify", "--in", "-", "--now", NOW], Some(&issued.stdout));
    run.expect(0);
    assert_eq!(run.json()["valid"], json!(true));
}

#[test]
fn malformed_json_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let bad = scene.write("bad.json", "{\"@context\": [");
    for args in [
        vec!["verify", "--in", p(&bad)],
        vec!["issue", "--key", p(&scene.issuer_key), "--in", p(&bad)],
        vec![
            "present",
            "--key",
            p(&scene.holder_key),
            "--credential",
            p(&bad),
            "--challenge",
            "c",
        ],
        vec!["did", "--key", p(&bad)],
    ] {
        let run = lommebok(&args);
        run.expect(2);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // Duplicate member names are refused, not resolved.
    let vc = std::fs::read_to_string(scene.issue(None, "vc.json")).unwrap();
    let duplicated = scene.write(
        "dup.json",
        &vc.replacen('{', "{\"issuer\": \"did:example:x\",", 1),
    );
    lommebok(&["verify", "--in", p(&duplicated)]).expect(2);
}

#[test]
fn not_a_credential_is_an_input_error() {
    let scene = Scene::new("ed25519");
    for (name, text) in [
        ("object.json", r#"{"hello": "world"}"#.to_owned()),
        ("array.json", "[1, 2]".to_owned()),
        ("no-issuer.json", {
            let mut unsigned = scene.unsigned();
            unsigned.as_object_mut().unwrap().remove("issuer");
            unsigned.to_string()
        }),
    ] {
        let path = scene.write(name, &text);
        let run = lommebok(&["verify", "--in", p(&path)]);
        run.expect(2);
        assert!(run.stderr.starts_with("error: "), "{name}: {}", run.stderr);
    }
    let binary = scene.path("binary.json");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    lommebok(&["verify", "--in", p(&binary)]).expect(2);
}

#[test]
fn missing_file_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let missing = scene.path("missing.json");
    for args in [
        vec!["verify", "--in", p(&missing)],
        vec!["did", "--key", p(&missing)],
        vec!["issue", "--key", p(&scene.issuer_key), "--in", p(&missing)],
        vec![
            "present",
            "--key",
            p(&scene.holder_key),
            "--credential",
            p(&missing),
            "--challenge",
            "c",
        ],
    ] {
        let run = lommebok(&args);
        run.expect(2);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("missing.json"), "{}", run.stderr);
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        vec!["key", "generate", "--alg", "rsa"],
        vec!["key", "generate", "--seed", "0102"],
        vec!["key", "generate", "--seed", "not hex"],
        vec!["verify"],
        vec!["verify", "--in", "x.json", "--now", "yesterday"],
        vec!["verify", "--in", "x.json", "--context", "no-equals-sign"],
        vec![
            "issue", "--key", "k.json", "--in", "x.json", "--suite", "rsa-2048",
        ],
        vec!["frobnicate"],
        vec![],
    ] {
        let run = lommebok(&args);
        run.expect(2);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // A P-256 scalar must be below the group order.
    lommebok(&[
        "key",
        "generate",
        "--alg",
        "p256",
        "--seed",
        &"ff".repeat(32),
    ])
    .expect(2);
}

#[test]
fn suite_that_does_not_fit_the_key_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let unsigned = scene.write("unsigned.json", &scene.unsigned().to_string());
    let run = lommebok(&[
        "issue",
        "--key",
        p(&scene.issuer_key),
        "--in",
        p(&unsigned),
        "--suite",
        "ecdsa-rdfc-2019",
    ]);
    run.expect(2);
    assert!(run.stderr.contains("ecdsa-rdfc-2019"), "{}", run.stderr);
}

#[test]
fn issuing_as_someone_else_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let unsigned = scene.write("unsigned.json", &scene.unsigned().to_string());
    let run = lommebok(&["issue", "--key", p(&scene.holder_key), "--in", p(&unsigned)]);
    run.expect(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

#[test]
fn presenting_a_credential_about_someone_else_is_an_input_error() {
    let scene = Scene::new("ed25519");
    let vc = scene.issue(None, "vc.json");
    let run = lommebok(&[
        "present",
        "--key",
        p(&scene.issuer_key),
        "--credential",
        p(&vc),
        "--challenge",
        "c",
    ]);
    run.expect(2);
    assert!(run.stderr.contains("vc.json"), "{}", run.stderr);
}

#[test]
fn presentation_of_several_credentials() {
    let scene = Scene::new("ed25519");
    let first = scene.issue(Some("eddsa-rdfc-2022"), "vc1.json");
    let second = scene.issue(Some("eddsa-jcs-2022"), "vc2.json");
    let presented = lommebok(&[
        "present",
        "--key",
        p(&scene.holder_key),
        "--credential",
        p(&first),
        "--credential",
        p(&second),
        "--challenge",
        CHALLENGE,
        "--created",
        NOW,
    ]);
    presented.expect(0);
    assert_eq!(
        presented.json()["verifiableCredential"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let vp = scene.write("vp2.json", &presented.stdout);
    let run = scene.verify(&vp, &["--challenge", CHALLENGE]);
    run.expect(0);
    let report = run.json();
    for target in ["credential[0]", "credential[1]"] {
        assert!(
            report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["target"] == json!(target))
        );
    }
}

#[test]
fn unknown_context_needs_context_argument() {
    const URL: &str = "https://kommune.example/contexts/residence/v1";
    let scene = Scene::new("ed25519");
    let mut unsigned = scene.unsigned();
    unsigned["@context"] = json!([CREDENTIALS_V2, URL]);
    let unsigned = scene.write("unsigned-custom.json", &unsigned.to_string());
    let context = scene.write(
        "residence-v1.jsonld",
        r#"{"@context": {"@vocab": "https://kommune.example/vocab#"}}"#,
    );
    let context_arg = format!("{URL}={}", p(&context));
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            p(&unsigned),
            "--created",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    };

    let refused = issue(&[]);
    refused.expect(2);
    assert!(refused.stderr.starts_with("error: "), "{}", refused.stderr);
    assert!(refused.stderr.contains(URL), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--context URL=FILE"),
        "{}",
        refused.stderr
    );

    let issued = issue(&["--context", &context_arg]);
    issued.expect(0);
    let vc = scene.write("vc-custom.json", &issued.stdout);

    // The verifier needs the context as well: without it the proof cannot be checked.
    let run = scene.verify(&vc, &[]);
    run.expect(1);
    let failed = failed_checks(&run.json());
    assert!(failed.contains(&"proof".to_owned()), "{failed:?}");
    assert!(
        failed.iter().all(|c| c == "proof" || c == "context"),
        "{failed:?}"
    );
    scene.verify(&vc, &["--context", &context_arg]).expect(0);

    // So does the holder, whose presentation proof covers the credential.
    let present = |extra: &[&str]| {
        let mut args = vec![
            "present",
            "--key",
            p(&scene.holder_key),
            "--credential",
            p(&vc),
            "--challenge",
            CHALLENGE,
            "--created",
            NOW,
        ];
        args.extend(extra);
        lommebok(&args)
    };
    present(&[]).expect(2);
    let presented = present(&["--context", &context_arg]);
    presented.expect(0);
    let vp = scene.write("vp-custom.json", &presented.stdout);
    scene
        .verify(&vp, &["--challenge", CHALLENGE, "--context", &context_arg])
        .expect(0);

    // A bundled context cannot be replaced, nor one given twice.
    for url in [CREDENTIALS_V2, URL] {
        let run = issue(&[
            "--context",
            &context_arg,
            "--context",
            &format!("{url}={}", p(&context)),
        ]);
        run.expect(2);
        assert!(run.stderr.contains("cannot be replaced"), "{}", run.stderr);
    }
    let run = scene.verify(
        &vc,
        &["--context", &format!("{CREDENTIALS_V2}={}", p(&context))],
    );
    run.expect(2);

    // A context file that is not a context is an input error.
    let not_context = scene.write("not-context.json", r#"{"hello": "world"}"#);
    issue(&["--context", &format!("{URL}={}", p(&not_context))]).expect(2);
}

#[test]
fn undefined_term_is_an_input_error_for_rdfc_suites() {
    let scene = Scene::new("ed25519");
    let mut unsigned = scene.unsigned();
    // Without the examples context, `ResidenceCredential` and `municipality` are undefined.
    unsigned["@context"] = json!([CREDENTIALS_V2]);
    let unsigned = scene.write("undefined.json", &unsigned.to_string());
    let run = lommebok(&["issue", "--key", p(&scene.issuer_key), "--in", p(&unsigned)]);
    run.expect(2);
    assert!(run.stderr.starts_with("error: JSON-LD"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}
