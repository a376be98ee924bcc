//! RFC 8785 (JCS) test data through lommebok's own path: strict JSON parsing, then the JCS
//! suites' canonicalization of the document.

use lommebok::contexts::ContextRegistry;
use lommebok::data_integrity::{Cryptosuite, hash_data};
use serde_json::Map;

use crate::vectors;

#[test]
fn rfc8785_test_data_canonicalizes_byte_for_byte() {
    let Some(root) = vectors::root() else { return };
    let mut checked = 0;
    for name in [
        "arrays",
        "french",
        "structures",
        "unicode",
        "values",
        "weird",
    ] {
        let input = vectors::read(&root, &format!("jcs/input/{name}.json"));
        let expected = vectors::read(&root, &format!("jcs/output/{name}.json"));
        let expected_hex = vectors::read(&root, &format!("jcs/outhex/{name}.txt"));
        let object = match lommebok::json::parse_object(&input) {
            Ok(object) => object,
            Err(lommebok::json::JsonError::NotAnObject) => {
                eprintln!("SKIP jcs/{name}: top level is not an object, and documents are objects");
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        let hash = hash_data(
            &object,
            &Map::new(),
            Cryptosuite::EddsaJcs2022,
            &ContextRegistry::new(),
        )
        .unwrap();
        assert_eq!(hash.canonical_document, expected, "{name}");
        let hex: String = expected_hex.split_whitespace().collect();
        assert_eq!(
            hex::encode(hash.canonical_document.as_bytes()),
            hex,
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
}
