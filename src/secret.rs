//! Where secrets live: wiped on drop, never printed, compared in constant time.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a secret string. The bytes are used exactly as given: no trimming and no
            /// Unicode normalisation (Cognito's clients apply none).
            pub fn new(secret: impl Into<String>) -> Self {
                Self(Zeroizing::new(secret.into()))
            }

            /// The secret itself, for the rare caller that must store or send it.
            #[must_use]
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::new(s)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(..)"))
            }
        }

        /// Constant-time comparison of the bytes (the length is not hidden).
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
            }
        }

        impl Eq for $name {}

        impl ZeroizeOnDrop for $name {}

        /// Serialized as the plain string: store the result as carefully as the secret.
        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new)
            }
        }
    };
}

secret_string!(
    /// A user's password or a device password. Wiped on drop, never printed.
    Password
);

secret_string!(
    /// A refresh token: a long-term credential of the user. Wiped on drop, never printed.
    RefreshToken
);

secret_string!(
    /// An app client's secret: the key of `SECRET_HASH`. Wiped on drop, never printed.
    ClientSecret
);

/// Secret bytes (an SRP private value, a premaster secret, a derived key). Wiped on drop,
/// never printed, compared in constant time.
#[derive(Clone)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes themselves.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// Constant-time comparison of the bytes (the length is not hidden).
impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for SecretBytes {}

impl ZeroizeOnDrop for SecretBytes {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_hides_secrets() {
        let p = Password::new("hunter2");
        assert_eq!(format!("{p:?}"), "Password(..)");
        let c = ClientSecret::new("topsecret");
        assert!(!format!("{c:?}").contains("topsecret"));
        let b = SecretBytes::new(alloc::vec![0x41; 4]);
        assert!(!format!("{b:?}").contains("41"));
        assert_eq!(p, Password::from("hunter2"));
        assert_ne!(p, Password::from("hunter3"));
    }
}
