//! Claim paths: which claims an issuer makes selectively disclosable, and which a holder
//! discloses.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use super::SdJwtError;

/// Top-level claims that are never selectively disclosable: the registered claims SD-JWT VC
/// (draft-ietf-oauth-sd-jwt-vc §3.2.2.2) forbids hiding plus `iat`, which lommebok always shows,
/// and the SD-JWT keywords (RFC 9901 §4.2).
pub const NEVER_DISCLOSABLE: [&str; 10] = [
    "iss", "iat", "exp", "nbf", "cnf", "vct", "status", "_sd", "_sd_alg", "...",
];

/// Names that can never be claim names at any level: a disclosure may not carry them
/// (RFC 9901 §7.1 step 3.2.2.1) and in the payload they mean digests.
pub(crate) const SD_KEYWORDS: [&str; 2] = ["_sd", "..."];

/// One step of a [`ClaimPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// An object member, by name.
    Name(String),
    /// An array element, by index from 0. Against an object it names the member whose name is
    /// the decimal index, so `age_equal_or_over.18` works as one would expect.
    Index(usize),
}

impl From<&str> for PathSegment {
    fn from(name: &str) -> Self {
        PathSegment::Name(name.to_owned())
    }
}

impl From<String> for PathSegment {
    fn from(name: String) -> Self {
        PathSegment::Name(name)
    }
}

impl From<usize> for PathSegment {
    fn from(index: usize) -> Self {
        PathSegment::Index(index)
    }
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Name(name) => f.write_str(name),
            PathSegment::Index(index) => write!(f, "{index}"),
        }
    }
}

/// A path to a claim: `given_name`, `address.street_address`, `nationalities.1`.
///
/// An issuer names the claims it makes selectively disclosable with paths (at any depth: a
/// top-level claim, a member of a nested object, an array element); a holder names the claims it
/// discloses. Disclosing a path discloses the claim with everything in it, and keeps the
/// disclosures of the claims around it (`address.locality` needs `address` when `address`
/// itself is selectively disclosable).
///
/// [`ClaimPath::parse`] reads the dot form; a name that contains a dot, or a member whose name is
/// a number written with leading zeros, needs [`ClaimPath::from_segments`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClaimPath(Vec<PathSegment>);

impl ClaimPath {
    /// Parses a dot path: segments separated by `.`; a segment of ASCII digits (without leading
    /// zeros) is an array index, any other a member name.
    ///
    /// # Errors
    /// [`SdJwtError::InvalidPath`] for an empty path or segment, and for a path to a claim that
    /// is never selectively disclosable ([`NEVER_DISCLOSABLE`] at the top level; `_sd` and `...`
    /// anywhere).
    pub fn parse(path: &str) -> Result<Self, SdJwtError> {
        if path.is_empty() {
            return Err(invalid(path, "the path is empty"));
        }
        let segments = path
            .split('.')
            .map(|segment| {
                if segment.is_empty() {
                    Err(invalid(
                        path,
                        "a segment is empty (two dots, or a dot at an end)",
                    ))
                } else {
                    Ok(parse_segment(segment))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_segments(segments)
    }

    /// A path from its segments.
    ///
    /// # Errors
    /// As [`ClaimPath::parse`].
    pub fn from_segments(
        segments: impl IntoIterator<Item = PathSegment>,
    ) -> Result<Self, SdJwtError> {
        let path = ClaimPath(segments.into_iter().collect());
        let text = path.to_string();
        let Some(first) = path.0.first() else {
            return Err(invalid(&text, "the path is empty"));
        };
        if let PathSegment::Name(name) = first
            && NEVER_DISCLOSABLE.contains(&name.as_str())
        {
            return Err(invalid(
                &text,
                &format!(
                    "`{name}` is never selectively disclosable (RFC 9901 §4.2, SD-JWT VC §3.2.2.2)"
                ),
            ));
        }
        for segment in &path.0 {
            if let PathSegment::Name(name) = segment
                && SD_KEYWORDS.contains(&name.as_str())
            {
                return Err(invalid(
                    &text,
                    &format!("`{name}` is an SD-JWT keyword, not a claim name"),
                ));
            }
        }
        Ok(path)
    }

    /// The segments.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// A path already resolved against claims (so not checked again).
    pub(crate) fn from_resolved(segments: Vec<PathSegment>) -> Self {
        ClaimPath(segments)
    }

    /// The path as it runs through `claims`: each step a member name (an index against an object
    /// becomes the member named by its decimal form) or an array index.
    pub(crate) fn resolve(
        &self,
        claims: &Map<String, Value>,
    ) -> Result<Vec<PathSegment>, SdJwtError> {
        let not_found = |reason: String| SdJwtError::PathNotFound {
            path: self.to_string(),
            reason,
        };
        let mut resolved = Vec::with_capacity(self.0.len());
        let mut here = Some(claims);
        let mut array: Option<&Vec<Value>> = None;
        for segment in &self.0 {
            let value = match (here, array, segment) {
                (Some(object), _, PathSegment::Name(name)) => {
                    resolved.push(PathSegment::Name(name.clone()));
                    object.get(name)
                }
                (Some(object), _, PathSegment::Index(index)) => {
                    let name = index.to_string();
                    let value = object.get(&name);
                    resolved.push(PathSegment::Name(name));
                    value
                }
                (None, Some(items), PathSegment::Index(index)) => {
                    resolved.push(PathSegment::Index(*index));
                    items.get(*index)
                }
                (None, Some(_), PathSegment::Name(name)) => {
                    return Err(not_found(format!(
                        "`{}` is an array, so `{name}` must be an index",
                        display(&resolved)
                    )));
                }
                (None, None, _) => {
                    return Err(not_found(format!(
                        "`{}` is neither an object nor an array",
                        display(&resolved)
                    )));
                }
            };
            let Some(value) = value else {
                return Err(not_found(format!("there is no `{}`", display(&resolved))));
            };
            here = value.as_object();
            array = value.as_array();
        }
        Ok(resolved)
    }
}

fn parse_segment(segment: &str) -> PathSegment {
    let canonical_number = segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    match segment.parse::<usize>() {
        Ok(index) if canonical_number => PathSegment::Index(index),
        _ => PathSegment::Name(segment.to_owned()),
    }
}

fn invalid(path: &str, reason: &str) -> SdJwtError {
    SdJwtError::InvalidPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Dot form of resolved segments, for messages.
pub(crate) fn display(segments: &[PathSegment]) -> String {
    segments
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

impl fmt::Display for ClaimPath {
    /// The dot form (which [`ClaimPath::parse`] reads back unless a name contains a dot or is a
    /// number).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&display(&self.0))
    }
}

impl FromStr for ClaimPath {
    type Err = SdJwtError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dot_paths_parse_into_names_and_indexes() {
        let path = ClaimPath::parse("address.street_address").unwrap();
        assert_eq!(
            path.segments(),
            [
                PathSegment::Name("address".into()),
                PathSegment::Name("street_address".into())
            ]
        );
        let path = ClaimPath::parse("nationalities.10").unwrap();
        assert_eq!(path.segments()[1], PathSegment::Index(10));
        // Leading zeros: a name, not an index.
        let path = ClaimPath::parse("codes.007").unwrap();
        assert_eq!(path.segments()[1], PathSegment::Name("007".into()));
        assert_eq!(path.to_string(), "codes.007");
    }

    #[test]
    fn bad_paths_are_refused_with_a_reason() {
        for bad in ["", ".", "a.", ".a", "a..b"] {
            assert!(
                matches!(ClaimPath::parse(bad), Err(SdJwtError::InvalidPath { .. })),
                "{bad:?}"
            );
        }
        for reserved in NEVER_DISCLOSABLE {
            let err = ClaimPath::parse(reserved).unwrap_err();
            assert!(err.to_string().contains(reserved), "{err}");
        }
        // Nested registered names are ordinary claims; nested keywords are not.
        assert!(ClaimPath::parse("marriage.status").is_ok());
        assert!(ClaimPath::parse("address._sd").is_err());
        assert!(ClaimPath::parse("list.0....").is_err());
        assert!(ClaimPath::parse("cnf.jwk").is_err());
        assert!(ClaimPath::from_segments([]).is_err());
        assert!(ClaimPath::from_segments(["a.b".into()]).is_ok());
    }

    #[test]
    fn paths_resolve_against_claims() {
        let claims = json!({
            "address": {"street": "x"},
            "list": ["a", {"b": 1}],
            "age_equal_or_over": {"18": true}
        });
        let claims = claims.as_object().unwrap();
        let resolve = |p: &str| ClaimPath::parse(p).unwrap().resolve(claims);
        assert_eq!(
            resolve("list.1.b").unwrap(),
            [
                PathSegment::Name("list".into()),
                PathSegment::Index(1),
                PathSegment::Name("b".into())
            ]
        );
        assert_eq!(
            resolve("age_equal_or_over.18").unwrap()[1],
            PathSegment::Name("18".into())
        );
        for missing in [
            "nope",
            "address.city",
            "list.2",
            "list.x",
            "address.street.x",
        ] {
            assert!(
                matches!(resolve(missing), Err(SdJwtError::PathNotFound { .. })),
                "{missing}"
            );
        }
    }
}
