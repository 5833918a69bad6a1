//! Remembered devices: the secret and verifier a new device registers with `ConfirmDevice`.

use alloc::string::String;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::secret::Password;
use crate::srp::{Identity, Verifier};

/// A new device's long-term secret and the `DeviceSecretVerifierConfig` that registers it.
///
/// Made as Cognito's own clients make it: the device password is base64 of 40 random bytes
/// (56 characters); the salt is padHex of 16 random bytes read as an unsigned integer, so it is
/// never read as negative by the service; `x` hashes the device group key, device key and
/// device password; `PasswordVerifier = base64(padHex(g^x mod N))`, `Salt = base64(salt)`.
///
/// Keep [`DeviceRegistration::device_password`] with the device key and group key: device
/// SRP needs all three. Send [`DeviceRegistration::password_verifier`] and
/// [`DeviceRegistration::salt`] in `ConfirmDevice`.
#[derive(Clone)]
pub struct DeviceRegistration {
    device_password: Password,
    verifier: Verifier,
}

impl fmt::Debug for DeviceRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRegistration")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl DeviceRegistration {
    /// Registers the device `device_key` of group `device_group_key` (both from
    /// `NewDeviceMetadata`), drawing 40 bytes for the device password, then 16 for the salt.
    #[must_use]
    pub fn generate<R: CryptoRng + ?Sized>(
        device_group_key: &str,
        device_key: &str,
        rng: &mut R,
    ) -> Self {
        let mut password_random = Zeroizing::new([0u8; 40]);
        let mut salt_random = [0u8; 16];
        rng.fill_bytes(&mut *password_random);
        rng.fill_bytes(&mut salt_random);
        // The salt is sent (`DeviceSecretVerifierConfig.Salt`); the password never is.
        crate::ct::declassify(&mut salt_random);
        Self::from_random_bytes(device_group_key, device_key, &password_random, &salt_random)
    }

    /// As [`DeviceRegistration::generate`], with the random bytes given: for test vectors and
    /// replays only.
    #[must_use]
    pub fn from_random_bytes(
        device_group_key: &str,
        device_key: &str,
        password_random: &[u8; 40],
        salt_random: &[u8; 16],
    ) -> Self {
        // The device password is secret: base64 without table lookups.
        let device_password = Password::new(
            <base64ct::Base64 as base64ct::Encoding>::encode_string(password_random),
        );
        let identity = Identity::device(device_group_key, device_key);
        let verifier = Verifier::new(&identity, &device_password, salt_random);
        Self {
            device_password,
            verifier,
        }
    }

    /// The device password: the device's long-term secret, to be stored with its keys.
    #[must_use]
    pub fn device_password(&self) -> &Password {
        &self.device_password
    }

    /// `DeviceSecretVerifierConfig.PasswordVerifier`: base64(padHex(v)).
    #[must_use]
    pub fn password_verifier(&self) -> String {
        self.verifier.verifier_base64()
    }

    /// `DeviceSecretVerifierConfig.Salt`: base64(padHex(salt)).
    #[must_use]
    pub fn salt(&self) -> String {
        self.verifier.salt_base64()
    }

    /// The verifier as the server stores it.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}
