//! Strict base64url (RFC 4648 §5) without padding, as JWS requires (RFC 7515 §2, App. C).
//!
//! `base64ct` rejects padding, characters outside the URL-safe alphabet, impossible lengths and
//! non-canonical trailing bits, so every byte string has exactly one accepted encoding: a token
//! cannot be altered into a different string that still verifies.

use base64ct::{Base64UrlUnpadded, Encoding};

/// Decodes unpadded base64url; `None` on any deviation from the canonical encoding.
pub(crate) fn decode(input: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(input).ok()
}

/// The number of bytes `encoded_len` base64url characters decode to, at most.
///
/// Lets callers enforce a decoded-size cap before allocating.
pub(crate) fn max_decoded_len(encoded_len: usize) -> usize {
    (encoded_len / 4)
        .saturating_mul(3)
        .saturating_add((encoded_len % 4).saturating_mul(3) / 4)
}

/// Encodes unpadded base64url (used only to write key-set cache records).
pub(crate) fn encode(input: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        assert_eq!(decode("QQ").as_deref(), Some(&b"A"[..]));
        assert_eq!(decode(""), Some(Vec::new()));
        // Non-zero trailing bits: "QR" would also decode to "A" in a lax decoder.
        assert_eq!(decode("QR"), None);
        assert_eq!(decode("QQ=="), None, "padding");
        assert_eq!(decode("Q"), None, "impossible length");
        assert_eq!(decode("a+b/"), None, "standard alphabet");
        assert_eq!(decode("QQ "), None, "whitespace");
        assert_eq!(decode("_-8"), Some(vec![0xff, 0xef]));
    }

    #[test]
    fn decoded_len_bound() {
        for n in 0..64usize {
            let s = encode(&vec![0u8; n]);
            assert_eq!(max_decoded_len(s.len()), n);
        }
    }
}
