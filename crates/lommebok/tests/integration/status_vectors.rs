//! Bitstring Status List v1.0: the specification's own examples
//! (`spec-vectors/bitstring-status-list/`, see its `SOURCES.md` entry), one named test each, and
//! the ways a `credentialStatus` entry can be malformed.

use lommebok::Credential;
use lommebok::status::{Bitstring, MIN_ENTRIES, StatusEntry, StatusError, StatusPurpose};
use serde_json::{Map, Value, json};
use sha2::Digest as _;

use crate::vectors;

const DIR: &str = "bitstring-status-list";

fn vector(root: &std::path::Path, name: &str) -> Map<String, Value> {
    vectors::object(root, &format!("{DIR}/{name}"))
}

/// The `credentialStatus` entries of a credential, as objects (one entry or an array of them).
fn entries(credential: &Map<String, Value>) -> Vec<Map<String, Value>> {
    match credential.get("credentialStatus") {
        Some(Value::Object(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .map(|e| e.as_object().expect("an entry object").clone())
            .collect(),
        other => panic!("no credentialStatus: {other:?}"),
    }
}

/// Parses `json` as an entry, checks it against the expected purpose, index and list, and that
/// `to_json` gives back the same members and parses to the same entry.
fn assert_entry(json: &Map<String, Value>, purpose: StatusPurpose, index: u64, list: &str) {
    let entry = StatusEntry::from_json(json).unwrap_or_else(|e| panic!("{json:?}: {e}"));
    assert_eq!(entry.purpose, purpose, "{json:?}");
    assert_eq!(entry.index, index, "{json:?}");
    assert_eq!(entry.list_credential, list, "{json:?}");
    assert_eq!(entry.size, 1, "{json:?}");
    assert_eq!(entry.id.as_deref(), json.get("id").and_then(Value::as_str));
    let back = entry.to_json();
    assert_eq!(
        &back,
        &Value::Object(json.clone()),
        "to_json changed the entry"
    );
    assert_eq!(
        StatusEntry::from_json(back.as_object().unwrap()).unwrap(),
        entry
    );
}

// The status list credential: its encodedList, checked against the derived decoding.

fn assert_list_decodes(name: &str) {
    let Some(root) = vectors::root() else { return };
    let list = vector(&root, name);
    let decoded = vector(&root, "encodedList-decoded.json");
    // The list credential itself is a well-formed VCDM 2.0 credential (unsigned, as in the spec).
    let credential = Credential::from_json(list.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        credential
            .types()
            .iter()
            .any(|t| t == "BitstringStatusListCredential")
    );
    let subject = &list["credentialSubject"];
    assert_eq!(subject["type"], "BitstringStatusList");
    assert_eq!(subject["statusPurpose"], "revocation");
    let encoded = subject["encodedList"].as_str().unwrap();
    assert_eq!(encoded, decoded["encodedList"].as_str().unwrap());

    let bits = Bitstring::decode(encoded).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(bits.bits(), 131_072);
    assert_eq!(bits.bits(), MIN_ENTRIES);
    assert_eq!(
        Some(bits.bits()),
        decoded["uncompressed_length_bits"].as_u64()
    );
    assert_eq!(bits.entries(1), MIN_ENTRIES);

    // The bytes, read back as 8-bit entries (entry i is byte i: index 0 is the most significant
    // bit of the first byte), hash to the recorded digest.
    let bytes: Vec<u8> = (0..bits.entries(8))
        .map(|i| bits.get(i, 8).unwrap())
        .collect();
    assert_eq!(
        Some(bytes.len() as u64),
        decoded["uncompressed_length_bytes"].as_u64()
    );
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&bytes)),
        decoded["uncompressed_sha256_hex"].as_str().unwrap()
    );

    let set: Vec<u64> = (0..bits.bits())
        .filter(|i| bits.get(*i, 1).unwrap() == 1)
        .collect();
    let expected: Vec<u64> = decoded["set_bit_indices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap())
        .collect();
    assert_eq!(set, expected);
    assert!(set.is_empty());
    // The revocable credential's index (94567) is not revoked.
    assert_eq!(bits.get(94_567, 1).unwrap(), 0);
    // Beyond the end is an error, not a zero.
    assert!(matches!(
        bits.get(131_072, 1),
        Err(StatusError::OutOfRange { .. })
    ));
    // lommebok's own encoding decodes to the same bits.
    assert_eq!(Bitstring::decode(&bits.encode()).unwrap(), bits);
}

#[test]
fn bsl_vector_status_list_credential_decodes_to_131072_zero_bits() {
    assert_list_decodes("status-list-credential.json");
}

#[test]
fn bsl_vector_status_list_credential_with_examples_context_decodes_to_131072_zero_bits() {
    assert_list_decodes("status-list-credential-with-examples-context.json");
}

// Credentials with status entries.

#[test]
fn bsl_vector_revocable_credential_entry_parses_and_round_trips() {
    let Some(root) = vectors::root() else { return };
    let json = vector(&root, "revocable-credential.json");
    let list = entries(&json);
    assert_eq!(list.len(), 1);
    assert_entry(
        &list[0],
        StatusPurpose::Revocation,
        94_567,
        "https://example.com/credentials/status/3",
    );
    // The credential is VCDM 2.0 (validFrom) and exposes the same entry.
    let credential = Credential::from_json(json).unwrap();
    assert_eq!(credential.status_entries(), [&list[0]]);
}

#[test]
fn bsl_vector_revocation_and_suspension_entries_parse_and_round_trip() {
    let Some(root) = vectors::root() else { return };
    let json = vector(
        &root,
        "credential-with-revocation-and-suspension-entries.json",
    );
    let list = entries(&json);
    assert_eq!(list.len(), 2);
    assert_entry(
        &list[0],
        StatusPurpose::Revocation,
        94_567,
        "https://example.com/credentials/status/3",
    );
    assert_entry(
        &list[1],
        StatusPurpose::Suspension,
        23_452,
        "https://example.com/credentials/status/4",
    );
    let credential = Credential::from_json(json).unwrap();
    assert_eq!(credential.status_entries().len(), 2);
}

// The "message" example: not JSON in the spec.

/// The spec's message example made into JSON. Changes from the spec text, and nothing else:
/// - the two `...` elision lines (one in `statusMessage`, one in `credentialSubject`) are
///   removed;
/// - the comma left dangling before the closing `]` / `}` by each removal is removed
///   (`{"status":"0x2", "message":"rejected"},` and `"type": "BillOfLading",`).
///
/// The three `statusMessage` entries are kept as the spec gives them.
fn message_example(root: &std::path::Path) -> Map<String, Value> {
    let text = vectors::read(
        root,
        &format!("{DIR}/credential-with-message-entry.illustrative.txt"),
    );
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "the illustrative text is expected not to be JSON"
    );
    let lines: Vec<&str> = text.lines().filter(|l| l.trim() != "...").collect();
    assert_eq!(lines.len(), text.lines().count() - 2, "two elisions");
    let mut fixed = String::new();
    for (i, &line) in lines.iter().enumerate() {
        let next = lines[i + 1..]
            .iter()
            .map(|l| l.trim())
            .find(|l| !l.is_empty());
        let closes = next.is_some_and(|n| n.starts_with(']') || n.starts_with('}'));
        let line = if closes {
            line.trim_end().strip_suffix(',').unwrap_or(line)
        } else {
            line
        };
        fixed.push_str(line);
        fixed.push('\n');
    }
    match serde_json::from_str(&fixed) {
        Ok(Value::Object(json)) => json,
        other => panic!("the repaired example is not a JSON object: {other:?}\n{fixed}"),
    }
}

#[test]
fn bsl_vector_message_entry_with_three_messages_is_refused() {
    let Some(root) = vectors::root() else { return };
    let json = message_example(&root);
    let list = entries(&json);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["statusSize"], 2);
    assert_eq!(list[0]["statusMessage"].as_array().unwrap().len(), 3);
    // statusSize 2 has four values; §2.1 wants a statusMessage for each, the spec shows three.
    let err = StatusEntry::from_json(&list[0]).unwrap_err();
    assert!(matches!(err, StatusError::Malformed(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("statusSize 2 needs 4 statusMessage entries"),
        "{message}"
    );
}

#[test]
fn bsl_vector_message_entry_with_the_fourth_message_parses() {
    let Some(root) = vectors::root() else { return };
    let mut json = message_example(&root);
    // Ours, not the spec's: the fourth value's message.
    json["credentialStatus"]["statusMessage"]
        .as_array_mut()
        .unwrap()
        .push(json!({"status": "0x3", "message": "undefined"}));
    let status = json["credentialStatus"].as_object().unwrap().clone();
    let entry = StatusEntry::from_json(&status).unwrap();
    assert_eq!(entry.purpose, StatusPurpose::Message);
    assert_eq!(entry.index, 492_847);
    assert_eq!(
        entry.list_credential,
        "https://example.com/credentials/status/8"
    );
    assert_eq!(entry.size, 2);
    assert_eq!(
        entry.id.as_deref(),
        Some("https://example.com/credentials/status/8#492847")
    );
    let messages: Vec<(u8, &str)> = entry
        .messages
        .iter()
        .map(|m| (m.status, m.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (0, "pending_review"),
            (1, "accepted"),
            (2, "rejected"),
            (3, "undefined")
        ]
    );
    assert_eq!(entry.message_for(1), Some("accepted"));
    assert_eq!(entry.reference, ["https://example.org/status-dictionary/"]);
    // to_json gives back the same members (statusSize as a number, statuses as "0x…").
    assert_eq!(entry.to_json(), Value::Object(status.clone()));
    assert_eq!(
        StatusEntry::from_json(entry.to_json().as_object().unwrap()).unwrap(),
        entry
    );
    // And the repaired credential is a VCDM 2.0 credential.
    Credential::from_json(json).unwrap();
}

// The two appendix examples written with VCDM 1.1's `issuanceDate`.

fn assert_multiple_entries_parse(name: &str, lists: [&str; 2]) {
    let Some(root) = vectors::root() else { return };
    let mut json = vector(&root, name);
    assert!(json.contains_key("issuanceDate"));
    let Some(Value::Array(status)) = json.remove("credentialStatus") else {
        panic!("{name}: credentialStatus is not an array");
    };
    assert_eq!(status.len(), 2);
    assert_entry(
        status[0].as_object().unwrap(),
        StatusPurpose::Revocation,
        94_567,
        lists[0],
    );
    assert_entry(
        status[1].as_object().unwrap(),
        StatusPurpose::Suspension,
        12_345,
        lists[1],
    );
}

/// `issuanceDate` is VCDM 1.1's; VCDM 2.0 has `validFrom`. lommebok reads VCDM 2.0 only.
fn assert_refused_as_vcdm_1_1(name: &str) {
    let Some(root) = vectors::root() else { return };
    let json = vector(&root, name);
    match Credential::from_json(json) {
        Ok(credential) => panic!(
            "{name}: a credential with VCDM 1.1 `issuanceDate` was accepted as VCDM 2.0 \
             (issuer {})",
            credential.issuer()
        ),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("issuanceDate") || message.contains("1.1"),
                "{name}: refused, but not as VCDM 1.1: {message}"
            );
        }
    }
}

#[test]
fn bsl_vector_multiple_status_lists_entries_parse() {
    assert_multiple_entries_parse(
        "credential-multiple-status-lists.json",
        [
            "https://example.com/credentials/status/3",
            "https://example.com/credentials/status/4",
        ],
    );
}

#[test]
fn bsl_vector_multiple_status_lists_credential_is_refused_as_vcdm_1_1() {
    assert_refused_as_vcdm_1_1("credential-multiple-status-lists.json");
}

#[test]
fn bsl_vector_multiple_entries_single_list_entries_parse() {
    assert_multiple_entries_parse(
        "credential-multiple-entries-single-list.json",
        [
            "https://example.com/credentials/status/5",
            "https://example.com/credentials/status/5",
        ],
    );
}

#[test]
fn bsl_vector_multiple_entries_single_list_credential_is_refused_as_vcdm_1_1() {
    assert_refused_as_vcdm_1_1("credential-multiple-entries-single-list.json");
}

// Malformed entries: the revocable credential's entry with one thing wrong.

/// The entry of `revocable-credential.json`, transcribed so these tests run without the vectors.
fn valid_entry() -> Map<String, Value> {
    match json!({
        "id": "https://example.com/credentials/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.com/credentials/status/3"
    }) {
        Value::Object(entry) => entry,
        _ => unreachable!(),
    }
}

#[test]
fn bsl_transcribed_entry_is_the_vector_entry() {
    let entry = valid_entry();
    StatusEntry::from_json(&entry).unwrap();
    let Some(root) = vectors::root() else { return };
    assert_eq!(
        Value::Object(entry),
        vector(&root, "revocable-credential.json")["credentialStatus"]
    );
}

/// `valid_entry()` changed by `change` is refused as malformed, with a message containing
/// `expected`.
fn assert_refused(change: impl FnOnce(&mut Map<String, Value>), expected: &str) {
    let mut entry = valid_entry();
    change(&mut entry);
    match StatusEntry::from_json(&entry) {
        Ok(parsed) => panic!("accepted {entry:?} as {parsed:?}"),
        Err(StatusError::Malformed(message)) => {
            assert!(message.contains(expected), "{message:?} for {entry:?}");
        }
        Err(other) => panic!("not a Malformed error: {other:?}"),
    }
}

#[test]
fn bsl_entry_with_numeric_index_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusListIndex".into(), json!(94567));
        },
        "no string `statusListIndex`",
    );
}

#[test]
fn bsl_entry_with_negative_index_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusListIndex".into(), json!("-1"));
        },
        "statusListIndex `-1` is not a base-10 integer",
    );
}

#[test]
fn bsl_entry_with_leading_zero_index_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusListIndex".into(), json!("094567"));
        },
        "statusListIndex `094567` is not a base-10 integer",
    );
}

#[test]
fn bsl_entry_with_empty_index_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusListIndex".into(), json!(""));
        },
        "statusListIndex `` is not a base-10 integer",
    );
}

#[test]
fn bsl_entry_with_unknown_purpose_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusPurpose".into(), json!("expiry"));
        },
        "unknown statusPurpose `expiry`",
    );
}

#[test]
fn bsl_entry_with_status_size_0_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusSize".into(), json!(0));
        },
        "statusSize must be 1 to 8",
    );
}

#[test]
fn bsl_entry_with_status_size_9_is_refused() {
    assert_refused(
        |e| {
            e.insert("statusSize".into(), json!(9));
        },
        "statusSize must be 1 to 8",
    );
}

#[test]
fn bsl_entry_without_status_list_credential_is_refused() {
    assert_refused(
        |e| {
            e.remove("statusListCredential");
        },
        "no string `statusListCredential`",
    );
}

#[test]
fn bsl_entry_of_another_type_is_refused() {
    assert_refused(
        |e| {
            e.insert("type".into(), json!("StatusList2021Entry"));
        },
        "status entry type is not BitstringStatusListEntry",
    );
}
