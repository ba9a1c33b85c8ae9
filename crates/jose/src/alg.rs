//! The JWS algorithm allow-list (RFC 7518 §3.1, RFC 8037 §3.1) as ONE static table.
//!
//! Like rustls-webpki's `ring_algs.rs`, each row binds an `alg` name to the ring verifier that
//! implements it and to the key it needs. Nothing else in the core maps algorithms to
//! primitives, so an RSA key can never be handed to ECDSA, an `alg` the table lacks can never be
//! verified, and HMAC (the RS→HS confusion) has no row at all.

use ring::signature::{self, EcdsaVerificationAlgorithm, RsaParameters};

/// A JWS algorithm this core verifies (RFC 7518 §3.1; `EdDSA` is RFC 8037 §3.1, Ed25519 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384 (RFC 7518 §3.3).
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512 (RFC 7518 §3.3).
    Rs512,
    /// RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (RFC 7518 §3.5).
    Ps256,
    /// RSASSA-PSS, SHA-384, MGF1-SHA-384, 48-byte salt (RFC 7518 §3.5).
    Ps384,
    /// RSASSA-PSS, SHA-512, MGF1-SHA-512, 64-byte salt (RFC 7518 §3.5).
    Ps512,
    /// ECDSA on P-256 with SHA-256, signature r‖s (RFC 7518 §3.4).
    Es256,
    /// ECDSA on P-384 with SHA-384, signature r‖s (RFC 7518 §3.4).
    Es384,
    /// EdDSA with Ed25519 (RFC 8037 §3.1).
    EdDsa,
}

/// An elliptic curve this core accepts for ECDSA (RFC 7518 §6.2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Curve {
    P256,
    P384,
}

/// The ring primitive behind an [`Alg`], which also fixes the key type it can use.
pub(crate) enum Verifier {
    /// An RSA key (`kty: RSA`), verified from its (n, e) components.
    Rsa(&'static RsaParameters),
    /// An EC key (`kty: EC`) on exactly this curve; the FIXED verifiers take JWS's raw r‖s.
    Ecdsa(Curve, &'static EcdsaVerificationAlgorithm),
    /// An Ed25519 key (`kty: OKP`, `crv: Ed25519`).
    Ed25519,
}

/// One row of the table.
struct Row {
    alg: Alg,
    name: &'static str,
    verifier: Verifier,
}

/// The allow-list. ring's `*_2048_8192_*` RSA verifiers enforce the 2048-bit floor again at
/// verification time; PSS salt length equals the hash length, as RFC 7518 §3.5 requires.
#[rustfmt::skip]
static TABLE: [Row; 9] = [
    Row { alg: Alg::Rs256, name: "RS256", verifier: Verifier::Rsa(&signature::RSA_PKCS1_2048_8192_SHA256) },
    Row { alg: Alg::Rs384, name: "RS384", verifier: Verifier::Rsa(&signature::RSA_PKCS1_2048_8192_SHA384) },
    Row { alg: Alg::Rs512, name: "RS512", verifier: Verifier::Rsa(&signature::RSA_PKCS1_2048_8192_SHA512) },
    Row { alg: Alg::Ps256, name: "PS256", verifier: Verifier::Rsa(&signature::RSA_PSS_2048_8192_SHA256) },
    Row { alg: Alg::Ps384, name: "PS384", verifier: Verifier::Rsa(&signature::RSA_PSS_2048_8192_SHA384) },
    Row { alg: Alg::Ps512, name: "PS512", verifier: Verifier::Rsa(&signature::RSA_PSS_2048_8192_SHA512) },
    Row { alg: Alg::Es256, name: "ES256", verifier: Verifier::Ecdsa(Curve::P256, &signature::ECDSA_P256_SHA256_FIXED) },
    Row { alg: Alg::Es384, name: "ES384", verifier: Verifier::Ecdsa(Curve::P384, &signature::ECDSA_P384_SHA384_FIXED) },
    Row { alg: Alg::EdDsa, name: "EdDSA", verifier: Verifier::Ed25519 },
];

impl Alg {
    /// Every accepted algorithm, in table order.
    pub const ALL: [Alg; 9] = [
        Alg::Rs256,
        Alg::Rs384,
        Alg::Rs512,
        Alg::Ps256,
        Alg::Ps384,
        Alg::Ps512,
        Alg::Es256,
        Alg::Es384,
        Alg::EdDsa,
    ];

    /// The registered `alg` name (RFC 7518 §3.1, RFC 8037 §3.1).
    pub fn as_str(&self) -> &'static str {
        self.row().name
    }

    /// Looks up an `alg` header or JWK value; names are case-sensitive (RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Alg> {
        TABLE.iter().find(|row| row.name == name).map(|row| row.alg)
    }

    /// The ring primitive for this algorithm.
    pub(crate) fn verifier(&self) -> &'static Verifier {
        &self.row().verifier
    }

    fn row(&self) -> &'static Row {
        // Destructuring fixes the table's length at compile time and the match is exhaustive,
        // so every variant has a row without indexing; a test checks each row names its variant.
        let [rs256, rs384, rs512, ps256, ps384, ps512, es256, es384, eddsa] = &TABLE;
        match self {
            Alg::Rs256 => rs256,
            Alg::Rs384 => rs384,
            Alg::Rs512 => rs512,
            Alg::Ps256 => ps256,
            Alg::Ps384 => ps384,
            Alg::Ps512 => ps512,
            Alg::Es256 => es256,
            Alg::Es384 => es384,
            Alg::EdDsa => eddsa,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order() {
        assert_eq!(TABLE.len(), Alg::ALL.len());
        for (row, alg) in TABLE.iter().zip(Alg::ALL.iter()) {
            assert_eq!(row.alg, *alg);
            assert_eq!(alg.row().alg, *alg);
            assert_eq!(Alg::from_name(alg.as_str()), Some(*alg));
        }
    }

    #[test]
    fn names_are_case_sensitive_and_closed() {
        for name in [
            "rs256", "none", "HS256", "ES512", "Ed25519", "EDDSA", "", "RS256 ",
        ] {
            assert_eq!(Alg::from_name(name), None, "{name}");
        }
    }
}
