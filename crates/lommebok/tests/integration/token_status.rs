//! IETF Token Status List (draft-ietf-oauth-status-list): the draft's vectors byte for byte, the
//! issuer's registry published as Status List Tokens and checked entry by entry, and the ways a
//! Status List Token or `status` claim can be wrong.
//!
//! Vectors: §4.1/§4.2 (16 one-bit and 12 two-bit entries) and Appendix C (1-, 2-, 4- and 8-bit
//! lists of 2^20 entries) of the draft as of January 2026 (draft-ietf-oauth-status-list-16/-17,
//! github.com/oauth-wg/draft-ietf-oauth-status-list), plus its example Status List Token (§8.2)
//! signed with the draft's example P-256 key (`src/util.py` of that repository) and the `status`
//! claim of its SD-JWT VC example (§6.2).

use std::io::Write as _;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use lommebok::jws::Jws;
use lommebok::status::{StatusListCache, StatusPurpose, StatusRegistry};
use lommebok::token_status::{
    self, MAX_BITS, TokenStatus, TokenStatusError, TokenStatusList, check_token_status,
    status_claim,
};
use lommebok::{Algorithm, CheckKind, Error, Issuer, PublicKey, Signer};
use serde_json::{Map, Value, json};

use crate::support::{self, now};

const REVOCATION: &str = "https://kommune.example/tsl/revocation/1";
const SUSPENSION: &str = "https://kommune.example/tsl/suspension/1";
const COMBINED: &str = "https://kommune.example/tsl/combined/1";

/// Appendix C.1: a 1-bit list.
const LST_1BIT: &str = concat!(
    "eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogEAAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAA",
    "vhsSAAAAAAAAAAAA7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAA",
    "AACAZC8L2AEb",
);

/// Appendix C.2: a 2-bit list.
const LST_2BIT: &str = concat!(
    "eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGVIAAAAAABAbiEBAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAEB5WwIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAOCSIQEAAAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAwJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9SwIAAAAAAAAAAAAAAAAAAACoYUoA",
    "AAAAAAAAAAAAAEBqH81gAQw",
);

/// Appendix C.3: a 4-bit list.
const LST_4BIT: &str = concat!(
    "eNrt0EENgDAQADAIHwImkIIEJEwCUpCEBBQRHOy35Li1EjoOQGabAgAAAAAAAAAAAAAAAAAAACC1SQEA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAABADrsCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADoxaEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIIoCgAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACArpwKAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAAAAAAAAAAAAAAAAAAAAAGhqVkAzlwIAAAAAiGVRAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "AAAAAABx3AoAgLpVAQAAAAAAAAAAAAAAwM89rwMAAAAAAAAAAAjsA9xMBMA",
);

/// Appendix C.4: an 8-bit list.
const LST_8BIT: &str = concat!(
    "eNrt0WOQM2kYhtGsbdu2bdu2bdu2bdu2bdu2jVnU1my-SWYm6U5enFPVf7ue97orFYAo7CQBAACQuuck",
    "AABStqUEAAAAAAAAtN6wEgAE71QJAAAAAIrwhwQAAAAAAdtAAgAAAAAAACLwkAQAAAAAAAAAAACUaFcJ",
    "AACAeJwkAQAAAAAAAABQvL4kAAAAWmJwCQAAAAAAAAjAwBIAAAB06ywJoDKQBARpfgkAAAAAAAAAAAAA",
    "AAAAAACo50sJAAAAAAAAAOiRcSQAAAAAgAJNKgEAAG23mgQAAAAAAECw3pUAQvegBAAAAAAAAADduE4C",
    "AAAAyjSvBAAQiw8koHjvSABAb-wlARCONyVoxtMSZOd0CQAAAOjWDRKQmLckAAAAAACysLYEQGcnSAAA",
    "AAAQooUlAABI15kSAIH5RAIgLB9LABC4_SUgGZNIAABAmM6RoLbTJIASzCIBAEAhfpcAAAAAAABquk8C",
    "AAAAAAAAaJl9SvvzBOICAFWmkIBgfSgBAAAANOgrCQAAAAAAAADStK8EAAC03gASAAAAAAAAAADFWFUC",
    "AAAAMjOaBEADHpYAQjCIBADduFwCAAAAAGitMSSI3BUSAECOHpAA6IHrJQAAAAAAsjeVBAAAKRpVAorW",
    "vwQAAAAAAAAAkKRtJAAAAAAAgCbcLAF0bXUJAAAAoF02kYDg7CYBAAAAAEB6NpQAAAAAAAAAAAAAAEr1",
    "uQQAAF06VgIAAAAAAAAAqDaeBAAQqgMkAAAAAABogQMlAAAAAAAa87MEAAAQiwslAAAAAAAAAAAAAAAA",
    "MrOyBAAAiekv-hcsY0Sgne6QAAAAAAAgaUtJAAAAAAAAAAAAAAAAAAAAAAAAAADwt-07vjVkAAAAgDy8",
    "KgFAUEaSAAAAAJL3vgQAWdhcAgAAoBHDSUDo1pQAAACI2o4SAABZm14CALoyuwQAAPznGQkgZwdLAAAQ",
    "ukclAAAAAAAAAAAAgKbMKgEAAAAAAAAAAAAAAAAAAECftpYAAAAAAAAAAAAACnaXBAAAAADk7iMJAAAA",
    "AAAAAABqe00CAnGbBBG4TAIAgFDdKgFAXCaWAAAAAAAAAAAAAAAAAKAJQwR72XbGAQAAAKAhh0sAAAAA",
    "AABQgO8kAAAAAAAAAAAAACAaM0kAAAC5W0QCAIJ3mAQAxGwxCQAA6nhSAsjZBRIAANEbWQIAAAAAaJE3",
    "JACAwA0qAUBIVpKAlphbAiAPp0iQnKEkAAAAAAAgBP1KAAAAdOl4CQAAAAAAAPjLZBIAAG10RtrPm8_C",
    "AEBMTpYAAAAAAIjQYBL8z5QSAAAAAEDYPpUAACAsj0gAAADQkHMlAAjHDxIA0Lg9JQAAgHDsLQEAAABA",
    "QS6WAAAAgLjNFs2l_RgLAIAEfCEBlGZZCQAAaIHjJACgtlskAAAozb0SAAAAVFtfAgAAAAAAAAAAAAAA",
    "AAAAAAAAAKDDtxIAAAAAVZaTAKB5W0kAANCAsSUgJ0tL0GqHSNBbL0gAZflRAgCARG0kQXNmlgCABiwk",
    "AQAAAEB25pIAAAAAAAAAAAAAoFh9SwAAAAAAADWNmOSrpjFsEoaRgDKcF9Q1dxsEAAAAAAAAAAAAAAAA",
    "gPZ6SQIAAAAAAAAAgChMLgEAAAAAAAAAqZlQAsK2qQQAAAAAAAD06XUJAAAAqG9bCQAAgLD9IgEAAAAA",
    "AAAAAAAAAAAAAEBNe0gAAAAAAAAAAEBPHSEBAAAAlOZtCYA4fS8B0GFRCQAo0gISAOTgNwmC840EAAAA",
    "AAAAAAAAAAAAAAAAUJydJfjXPBIAAAAAAAAAAAAAAABk6WwJAAAAAAAAAAAAAAAAqG8UCQAAgPpOlAAA",
    "IA83SQAANWwc9HUjGAgAAAAAAACAusaSAAAAAAAAAAAAAAAAAAAAAAAAAAAAqHKVBACQjxklAAAAAAAA",
    "AKBHxpQAAAAAACBME0lAdlaUAACyt7sEAAAA0Nl0EgAAAAAAAAAAAABA-8wgAQAAAAAAAKU4SgKgUtlB",
    "AgAAAAAAAAAAgMCMLwEE51kJICdzSgCJGl2CsE0tAQAA0L11JQAAAAAAAAjUOhIAAAAAAAAAAAAAAGTq",
    "eQkAAAAAAAAAAAAAKM8SEjTrJwkAAAAAAACocqQEULgVJAAAACjDUxJUKgtKAAAAqbpRAgCA0n0mAQAA",
    "AABAGzwmAUCTLpUAAAAAAAAAAEjZNRIAAAAAAAAAAAAAAAAAAAAA8I-vJaAlhpQAAAAAAHrvzjJ-OqCu",
    "uVlLAojP8BJAr70sQZVDJYAgXS0BAAAAAAAAAAAAtMnyEgAAAAAAFONKCQAAAAAAAADorc0kAAAAAAAA",
    "gDqOlgAAAAAAAAAAAADIwv0SAAAAAAAAAAAAAADBuV0CIFVDSwAAAABAAI6RAAAAAGIwrQSEZAsJAABo",
    "uRclAAAAAKDDrxIAAAA0bkkJgFiMKwEAAAAAAHQyhwRk7h4JAAAAAAAAAAAgatdKAACUYj0JAAAAAAAA",
    "AAAAQnORBLTFJRIAAAAAkIaDJAAAAJryngQAAAAAAAAAAAA98oQEAAAAAAAAAEC2zpcgWY9LQKL2kwAg",
    "GK9IAAAAAPHaRQIAAAAAAAAAAADIxyoSAAAAAAAAAAAAAADQFotLAECz_gQ1PX-B",
);

/// Appendix C.1: the entries set (index, value).
const SET_1BIT: &[(u64, u8)] = &[
    (0, 1),
    (1993, 1),
    (25460, 1),
    (159495, 1),
    (495669, 1),
    (554353, 1),
    (645645, 1),
    (723232, 1),
    (854545, 1),
    (934534, 1),
    (1000345, 1),
];

/// Appendix C.2: the entries set (index, value).
const SET_2BIT: &[(u64, u8)] = &[
    (0, 1),
    (1993, 2),
    (25460, 1),
    (159495, 3),
    (495669, 1),
    (554353, 1),
    (645645, 2),
    (723232, 1),
    (854545, 1),
    (934534, 2),
    (1000345, 3),
];

/// Appendix C.3: the entries set (index, value).
const SET_4BIT: &[(u64, u8)] = &[
    (0, 1),
    (1993, 2),
    (35460, 3),
    (459495, 4),
    (595669, 5),
    (754353, 6),
    (845645, 7),
    (923232, 8),
    (924445, 9),
    (934534, 10),
    (1004534, 11),
    (1000345, 12),
    (1030203, 13),
    (1030204, 14),
    (1030205, 15),
];

/// Appendix C.4: the index holding value `v` is `INDEX_8BIT[v]` (every value 0..=255 once).
const INDEX_8BIT: [u64; 256] = [
    233478, 52451, 576778, 513575, 468106, 292632, 214947, 182323, 884834, 66653, 62489, 196493,
    458517, 487925, 55649, 416992, 879796, 462297, 942059, 583408, 13628, 334829, 886286, 713557,
    582738, 326064, 451545, 705889, 214350, 194502, 796765, 202828, 752834, 721327, 554740, 91122,
    963483, 261779, 793844, 165255, 614839, 758403, 403258, 145867, 96100, 477937, 606890, 167335,
    488197, 211815, 797182, 582952, 950870, 765108, 341110, 776325, 745056, 439368, 559893, 149741,
    358903, 513405, 342679, 969429, 795775, 566121, 460566, 680070, 117310, 480348, 67319, 661552,
    841303, 561493, 138807, 442463, 659927, 445910, 1046963, 829700, 962282, 299623, 555493,
    292826, 517215, 551009, 898490, 837603, 759161, 459948, 290102, 1034977, 190650, 98810, 229950,
    320531, 335506, 885333, 133227, 806915, 800313, 981571, 527253, 24077, 240232, 559572, 713399,
    233941, 615514, 911768, 331680, 951527, 6805, 552366, 374660, 223159, 625884, 417146, 320527,
    784154, 338792, 1199, 679804, 1024680, 40845, 234603, 761225, 644903, 502167, 121477, 505144,
    165165, 179628, 1019195, 145149, 263738, 269256, 996739, 346296, 555864, 887384, 444173,
    421844, 653716, 836747, 783119, 918762, 946835, 253764, 519895, 471224, 134272, 709016, 44112,
    482585, 461829, 15080, 148883, 123467, 480125, 141348, 65877, 692958, 148598, 499131, 584009,
    1017987, 449287, 277478, 991262, 509602, 991896, 853666, 399318, 197815, 203278, 903979,
    743015, 888308, 862143, 979421, 113605, 206397, 127113, 844358, 711569, 229153, 521470, 401793,
    398896, 940810, 293983, 884749, 384802, 584151, 970201, 523882, 158093, 929312, 205329, 106091,
    30949, 195586, 495723, 348779, 852312, 1018463, 1009481, 448260, 841042, 122967, 345269,
    794764, 4520, 818773, 556171, 954221, 598210, 887110, 1020623, 324632, 398244, 622241, 456551,
    122648, 127837, 657676, 119884, 105156, 999897, 330160, 119285, 168005, 389703, 143699, 142524,
    493258, 846778, 251420, 516351, 83344, 171931, 879178, 663475, 546865, 428362, 658891, 500560,
    557034, 830023, 274471, 629139, 958869, 663071, 152133, 19535,
];

/// §8.2: the draft's example Status List Token (ES256, `kid` 12, the 16-entry list of §4.1).
const DRAFT_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjEyIiwidHlwIjoic3RhdHVzbGlzdCtqd3QifQ.e",
    "yJleHAiOjIyOTE3MjAxNzAsImlhdCI6MTY4NjkyMDE3MCwiaXNzIjoiaHR0cHM6Ly9le",
    "GFtcGxlLmNvbSIsInN0YXR1c19saXN0Ijp7ImJpdHMiOjEsImxzdCI6ImVOcmJ1UmdBQ",
    "WhjQlhRIn0sInN1YiI6Imh0dHBzOi8vZXhhbXBsZS5jb20vc3RhdHVzbGlzdHMvMSIsI",
    "nR0bCI6NDMyMDB9.2lKUUNG503R9htu4aHAYi7vjmr3sgApbfoDvPrl65N3URUO1EYqq",
    "Ql45Jfzd-Av4QzlKa3oVALpLwOEUOq-U_g",
);

/// §6.2: the issuer-signed JWT of the draft's SD-JWT VC example (its disclosures left off).
const DRAFT_SD_JWT_ISSUER_JWT: &str = concat!(
    "eyJhbGciOiAiRVMyNTYiLCAidHlwIjogImV4YW1wbGUrc2Qtand0In0.eyJfc2QiOiBb",
    "Ikh2cktYNmZQVjB2OUtfeUNWRkJpTEZIc01heGNEXzExNEVtNlZUOHgxbGciXSwgImlz",
    "cyI6ICJodHRwczovL2V4YW1wbGUuY29tL2lzc3VlciIsICJpYXQiOiAxNjgzMDAwMDAw",
    "LCAiZXhwIjogMTg4MzAwMDAwMCwgInN1YiI6ICI2YzVjMGE0OS1iNTg5LTQzMWQtYmFl",
    "Ny0yMTkxMjJhOWVjMmMiLCAic3RhdHVzIjogeyJzdGF0dXNfbGlzdCI6IHsiaWR4Ijog",
    "MCwgInVyaSI6ICJodHRwczovL2V4YW1wbGUuY29tL3N0YXR1c2xpc3RzLzEifX0sICJf",
    "c2RfYWxnIjogInNoYS0yNTYifQ.-kgS-R-Z4DEDlqb8kb6381_gHHNatsoF1fcVKZk3M",
    "06CrnV8F8k9d2w2V_YAOvgcb0f11FqDFezXBXH30d4vcw",
);

/// The public half of the draft's example key (`kid` 12).
fn draft_key() -> PublicKey {
    PublicKey::from_jwk(&json!({
        "kty": "EC",
        "crv": "P-256",
        "x": "I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo",
        "y": "6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M",
    }))
    .unwrap()
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn skew() -> Duration {
    Duration::minutes(5)
}

/// A list of `bits` built from (index, value) pairs, the draft's 2^20 entries.
fn built(bits: u8, set: &[(u64, u8)]) -> TokenStatusList {
    let mut list = TokenStatusList::new(bits, 1 << 20).unwrap();
    for (index, value) in set {
        list.set(*index, *value).unwrap();
    }
    list
}

// ---------------------------------------------------------------------------------------------
// Vectors

#[test]
fn tsl_vector_16_one_bit_entries_byte_for_byte() {
    let statuses = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    let mut list = TokenStatusList::new(1, 16).unwrap();
    for (index, value) in statuses.iter().enumerate() {
        list.set(index as u64, *value).unwrap();
    }
    assert_eq!(list.bytes(), [0xB9, 0xA3]);
    assert_eq!(hex::encode(list.compressed()), "78dadbb918000217015d");
    assert_eq!(list.encode(), "eNrbuRgAAhcBXQ");
    assert_eq!(list.to_json(), json!({"bits": 1, "lst": "eNrbuRgAAhcBXQ"}));
    let back = TokenStatusList::decode(1, "eNrbuRgAAhcBXQ").unwrap();
    assert_eq!(back, list);
    assert_eq!(back.len(), 16);
    for (index, value) in statuses.iter().enumerate() {
        assert_eq!(back.get(index as u64).unwrap(), *value, "status[{index}]");
    }
}

#[test]
fn tsl_vector_12_two_bit_entries_byte_for_byte() {
    let statuses = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
    let mut list = TokenStatusList::new(2, 12).unwrap();
    for (index, value) in statuses.iter().enumerate() {
        list.set(index as u64, *value).unwrap();
    }
    assert_eq!(list.bytes(), [0xC9, 0x44, 0xF9]);
    assert_eq!(hex::encode(list.compressed()), "78da3be9f2130003df0207");
    assert_eq!(list.encode(), "eNo76fITAAPfAgc");
    let back = TokenStatusList::from_json(&json!({"bits": 2, "lst": "eNo76fITAAPfAgc"})).unwrap();
    assert_eq!(back, list);
    for (index, value) in statuses.iter().enumerate() {
        assert_eq!(back.get(index as u64).unwrap(), *value, "status[{index}]");
    }
}

#[test]
fn tsl_appendix_c_vectors_decode_byte_for_byte_and_round_trip() {
    let set_8bit: Vec<(u64, u8)> = INDEX_8BIT.iter().copied().zip(0..=255u8).collect();
    for (bits, lst, set) in [
        (1, LST_1BIT, SET_1BIT),
        (2, LST_2BIT, SET_2BIT),
        (4, LST_4BIT, SET_4BIT),
        (8, LST_8BIT, set_8bit.as_slice()),
    ] {
        let expected = built(bits, set);
        let decoded = TokenStatusList::decode(u64::from(bits), lst).unwrap();
        assert_eq!(decoded.len(), 1 << 20, "{bits} bits");
        assert_eq!(
            decoded, expected,
            "{bits}-bit vector decodes to the listed statuses"
        );
        for (index, value) in set {
            assert_eq!(
                decoded.get(*index).unwrap(),
                *value,
                "{bits} bits, status[{index}]"
            );
        }
        let nonzero = decoded.bytes().iter().map(|b| b.count_ones()).sum::<u32>();
        let listed = set.iter().map(|(_, v)| v.count_ones()).sum::<u32>();
        assert_eq!(nonzero, listed, "{bits} bits: no other entry is set");
        // DEFLATE output is not unique: flate2's miniz_oxide backend compresses these long lists
        // to other (valid, equally decodable) streams than the zlib the draft's generator used,
        // so the encoder is held to the round trip here and to byte equality on the short §4
        // examples above.
        let encoded = expected.encode();
        assert_eq!(
            TokenStatusList::decode(u64::from(bits), &encoded).unwrap(),
            expected,
            "{bits}-bit vector round-trips through lommebok's encoder"
        );
        assert_eq!(
            &URL_SAFE_NO_PAD.decode(&encoded).unwrap()[..2],
            [0x78, 0xDA]
        );
    }
}

#[test]
fn tsl_draft_example_token_verifies_and_reads() {
    // The draft's own artifacts: the SD-JWT VC's status claim, checked against the draft's
    // Status List Token under the draft's example key.
    let sd_jwt = Jws::decode(DRAFT_SD_JWT_ISSUER_JWT).unwrap();
    let claim = sd_jwt.payload["status"].clone();
    assert_eq!(claim, status_claim("https://example.com/statuslists/1", 0));
    let cache = StatusListCache::new();
    cache.insert("https://example.com/statuslists/1", DRAFT_TOKEN);
    let during = at(1_686_920_170 + 3600);
    let check = check_token_status(
        &claim,
        &draft_key(),
        Some("https://example.com"),
        &cache,
        during,
        skew(),
    );
    assert!(!check.passed, "{check:?}");
    assert!(check.reason.starts_with("revoked"), "{}", check.reason);
    assert_eq!(check.status, Some(TokenStatus::Invalid));
    // Index 1 is 0 in the §4.1 list; index 15 is 1.
    for (idx, valid) in [(1, true), (2, true), (3, false), (6, true), (15, false)] {
        let check = check_token_status(
            &status_claim("https://example.com/statuslists/1", idx),
            &draft_key(),
            None,
            &cache,
            during,
            skew(),
        );
        assert_eq!(check.passed, valid, "idx {idx}: {}", check.reason);
    }
    // The same token, judged at a time after its `exp`, or naming another issuer, fails.
    let after = check_token_status(
        &claim,
        &draft_key(),
        None,
        &cache,
        at(2_291_720_170 + 86_400),
        skew(),
    );
    assert!(after.reason.contains("expired"), "{}", after.reason);
    let other = check_token_status(
        &status_claim("https://example.com/statuslists/1", 1),
        &draft_key(),
        Some("https://other.example"),
        &cache,
        during,
        skew(),
    );
    assert!(
        !other.passed && other.reason.contains("issued by"),
        "{}",
        other.reason
    );
}

// ---------------------------------------------------------------------------------------------
// Issuer and registry

/// An issuer whose registry has a revocation, a suspension and a combined list, and a cache.
fn setup() -> (Issuer, StatusRegistry, Arc<StatusListCache>) {
    let registry = StatusRegistry::in_memory();
    registry
        .create_list(REVOCATION, StatusPurpose::Revocation)
        .unwrap();
    registry
        .create_list(SUSPENSION, StatusPurpose::Suspension)
        .unwrap();
    registry
        .create_list_with(token_status::combined_list(COMBINED))
        .unwrap();
    let issuer = support::issuer().with_status(registry.clone(), &[REVOCATION, SUSPENSION]);
    (issuer, registry, Arc::new(StatusListCache::new()))
}

fn issuer_key() -> PublicKey {
    support::key(Algorithm::Ed25519, 1).public_key()
}

fn publish(issuer: &Issuer, cache: &StatusListCache, url: &str) -> String {
    let token = issuer
        .status_list_token_at(url, now() - Duration::hours(1), now() + Duration::days(1))
        .unwrap();
    cache.insert(url, &token);
    token
}

fn check(claim: &Value, cache: &StatusListCache) -> token_status::TokenStatusCheck {
    check_token_status(
        claim,
        &issuer_key(),
        Some(support::issuer().did().as_str()),
        cache,
        now(),
        skew(),
    )
}

#[test]
fn tsl_status_list_token_has_the_drafts_form() {
    let (issuer, registry, cache) = setup();
    let claim = token_status::allocate_status_claim(&registry, REVOCATION, "urn:a").unwrap();
    assert_eq!(claim["status_list"]["uri"], REVOCATION);
    assert!(claim["status_list"]["idx"].is_u64());
    let token = publish(&issuer, &cache, REVOCATION);
    let jws = Jws::decode(&token).unwrap();
    assert_eq!(jws.header["typ"], "statuslist+jwt");
    assert_eq!(jws.header["alg"], "EdDSA");
    let vm = lommebok::did::Did::key_verification_method(&issuer_key());
    assert_eq!(jws.kid(), Some(vm.as_str()));
    jws.verify(&issuer_key(), token_status::STATUS_LIST_JWT_TYPE)
        .unwrap();
    let claims = &jws.payload;
    assert_eq!(claims["sub"], REVOCATION);
    assert_eq!(claims["iss"], issuer.did().as_str());
    assert_eq!(claims["iat"], (now() - Duration::hours(1)).timestamp());
    assert_eq!(claims["exp"], (now() + Duration::days(1)).timestamp());
    assert_eq!(claims["ttl"], 25 * 3600);
    assert_eq!(claims["status_list"]["bits"], 1);
    let list = TokenStatusList::from_json(&claims["status_list"]).unwrap();
    assert_eq!(list.len(), lommebok::status::MIN_ENTRIES);
    // Suspension lists need 2 bits for SUSPENDED (0x02); the combined list is 2 bits.
    for url in [SUSPENSION, COMBINED] {
        let token = publish(&issuer, &cache, url);
        let jws = Jws::decode(&token).unwrap();
        assert_eq!(jws.payload["status_list"]["bits"], 2, "{url}");
    }
}

#[test]
fn tsl_registry_round_trip_revoke_some_suspend_others() {
    let (issuer, registry, cache) = setup();
    let ids: Vec<String> = (0..100).map(|i| format!("urn:uuid:tsl-{i}")).collect();
    let mut claims = Vec::new();
    for id in &ids {
        let revocation = token_status::allocate_status_claim(&registry, REVOCATION, id).unwrap();
        let suspension = token_status::allocate_status_claim(&registry, SUSPENSION, id).unwrap();
        claims.push((revocation, suspension));
    }
    let revoked = |i: usize| i % 7 == 3;
    let suspended = |i: usize| i % 5 == 1 && i % 10 != 1; // 6, 16, 26, …: suspended; 1, 11, …: lifted
    for (i, id) in ids.iter().enumerate() {
        if revoked(i) {
            issuer.revoke(id).unwrap();
        }
        if i % 5 == 1 {
            issuer.suspend(id).unwrap();
            if i % 10 == 1 {
                issuer.unsuspend(id).unwrap();
            }
        }
    }
    publish(&issuer, &cache, REVOCATION);
    publish(&issuer, &cache, SUSPENSION);
    for (i, (revocation, suspension)) in claims.iter().enumerate() {
        let r = check(revocation, &cache);
        assert_eq!(r.passed, !revoked(i), "credential {i}: {}", r.reason);
        if revoked(i) {
            assert!(r.reason.starts_with("revoked"), "{}", r.reason);
            assert_eq!(r.status, Some(TokenStatus::Invalid));
        } else {
            assert!(r.reason.starts_with("valid"), "{}", r.reason);
        }
        let s = check(suspension, &cache);
        assert_eq!(s.passed, !suspended(i), "credential {i}: {}", s.reason);
        if suspended(i) {
            assert!(s.reason.starts_with("suspended"), "{}", s.reason);
            assert_eq!(s.status, Some(TokenStatus::Suspended));
        }
    }
}

#[test]
fn tsl_combined_list_revokes_and_suspends_through_one_reference() {
    let (issuer, registry, cache) = setup();
    let ids: Vec<String> = (0..100).map(|i| format!("urn:uuid:combined-{i}")).collect();
    let claims: Vec<Value> = ids
        .iter()
        .map(|id| token_status::allocate_status_claim(&registry, COMBINED, id).unwrap())
        .collect();
    for (i, id) in ids.iter().enumerate() {
        match i % 4 {
            1 => issuer.set_token_status(id, TokenStatus::Invalid).unwrap(),
            2 => issuer.set_token_status(id, TokenStatus::Suspended).unwrap(),
            3 => issuer.set_token_status(id, TokenStatus::Other(3)).unwrap(),
            _ => {}
        }
    }
    // Revocation is permanent; a suspension can be lifted.
    assert!(matches!(
        issuer.set_token_status(&ids[1], TokenStatus::Valid),
        Err(Error::TokenStatus(TokenStatusError::Revoked(_)))
    ));
    issuer
        .set_token_status(&ids[6], TokenStatus::Valid)
        .unwrap();
    publish(&issuer, &cache, COMBINED);
    for (i, claim) in claims.iter().enumerate() {
        let result = check(claim, &cache);
        let expected = if i == 6 { 0 } else { i % 4 };
        match expected {
            0 => assert!(
                result.passed && result.reason.starts_with("valid"),
                "{i}: {result:?}"
            ),
            1 => assert!(
                !result.passed && result.reason.starts_with("revoked"),
                "{i}: {result:?}"
            ),
            2 => assert!(
                !result.passed && result.reason.starts_with("suspended"),
                "{i}: {result:?}"
            ),
            _ => {
                assert!(!result.passed, "{i}: {result:?}");
                assert!(
                    result.reason.contains("application-specific 0x03"),
                    "{}",
                    result.reason
                );
                assert_eq!(result.status, Some(TokenStatus::Other(3)));
            }
        }
    }
}

#[test]
fn tsl_and_bitstring_status_list_share_the_registrys_allocations() {
    let (issuer, registry, cache) = setup();
    let w3c_cache = Arc::new(StatusListCache::new());
    let verifier = support::verifier().with_status_source(w3c_cache.clone());
    let credential = support::residence(&issuer, support::wallet().did().as_str());
    let id = credential.id().unwrap().to_owned();
    // The W3C entry's index is the TSL idx of the same allocation.
    let claims: Vec<(String, Value)> = registry
        .status_of(&id)
        .unwrap()
        .into_iter()
        .map(|s| (s.list.clone(), status_claim(&s.list, s.index)))
        .collect();
    assert_eq!(claims.len(), 2);
    for entry in credential.status_entries() {
        let url = entry["statusListCredential"].as_str().unwrap();
        let index: u64 = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
        assert!(
            claims
                .iter()
                .any(|(l, c)| l == url && c == &status_claim(url, index))
        );
    }
    issuer.revoke(&id).unwrap();
    for url in [REVOCATION, SUSPENSION] {
        publish(&issuer, &cache, url);
        let list = issuer
            .status_list_credential_at(url, now() - Duration::hours(1), now() + Duration::days(1))
            .unwrap();
        w3c_cache.insert(url, &list.to_json_string());
    }
    let w3c = verifier
        .verify_credential(&credential.to_json_string())
        .unwrap();
    let w3c_revoked = w3c
        .report
        .checks
        .iter()
        .any(|c| c.check == CheckKind::Status && !c.passed && c.reason == "revoked");
    assert!(w3c_revoked, "{:?}", w3c.report);
    let tsl: Vec<_> = claims.iter().map(|(_, c)| check(c, &cache)).collect();
    assert!(
        tsl.iter().any(|c| c.reason.starts_with("revoked")),
        "{tsl:?}"
    );
    assert!(tsl.iter().any(|c| c.passed), "{tsl:?}");
}

#[test]
fn tsl_issuer_errors() {
    let (issuer, registry, _) = setup();
    let refresh = "https://kommune.example/tsl/refresh/1";
    registry
        .create_list(refresh, StatusPurpose::Refresh)
        .unwrap();
    assert!(matches!(
        issuer.status_list_token_at(refresh, now(), now() + Duration::days(1)),
        Err(Error::TokenStatus(TokenStatusError::Unmappable { .. }))
    ));
    assert!(matches!(
        token_status::allocate_status_claim(&registry, refresh, "urn:x"),
        Err(Error::TokenStatus(TokenStatusError::Unmappable { .. }))
    ));
    assert_eq!(registry.allocated(refresh).unwrap(), 0, "nothing allocated");
    assert!(matches!(
        issuer.status_list_token_at(
            "https://unknown.example/l",
            now(),
            now() + Duration::days(1)
        ),
        Err(Error::Status(_))
    ));
    assert!(matches!(
        issuer.status_list_token_at(REVOCATION, now(), now()),
        Err(Error::TokenStatus(TokenStatusError::Malformed(_)))
    ));
    assert!(matches!(
        support::issuer().status_list_token_at(REVOCATION, now(), now() + Duration::days(1)),
        Err(Error::NoStatusRegistry)
    ));
}

// ---------------------------------------------------------------------------------------------
// Negatives: the Status List Token

/// Signs `claims` as a Status List Token with `signer` (the right key unless a test says not).
fn sign(claims: &Map<String, Value>, signer: &dyn Signer) -> String {
    token_status::sign_status_list_token(claims, None, signer).unwrap()
}

/// Claims of a valid token for REVOCATION with `list`.
fn claims_for(list: &TokenStatusList) -> Map<String, Value> {
    token_status::status_list_token_claims(
        list,
        REVOCATION,
        None,
        now() - Duration::hours(1),
        Some(now() + Duration::days(1)),
        Some(3600),
    )
    .unwrap()
}

/// Serves `token` for REVOCATION and checks index 0 of it.
fn check_served(token: &str) -> token_status::TokenStatusCheck {
    let cache = StatusListCache::new();
    cache.insert(REVOCATION, token);
    check(&status_claim(REVOCATION, 0), &cache)
}

fn small_list() -> TokenStatusList {
    TokenStatusList::new(1, 1024).unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[test]
fn tsl_baseline_token_passes() {
    let key = support::key(Algorithm::Ed25519, 1);
    let result = check_served(&sign(&claims_for(&small_list()), key.as_ref()));
    assert!(result.passed, "{result:?}");
    assert_eq!(result.status, Some(TokenStatus::Valid));
}

#[test]
fn tsl_tampered_token_signature_fails() {
    let key = support::key(Algorithm::Ed25519, 1);
    let token = sign(&claims_for(&small_list()), key.as_ref());
    let parts: Vec<&str> = token.split('.').collect();
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[10] ^= 1;
    let flipped = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(&signature)
    );
    let result = check_served(&flipped);
    assert!(
        !result.passed && result.reason.contains("does not verify"),
        "{result:?}"
    );
    // A payload swapped for one that revokes index 0, under the old signature.
    let mut revoked = small_list();
    revoked.set(0, 1).unwrap();
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        b64(&Value::Object(claims_for(&revoked))),
        parts[2]
    );
    let result = check_served(&swapped);
    assert!(
        !result.passed && result.reason.contains("does not verify"),
        "{result:?}"
    );
}

#[test]
fn tsl_token_signed_by_another_key_fails() {
    for other in [
        support::key(Algorithm::Ed25519, 9),
        support::key(Algorithm::P256, 1),
    ] {
        let result = check_served(&sign(&claims_for(&small_list()), other.as_ref()));
        assert!(!result.passed, "{result:?}");
        assert!(
            result.reason.contains("does not verify"),
            "{}",
            result.reason
        );
    }
    // Another issuer's token, published under the uri, fails too.
    let other_issuer =
        Issuer::new(support::key(Algorithm::Ed25519, 7)).with_status(setup().1, &[REVOCATION]);
    let token = other_issuer
        .status_list_token_at(
            REVOCATION,
            now() - Duration::hours(1),
            now() + Duration::days(1),
        )
        .unwrap();
    let result = check_served(&token);
    assert!(
        !result.passed && result.reason.contains("does not verify"),
        "{result:?}"
    );
}

#[test]
fn tsl_sub_mismatch_fails() {
    let key = support::key(Algorithm::Ed25519, 1);
    let mut claims = claims_for(&small_list());
    claims.insert("sub".into(), json!("https://kommune.example/tsl/other"));
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("has sub"),
        "{result:?}"
    );
    claims.remove("sub");
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("no string sub"),
        "{result:?}"
    );
}

#[test]
fn tsl_expired_or_future_token_fails() {
    let key = support::key(Algorithm::Ed25519, 1);
    let base = claims_for(&small_list());
    let with = |name: &str, time: DateTime<Utc>| {
        let mut claims = base.clone();
        claims.insert(name.into(), time.timestamp().into());
        sign(&claims, key.as_ref())
    };
    let expired = check_served(&with("exp", now() - Duration::minutes(10)));
    assert!(
        !expired.passed && expired.reason.contains("expired"),
        "{expired:?}"
    );
    // Within the skew it still passes.
    assert!(check_served(&with("exp", now() - Duration::minutes(1))).passed);
    let future = check_served(&with("iat", now() + Duration::hours(1)));
    assert!(
        !future.passed && future.reason.contains("future"),
        "{future:?}"
    );
    assert!(check_served(&with("iat", now() + Duration::minutes(1))).passed);
    let not_yet = check_served(&with("nbf", now() + Duration::hours(1)));
    assert!(
        !not_yet.passed && not_yet.reason.contains("not valid before"),
        "{not_yet:?}"
    );
    let mut no_iat = base.clone();
    no_iat.remove("iat");
    let result = check_served(&sign(&no_iat, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("no iat"),
        "{result:?}"
    );
    for bad in [json!("soon"), json!(null), json!(1e300)] {
        let mut claims = base.clone();
        claims.insert("exp".into(), bad.clone());
        let result = check_served(&sign(&claims, key.as_ref()));
        assert!(
            !result.passed && result.reason.contains("unreadable exp"),
            "{bad}: {result:?}"
        );
    }
    for bad in [json!(0), json!(-5), json!("60")] {
        let mut claims = base.clone();
        claims.insert("ttl".into(), bad.clone());
        let result = check_served(&sign(&claims, key.as_ref()));
        assert!(
            !result.passed && result.reason.contains("ttl"),
            "{bad}: {result:?}"
        );
    }
}

#[test]
fn tsl_missing_token_fails() {
    let result = check(&status_claim(REVOCATION, 0), &StatusListCache::new());
    assert!(!result.passed, "{result:?}");
    assert!(result.reason.contains("cannot be had"), "{}", result.reason);
    assert_eq!(result.status, None);
    let garbage = check_served("not a token");
    assert!(
        !garbage.passed && garbage.reason.contains("not usable"),
        "{garbage:?}"
    );
    let huge = check_served(&"a".repeat(token_status::MAX_TOKEN_BYTES + 1));
    assert!(!huge.passed && huge.reason.contains("limit"), "{huge:?}");
}

#[test]
fn tsl_index_out_of_range_fails() {
    let key = support::key(Algorithm::Ed25519, 1);
    let cache = StatusListCache::new();
    cache.insert(REVOCATION, &sign(&claims_for(&small_list()), key.as_ref()));
    assert!(check(&status_claim(REVOCATION, 1023), &cache).passed);
    for idx in [1024, u64::MAX] {
        let result = check(&status_claim(REVOCATION, idx), &cache);
        assert!(
            !result.passed && result.reason.contains("outside"),
            "{idx}: {result:?}"
        );
    }
    assert!(matches!(
        small_list().get(1024),
        Err(TokenStatusError::OutOfRange {
            index: 1024,
            entries: 1024
        })
    ));
}

/// 64 MiB of zeros (eight times MAX_BITS), ZLIB-compressed to about 64 KiB.
fn zlib_bomb() -> String {
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zlib.write_all(&zeros).unwrap();
    }
    URL_SAFE_NO_PAD.encode(zlib.finish().unwrap())
}

#[test]
fn tsl_zlib_bomb_is_refused() {
    let bomb = zlib_bomb();
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    assert!(matches!(
        TokenStatusList::decode(1, &bomb),
        Err(TokenStatusError::TooLarge)
    ));
    // Exactly MAX_BITS decodes; one byte more does not.
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&vec![0u8; (MAX_BITS / 8) as usize]).unwrap();
    let at_limit = zlib.finish().unwrap();
    assert_eq!(
        TokenStatusList::decompress(1, &at_limit).unwrap().len(),
        MAX_BITS
    );
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&vec![0u8; (MAX_BITS / 8) as usize + 1])
        .unwrap();
    assert!(matches!(
        TokenStatusList::decompress(1, &zlib.finish().unwrap()),
        Err(TokenStatusError::TooLarge)
    ));
    // In a signed token, the check fails with the same reason.
    let key = support::key(Algorithm::Ed25519, 1);
    let mut claims = claims_for(&small_list());
    claims.insert("status_list".into(), json!({"bits": 1, "lst": bomb}));
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("more than"),
        "{result:?}"
    );
}

#[test]
fn tsl_non_base64url_and_bad_zlib_lst_are_refused() {
    for bad in [
        "eNr+uRgAAhcBXQ",   // standard base64 alphabet
        "eNrbuRgAAhcBXQ==", // padding
        "eNrbuRgA AhcBXQ",  // whitespace
        "!!!!",
    ] {
        assert!(
            matches!(
                TokenStatusList::decode(1, bad),
                Err(TokenStatusError::Encoding(_))
            ),
            "{bad}"
        );
    }
    // base64url, but not ZLIB: raw DEFLATE, GZIP, a truncated stream, a bad checksum.
    let good = URL_SAFE_NO_PAD.decode("eNrbuRgAAhcBXQ").unwrap();
    let mut bad_adler = good.clone();
    *bad_adler.last_mut().unwrap() ^= 1;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&[0xB9, 0xA3]).unwrap();
    for bad in [
        good[2..].to_vec(),
        gzip.finish().unwrap(),
        good[..good.len() - 3].to_vec(),
        bad_adler,
        vec![],
    ] {
        let text = URL_SAFE_NO_PAD.encode(&bad);
        assert!(
            matches!(
                TokenStatusList::decode(1, &text),
                Err(TokenStatusError::Encoding(_))
            ),
            "{}",
            hex::encode(&bad)
        );
    }
    let key = support::key(Algorithm::Ed25519, 1);
    let mut claims = claims_for(&small_list());
    claims.insert(
        "status_list".into(),
        json!({"bits": 1, "lst": "eNr+uRgAAhcBXQ"}),
    );
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("not base64url"),
        "{result:?}"
    );
}

#[test]
fn tsl_bits_outside_1_2_4_8_are_refused() {
    for bits in [0, 3, 5, 16, 256] {
        assert!(
            matches!(
                TokenStatusList::decode(bits, "eNrbuRgAAhcBXQ"),
                Err(TokenStatusError::Bits(b)) if b == bits
            ),
            "{bits}"
        );
    }
    for bits in [json!(3), json!(1.0), json!("1"), json!(-1), json!(null)] {
        let list = json!({"bits": bits, "lst": "eNrbuRgAAhcBXQ"});
        assert!(TokenStatusList::from_json(&list).is_err(), "{bits}");
    }
    let key = support::key(Algorithm::Ed25519, 1);
    let mut claims = claims_for(&small_list());
    claims.insert(
        "status_list".into(),
        json!({"bits": 3, "lst": "eNrbuRgAAhcBXQ"}),
    );
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("bits 3"),
        "{result:?}"
    );
    claims.remove("status_list");
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("no status_list"),
        "{result:?}"
    );
}

#[test]
fn tsl_alg_none_and_wrong_typ_are_refused() {
    let key = support::key(Algorithm::Ed25519, 1);
    let payload = b64(&Value::Object(claims_for(&small_list())));
    for header in [
        json!({"alg": "none", "typ": "statuslist+jwt"}),
        json!({"alg": "HS256", "typ": "statuslist+jwt"}),
        json!({"alg": "ES256", "typ": "statuslist+jwt"}),
    ] {
        for signature in ["", "AAAA"] {
            let token = format!("{}.{payload}.{signature}", b64(&header));
            let result = check_served(&token);
            assert!(!result.passed, "{header}: {result:?}");
            assert!(
                result.reason.contains("algorithm"),
                "{header}: {}",
                result.reason
            );
        }
    }
    let token = jws_with_typ("jwt", &claims_for(&small_list()), key.as_ref());
    let result = check_served(&token);
    assert!(
        !result.passed && result.reason.contains("type"),
        "{result:?}"
    );
}

fn jws_with_typ(typ: &str, claims: &Map<String, Value>, signer: &dyn Signer) -> String {
    lommebok::jws::sign(claims, typ, None, &Map::new(), signer).unwrap()
}

#[test]
fn tsl_unexpected_issuer_fails() {
    let key = support::key(Algorithm::Ed25519, 1);
    let mut claims = claims_for(&small_list());
    claims.insert("iss".into(), json!("did:example:someone-else"));
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("issued by"),
        "{result:?}"
    );
    claims.insert("iss".into(), json!(42));
    let result = check_served(&sign(&claims, key.as_ref()));
    assert!(
        !result.passed && result.reason.contains("iss"),
        "{result:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Negatives: the `status` claim

#[test]
fn tsl_malformed_status_claims_fail() {
    let key = support::key(Algorithm::Ed25519, 1);
    let cache = StatusListCache::new();
    cache.insert(REVOCATION, &sign(&claims_for(&small_list()), key.as_ref()));
    for claim in [
        json!(null),
        json!([]),
        json!({}),
        json!({"status_list": "x"}),
        json!({"other_mechanism": {"uri": REVOCATION}}),
        json!({"status_list": {"uri": REVOCATION}}),
        json!({"status_list": {"idx": 0}}),
        json!({"status_list": {"idx": -1, "uri": REVOCATION}}),
        json!({"status_list": {"idx": 1.5, "uri": REVOCATION}}),
        json!({"status_list": {"idx": "0", "uri": REVOCATION}}),
        json!({"status_list": {"idx": 0, "uri": 7}}),
        json!({"status_list": {"idx": 0, "uri": "not a uri"}}),
        // The whole payload instead of the `status` claim's value.
        json!({"status": status_claim(REVOCATION, 0)}),
    ] {
        let result = check(&claim, &cache);
        assert!(!result.passed, "{claim}: {result:?}");
        assert!(
            result.reason.starts_with("unusable status claim"),
            "{claim}: {}",
            result.reason
        );
    }
    assert!(check(&status_claim(REVOCATION, 0), &cache).passed);
}

#[test]
fn tsl_token_iss_can_follow_the_referenced_tokens_iss() {
    let (issuer, registry, cache) = setup();
    let claim = token_status::allocate_status_claim(&registry, REVOCATION, "urn:iss").unwrap();
    let https = "https://kommune.example";
    let checked = |cache: &StatusListCache, expected: Option<&str>| {
        check_token_status(&claim, &issuer_key(), expected, cache, now(), skew())
    };
    let token = issuer
        .status_list_token_with_issuer_at(
            REVOCATION,
            Some(https),
            now() - Duration::hours(1),
            now() + Duration::days(1),
        )
        .unwrap();
    assert_eq!(Jws::decode(&token).unwrap().payload["iss"], https);
    cache.insert(REVOCATION, &token);
    assert!(checked(&cache, Some(https)).passed);
    assert!(checked(&cache, None).passed);
    let result = checked(&cache, Some(issuer.did().as_str()));
    assert!(
        !result.passed && result.reason.contains("issued by"),
        "{result:?}"
    );
    // Without `iss` (the draft no longer requires it), the key alone binds the list.
    let token = issuer
        .status_list_token_with_issuer_at(
            REVOCATION,
            None,
            now() - Duration::hours(1),
            now() + Duration::days(1),
        )
        .unwrap();
    assert!(Jws::decode(&token).unwrap().payload.get("iss").is_none());
    cache.insert(REVOCATION, &token);
    assert!(checked(&cache, Some(https)).passed);
}
