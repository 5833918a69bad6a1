//! `SECRET_HASH`: what an app client with a secret adds to every sign-in request.

use alloc::string::String;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::secret::ClientSecret;

/// `SECRET_HASH = base64(HMAC-SHA256(key = client secret, message = username ‖ client id))`,
/// standard base64 with padding (44 characters).
///
/// `username` must be the exact string sent as `USERNAME` in the same request: the typed
/// sign-in name for `InitiateAuth`, the service's `USER_ID_FOR_SRP` / `USERNAME` afterwards, and
/// the token owner's internal username (the access token's `username` claim) for
/// `REFRESH_TOKEN_AUTH`.
///
/// ```
/// use cognito_signin::{ClientSecret, secret_hash};
/// let hash = secret_hash(&ClientSecret::new("s3cr3t"), "alice", "client123");
/// assert_eq!(hash.len(), 44);
/// ```
#[must_use]
pub fn secret_hash(client_secret: &ClientSecret, username: &str, client_id: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty tag would be refused by
    // the service rather than crash the caller.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.expose_secret().as_bytes())
    else {
        return String::new();
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    let mut tag: [u8; 32] = mac.finalize().into_bytes().into();
    crate::ct::declassify(&mut tag);
    STANDARD.encode(tag)
}
