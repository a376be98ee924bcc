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

const REVOCATION_LIST: &str = "https://kommune.example/status/revocation/1";
const SUSPENSION_LIST: &str = "https://kommune.example/status/suspension/1";
const MESSAGE_LIST: &str = "https://kommune.example/status/message/1";

/// The status checks of a verification report: (passed, reason), in order.
fn status_checks(report: &Value) -> Vec<(bool, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == json!("status"))
        .map(|c| {
            (
                c["passed"].as_bool().unwrap(),
                c["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A credential's `credentialStatus` entries (one entry is an object, several an array).
fn status_entries(vc: &Value) -> Vec<Value> {
    match &vc["credentialStatus"] {
        Value::Array(entries) => entries.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

impl Scene {
    fn db(&self) -> PathBuf {
        self.path("status.sqlite")
    }

    /// `lommebok status <args> --db <the scene's database>`.
    fn status(&self, args: &[&str]) -> Run {
        let db = self.db();
        let mut all = vec!["status"];
        all.extend(args);
        all.extend(["--db", p(&db)]);
        lommebok(&all)
    }

    fn create_list(&self, url: &str, purpose: &str) {
        let run = self.status(&["create", "--url", url, "--purpose", purpose]);
        run.expect(0);
        assert_eq!(
            run.json(),
            json!({"url": url, "purpose": purpose, "size": 1, "entries": 131_072})
        );
    }

    /// Issues the unsigned credential, without an id, with an entry in each of `lists`; returns
    /// the file and the id the issuer gave it.
    fn issue_with_status(&self, lists: &[&str], name: &str) -> (PathBuf, String) {
        let mut unsigned = self.unsigned();
        unsigned.as_object_mut().unwrap().remove("id");
        let unsigned = self.write("unsigned-status.json", &unsigned.to_string());
        let db = self.db();
        let mut args = vec![
            "issue",
            "--key",
            p(&self.issuer_key),
            "--in",
            p(&unsigned),
            "--created",
            NOW,
            "--status-db",
            p(&db),
        ];
        for list in lists {
            args.extend(["--status-list", list]);
        }
        let issued = lommebok(&args);
        issued.expect(0);
        let vc = issued.json();
        let id = vc["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("urn:uuid:"), "{id}");
        let entries = status_entries(&vc);
        assert_eq!(entries.len(), lists.len());
        for (entry, list) in entries.iter().zip(lists) {
            assert_eq!(entry["type"], json!("BitstringStatusListEntry"));
            assert_eq!(entry["statusListCredential"], json!(list));
        }
        (self.write(name, &issued.stdout), id)
    }

    /// Publishes `url` as it stands (valid from the test's NOW for a day) into a file.
    fn publish(&self, url: &str) -> PathBuf {
        let run = self.status(&[
            "publish",
            "--key",
            p(&self.issuer_key),
            "--url",
            url,
            "--now",
            NOW,
        ]);
        run.expect(0);
        let list = run.json();
        assert_eq!(list["id"], json!(url));
        assert_eq!(list["issuer"], json!(self.issuer_did));
        assert!(
            list["type"]
                .as_array()
                .unwrap()
                .contains(&json!("BitstringStatusListCredential"))
        );
        assert_eq!(
            list["credentialSubject"]["type"],
            json!("BitstringStatusList")
        );
        assert_eq!(list["validFrom"], json!(NOW));
        assert_eq!(list["validUntil"], json!("2026-06-02T12:00:00Z"));
        let name = format!("list-{}.json", url.rsplit('/').nth(1).unwrap());
        self.write(&name, &run.stdout)
    }

    /// Verifies `vc` with each published list given as --status-list.
    fn verify_with_lists(&self, vc: &Path, lists: &[(&str, &Path)]) -> Run {
        let args: Vec<String> = lists
            .iter()
            .flat_map(|(url, file)| ["--status-list".to_owned(), format!("{url}={}", p(file))])
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.verify(vc, &args)
    }
}

/// The issuer's and the verifier's whole story: lists, issuing with status, publishing,
/// verifying, suspending, unsuspending, revoking. Every command is a new process over the same
/// database file, so state surviving between them is part of the story.
#[test]
fn status_story_issue_publish_verify_suspend_revoke() {
    let scene = Scene::new("ed25519");
    scene.create_list(REVOCATION_LIST, "revocation");
    scene.create_list(SUSPENSION_LIST, "suspension");
    let (vc, id) = scene.issue_with_status(&[REVOCATION_LIST, SUSPENSION_LIST], "vc.json");

    let show = scene.status(&["show"]);
    show.expect(0);
    let lists = show.json()["lists"].as_array().unwrap().clone();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0]["url"], json!(REVOCATION_LIST));
    assert_eq!(lists[1]["purpose"], json!("suspension"));
    assert!(
        lists
            .iter()
            .all(|l| l["allocated"] == json!(1) && l["set"] == json!(0))
    );

    let publish_both = || {
        let revocation = scene.publish(REVOCATION_LIST);
        let suspension = scene.publish(SUSPENSION_LIST);
        (revocation, suspension)
    };
    let verify_both = |(revocation, suspension): &(PathBuf, PathBuf)| {
        scene.verify_with_lists(
            &vc,
            &[
                (REVOCATION_LIST, revocation.as_path()),
                (SUSPENSION_LIST, suspension.as_path()),
            ],
        )
    };

    let published = publish_both();
    let run = verify_both(&published);
    run.expect(0);
    assert_eq!(
        status_checks(&run.json()),
        [
            (true, "not revoked".to_owned()),
            (true, "not suspended".to_owned())
        ]
    );

    // Suspend: the printed status says so, and verifiers see it in the next published list.
    let suspended = scene.status(&["suspend", "--id", &id]);
    suspended.expect(0);
    let status = suspended.json();
    assert_eq!(status["id"], json!(id));
    let values: Vec<_> = status["status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["purpose"].as_str().unwrap(), s["value"].as_u64().unwrap()))
        .collect();
    assert_eq!(values, [("revocation", 0), ("suspension", 1)]);
    verify_both(&published).expect(0);
    let run = verify_both(&publish_both());
    run.expect(1);
    assert_eq!(failed_checks(&run.json()), ["status"]);
    assert_eq!(
        status_checks(&run.json()),
        [
            (true, "not revoked".to_owned()),
            (false, "suspended".to_owned())
        ]
    );
    assert!(run.stderr.contains("suspended"), "{}", run.stderr);

    scene.status(&["unsuspend", "--id", &id]).expect(0);
    verify_both(&publish_both()).expect(0);

    // Revoke.
    let revoked = scene.status(&["revoke", "--id", &id]);
    revoked.expect(0);
    assert_eq!(revoked.json()["status"][0]["purpose"], json!("revocation"));
    assert_eq!(revoked.json()["status"][0]["value"], json!(1));
    let published = publish_both();
    let run = verify_both(&published);
    run.expect(1);
    let report = run.json();
    assert_eq!(failed_checks(&report), ["status"]);
    assert_eq!(status_checks(&report)[0], (false, "revoked".to_owned()));

    // The database remembers, for `show` too.
    let show = scene.status(&["show", "--id", &id]);
    show.expect(0);
    assert_eq!(show.json(), revoked.json());
    let show = scene.status(&["show"]);
    show.expect(0);
    assert_eq!(show.json()["lists"][0]["set"], json!(1));
    assert_eq!(show.json()["lists"][1]["set"], json!(0));

    // A second credential gets other indices, and is not revoked.
    let (other, other_id) =
        scene.issue_with_status(&[REVOCATION_LIST, SUSPENSION_LIST], "other.json");
    assert_ne!(other_id, id);
    let indices = |file: &Path| -> Vec<Value> {
        let vc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        status_entries(&vc)
            .iter()
            .map(|e| e["statusListIndex"].clone())
            .collect()
    };
    assert_ne!(indices(&other)[0], indices(&vc)[0]);
    let published = publish_both();
    scene
        .verify_with_lists(
            &other,
            &[
                (REVOCATION_LIST, published.0.as_path()),
                (SUSPENSION_LIST, published.1.as_path()),
            ],
        )
        .expect(0);

    // Without the lists, status cannot be checked: never valid.
    let run = scene.verify(&vc, &[]);
    run.expect(1);
    let checks = status_checks(&run.json());
    assert_eq!(checks.len(), 2);
    assert!(
        checks
            .iter()
            .all(|(passed, reason)| !passed && reason.contains("cannot be had")),
        "{checks:?}"
    );
    assert!(run.stderr.contains("--status-list"), "{}", run.stderr);
    // With only one of them, the other check fails.
    let run = scene.verify_with_lists(&other, &[(REVOCATION_LIST, published.0.as_path())]);
    run.expect(1);
    let checks = status_checks(&run.json());
    assert_eq!(checks[0], (true, "not revoked".to_owned()));
    assert!(
        !checks[1].0 && checks[1].1.contains("cannot be had"),
        "{checks:?}"
    );
    // A list given under the wrong URL is not used for the other.
    let run = scene.verify_with_lists(
        &other,
        &[
            (REVOCATION_LIST, published.1.as_path()),
            (SUSPENSION_LIST, published.0.as_path()),
        ],
    );
    run.expect(1);
    assert!(status_checks(&run.json()).iter().all(|(passed, _)| !passed));
}

#[test]
fn status_message_list_and_set() {
    let scene = Scene::new("ed25519");
    let created = scene.status(&[
        "create",
        "--url",
        MESSAGE_LIST,
        "--purpose",
        "message",
        "--size",
        "2",
        "--message",
        "0x3=withdrawn",
        "--message",
        "0x0=valid",
        "--message",
        "0x1=pending review",
        "--message",
        "0x2=under appeal",
        "--reference",
        "https://kommune.example/status/dictionary",
    ]);
    created.expect(0);
    let list = created.json();
    assert_eq!(list["size"], json!(2));
    assert_eq!(
        list["messages"][0],
        json!({"status": "0x0", "message": "valid"})
    );
    assert_eq!(list["messages"].as_array().unwrap().len(), 4);

    let (vc, id) = scene.issue_with_status(&[MESSAGE_LIST], "vc.json");
    let entry = &status_entries(
        &serde_json::from_str::<Value>(&std::fs::read_to_string(&vc).unwrap()).unwrap(),
    )[0];
    assert_eq!(entry["statusSize"], json!(2));
    assert_eq!(entry["statusMessage"].as_array().unwrap().len(), 4);

    let set = scene.status(&["set", "--id", &id, "--purpose", "message", "--value", "0x2"]);
    set.expect(0);
    assert_eq!(set.json()["status"][0]["value"], json!(2));
    assert_eq!(set.json()["status"][0]["message"], json!("under appeal"));
    let published = scene.publish(MESSAGE_LIST);
    let run = scene.verify_with_lists(&vc, &[(MESSAGE_LIST, published.as_path())]);
    run.expect(0);
    assert_eq!(
        status_checks(&run.json()),
        [(true, "status message 0x2: under appeal".to_owned())]
    );
    // A value that does not fit in two bits, and a purpose the credential has no entry for.
    scene
        .status(&["set", "--id", &id, "--purpose", "message", "--value", "4"])
        .expect(2);
    scene
        .status(&[
            "set",
            "--id",
            &id,
            "--purpose",
            "revocation",
            "--value",
            "1",
        ])
        .expect(2);
}

#[test]
fn status_errors_are_input_errors() {
    let scene = Scene::new("ed25519");
    let db = scene.db();
    let expect_error = |run: Run, needle: &str| {
        run.expect(2);
        assert!(run.stderr.contains("error"), "{}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "`{needle}` not in {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    };

    // Bad lists are refused before the database file is made.
    for (args, needle) in [
        (vec!["--purpose", "refresh"], "refresh"),
        (vec!["--purpose", "expiry"], "expiry"),
        (
            vec!["--purpose", "message", "--message", "0x0=valid"],
            "statusMessage",
        ),
        (
            vec![
                "--purpose",
                "message",
                "--size",
                "2",
                "--message",
                "0x0=a",
                "--message",
                "0x1=b",
            ],
            "statusMessage",
        ),
        (
            vec!["--purpose", "revocation", "--size", "3"],
            "statusMessage",
        ),
        (vec!["--purpose", "revocation", "--size", "9"], "9"),
        (vec!["--purpose", "message", "--message", "1=a"], "0xN=TEXT"),
        (
            vec![
                "--purpose",
                "message",
                "--message",
                "0x0=a",
                "--message",
                "0x0=b",
            ],
            "twice",
        ),
        (
            vec![
                "--purpose",
                "message",
                "--message",
                "0x0=a",
                "--message",
                "0x2=b",
            ],
            "does not fit",
        ),
    ] {
        let mut all = vec!["create", "--url", REVOCATION_LIST];
        all.extend(args);
        expect_error(scene.status(&all), needle);
        assert!(!db.exists(), "{all:?} made the database");
    }
    expect_error(
        scene.status(&["create", "--url", "not a url", "--purpose", "revocation"]),
        "not a URL",
    );

    // Commands other than `create` need the database to exist, and do not make it.
    for args in [
        vec!["revoke", "--id", "urn:uuid:1"],
        vec!["suspend", "--id", "urn:uuid:1"],
        vec!["show"],
        vec![
            "publish",
            "--key",
            p(&scene.issuer_key),
            "--url",
            REVOCATION_LIST,
        ],
    ] {
        expect_error(scene.status(&args), "does not exist");
        assert!(!db.exists(), "{args:?} made the database");
    }

    scene.create_list(REVOCATION_LIST, "revocation");
    expect_error(
        scene.status(&[
            "create",
            "--url",
            REVOCATION_LIST,
            "--purpose",
            "suspension",
        ]),
        "already",
    );
    // Unknown credentials and lists.
    expect_error(
        scene.status(&["revoke", "--id", "urn:uuid:unknown"]),
        "urn:uuid:unknown",
    );
    expect_error(
        scene.status(&["suspend", "--id", "urn:uuid:unknown"]),
        "suspension",
    );
    expect_error(
        scene.status(&["show", "--id", "urn:uuid:unknown"]),
        "urn:uuid:unknown",
    );
    expect_error(
        scene.status(&[
            "publish",
            "--key",
            p(&scene.issuer_key),
            "--url",
            SUSPENSION_LIST,
        ]),
        SUSPENSION_LIST,
    );
    expect_error(
        scene.status(&[
            "publish",
            "--key",
            p(&scene.issuer_key),
            "--url",
            REVOCATION_LIST,
            "--valid-for",
            "0",
        ]),
        "valid-for",
    );

    // Issuing into a list the database does not have, or without the database.
    let unsigned = scene.write("unsigned.json", &scene.unsigned().to_string());
    let issue = |extra: &[&str]| {
        let mut args = vec!["issue", "--key", p(&scene.issuer_key), "--in", p(&unsigned)];
        args.extend(extra);
        lommebok(&args)
    };
    expect_error(
        issue(&["--status-db", p(&db), "--status-list", SUSPENSION_LIST]),
        SUSPENSION_LIST,
    );
    expect_error(
        issue(&[
            "--status-db",
            p(&db),
            "--status-list",
            REVOCATION_LIST,
            "--status-list",
            REVOCATION_LIST,
        ]),
        "twice",
    );
    expect_error(issue(&["--status-list", REVOCATION_LIST]), "--status-db");
    expect_error(issue(&["--status-db", p(&db)]), "--status-list");
    // None of that took an index.
    assert_eq!(
        scene.status(&["show"]).json()["lists"][0]["allocated"],
        json!(0)
    );

    // A damaged database is an input error with a message, not a crash.
    let garbage = scene.write("garbage.sqlite", &"not a database at all ".repeat(64));
    for args in [
        vec!["status", "show", "--db", p(&garbage)],
        vec![
            "status",
            "create",
            "--db",
            p(&garbage),
            "--url",
            REVOCATION_LIST,
            "--purpose",
            "revocation",
        ],
        vec![
            "issue",
            "--key",
            p(&scene.issuer_key),
            "--in",
            p(&unsigned),
            "--status-db",
            p(&garbage),
            "--status-list",
            REVOCATION_LIST,
        ],
    ] {
        expect_error(lommebok(&args), "not a database");
    }

    // The verifier's --status-list: URL=FILE, each URL once, the file must be readable.
    let vc = scene.issue(None, "vc.json");
    expect_error(
        scene.verify(&vc, &["--status-list", "no-equals"]),
        "URL=FILE",
    );
    let missing = scene.path("missing-list.json");
    expect_error(
        scene.verify(
            &vc,
            &[
                "--status-list",
                &format!("{REVOCATION_LIST}={}", p(&missing)),
            ],
        ),
        "missing-list.json",
    );
    let list = scene.publish(REVOCATION_LIST);
    let arg = format!("{REVOCATION_LIST}={}", p(&list));
    expect_error(
        scene.verify(&vc, &["--status-list", &arg, "--status-list", &arg]),
        "twice",
    );
    // A credential without status verifies with or without lists.
    scene.verify(&vc, &["--status-list", &arg]).expect(0);
}

#[test]
fn status_help_describes_every_subcommand() {
    let help = lommebok(&["--help"]);
    help.expect(0);
    assert!(help.stdout.contains("status"), "{}", help.stdout);
    let status = lommebok(&["status", "--help"]);
    status.expect(0);
    for word in [
        "create",
        "revoke",
        "suspend",
        "unsuspend",
        "set",
        "show",
        "publish",
        "Bitstring Status List",
    ] {
        assert!(status.stdout.contains(word), "{word}: {}", status.stdout);
    }
    for (sub, option) in [
        ("create", "--purpose"),
        ("revoke", "--id"),
        ("suspend", "--id"),
        ("unsuspend", "--id"),
        ("set", "--value"),
        ("show", "--id"),
        ("publish", "--valid-for"),
    ] {
        let run = lommebok(&["status", sub, "--help"]);
        run.expect(0);
        assert!(run.stdout.contains(option), "{sub}: {}", run.stdout);
        assert!(run.stdout.contains("--db"), "{sub}: {}", run.stdout);
    }
    let issue = lommebok(&["issue", "--help"]);
    assert!(issue.stdout.contains("--status-list"), "{}", issue.stdout);
    let verify = lommebok(&["verify", "--help"]);
    assert!(
        verify.stdout.contains("--status-list URL=FILE"),
        "{}",
        verify.stdout
    );
}
