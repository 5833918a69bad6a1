//! RS256 token signing and the JWKS that publishes the key.
//!
//! The `rsa` crate (RustCrypto) makes and reads keys and gives the JWKS its modulus; `ring`
//! signs, being several times faster at RSA signatures, which every sign-in needs two of.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_signin::server::TokenSigner;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::PrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// An RSA key that signs every pool's tokens, with its JWKS `kid`.
#[derive(Clone)]
pub struct SigningKeyPair {
    inner: Arc<Inner>,
}

struct Inner {
    key: RsaKeyPair,
    private: PrivateKey,
    kid: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyPair")
            .field("kid", &self.inner.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKeyPair {
    /// A new 2048-bit key from the operating system's random source.
    ///
    /// # Errors
    /// When the key cannot be made (no random source).
    pub fn generate() -> Result<Self, String> {
        let mut rng = rand::rngs::SysRng;
        let private = PrivateKey::new(&mut rng, 2048).map_err(|e| format!("RSA key: {e}"))?;
        Self::from_private(private)
    }

    /// A key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// When the text is neither.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let private = PrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| PrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| "the signing key is not an RSA private key in PEM (PKCS#8 or PKCS#1)")?;
        if private.size() < 256 {
            return Err("the signing key must have at least 2048 bits".into());
        }
        Self::from_private(private)
    }

    fn from_private(private: PrivateKey) -> Result<Self, String> {
        let digest = Sha256::digest(private.n_bytes());
        let kid = URL_SAFE_NO_PAD.encode(digest.get(..16).unwrap_or_default());
        let der = private
            .to_pkcs8_der()
            .map_err(|e| format!("RSA key: {e}"))?;
        let key = RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| format!("RSA key: {e}"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                key,
                private,
                kid,
                rng: SystemRandom::new(),
            }),
        })
    }

    /// The key as PKCS#8 PEM, for the state file.
    pub fn to_pem(&self) -> String {
        self.inner
            .private
            .to_pkcs8_pem(LineEnding::LF)
            .map(|p| p.to_string())
            .unwrap_or_default()
    }

    /// The JWKS that publishes the public key.
    pub fn jwks(&self) -> Value {
        let public = self.inner.private.to_public_key();
        json!({"keys": [{
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(public.e_bytes()),
            "kid": self.inner.kid,
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.n_bytes()),
            "use": "sig",
        }]})
    }

    /// A [`TokenSigner`] for a pool.
    pub fn signer(&self) -> Box<dyn TokenSigner> {
        Box::new(self.clone())
    }
}

impl TokenSigner for SigningKeyPair {
    fn algorithm(&self) -> &str {
        "RS256"
    }

    fn key_id(&self) -> &str {
        &self.inner.kid
    }

    fn sign(&self, signing_input: &[u8]) -> Vec<u8> {
        let inner = &self.inner;
        let mut signature = vec![0u8; inner.key.public().modulus_len()];
        match inner
            .key
            .sign(&RSA_PKCS1_SHA256, &inner.rng, signing_input, &mut signature)
        {
            Ok(()) => signature,
            // ring fails only for a broken random source; the token is then unverifiable,
            // never unsigned-but-accepted.
            Err(_) => Vec::new(),
        }
    }
}
