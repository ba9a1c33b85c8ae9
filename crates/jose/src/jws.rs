//! A JWS in compact serialization (RFC 7515 §7.1), whatever its payload.
//!
//! [`Jws::parse`] does everything that needs no key: the size cap, the three-part shape,
//! canonical base64url and the header rules. [`Jws::verify_signature`] selects the key and
//! checks the signature (RFC 7515 §5.2). [`Token`](super::Token) adds the JWT claims on top.

use super::header::Header;
use super::{b64, Alg, Error, KeySet, Limits};

/// A parsed, not yet verified, compact JWS.
#[derive(Clone)]
pub struct Jws {
    header: Header,
    payload: Vec<u8>,
    /// `BASE64URL(header) '.' BASE64URL(payload)`, exactly as received (RFC 7515 §5.2 step 8).
    signing_input: String,
    signature: Vec<u8>,
}

impl core::fmt::Debug for Jws {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Unverified payload and signature bytes stay out of logs.
        f.debug_struct("Jws")
            .field("alg", &self.header.alg)
            .field("kid", &self.header.kid)
            .finish_non_exhaustive()
    }
}

impl Jws {
    /// Parses a compact JWS (RFC 7515 §7.1; §5.2 steps 1–5): at most `limits.max_token_bytes`,
    /// exactly three parts (five is a JWE), canonical unpadded base64url in each, and a header
    /// the core accepts (see [`Error`] for each refusal).
    pub fn parse(compact: &str, limits: &Limits) -> Result<Jws, Error> {
        // Before any other work, so a hostile megabyte costs one comparison.
        if compact.len() > limits.max_token_bytes {
            return Err(Error::TokenTooLarge);
        }
        // `split` finds the dots with memchr, far cheaper than visiting every byte.
        let mut parts = compact.split('.');
        let (Some(header), Some(payload), Some(signature)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::Malformed);
        };
        match parts.count() {
            0 => {}
            2 => return Err(Error::Jwe),
            _ => return Err(Error::Malformed),
        }
        // RFC 7515 §5.2 step 8: the signed bytes are exactly the first two parts as received.
        let signing_input = compact
            .get(..header.len() + 1 + payload.len())
            .ok_or(Error::Malformed)?;

        // Cap the header before decoding it, not after.
        if b64::max_decoded_len(header.len()) > limits.max_header_bytes {
            return Err(Error::HeaderTooLarge);
        }
        let header = b64::decode(header).ok_or(Error::HeaderBase64)?;
        let header = Header::parse(&header, limits)?;
        let payload = b64::decode(payload).ok_or(Error::PayloadBase64)?;
        let signature = b64::decode(signature).ok_or(Error::SignatureBase64)?;
        Ok(Jws {
            header,
            payload,
            signing_input: signing_input.to_owned(),
            signature,
        })
    }

    /// The header's `alg` (RFC 7515 §4.1.1), already on the allow-list.
    pub fn alg(&self) -> Alg {
        self.header.alg
    }

    /// The header's `kid` (RFC 7515 §4.1.4), an opaque string.
    pub fn kid(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// True when the header's `typ` is `at+jwt` (RFC 9068 §2.1), in any case, with or without
    /// `application/`.
    pub fn is_access_token_typed(&self) -> bool {
        self.header.access_token_typ
    }

    /// The decoded payload. Unverified until [`Jws::verify_signature`] succeeds.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Selects the key (by `kid`, or the single key fitting `alg`) and verifies the signature
    /// with ring (RFC 7515 §5.2 steps 7–8).
    pub fn verify_signature(&self, keys: &KeySet) -> Result<(), Error> {
        let key = keys.select(self.kid(), self.alg())?;
        key.verify(self.alg(), self.signing_input.as_bytes(), &self.signature)
    }
}
