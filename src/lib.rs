#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod ct;
mod device;
mod error;
mod flow;
#[cfg(feature = "serde")]
mod json;
mod secret;
mod secret_hash;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub mod server;
pub mod srp;
mod time;
mod wire;

/// The constant-time check's hook (feature `ct-check-hooks`): not for use elsewhere.
#[cfg(feature = "ct-check-hooks")]
#[doc(hidden)]
pub use ct::hooks as ct_check_hooks;
pub use device::DeviceRegistration;
pub use error::{Error, ErrorKind, Misuse, ProtocolError, ServiceError};
pub use flow::{
    Answer, Challenge, Config, DeviceCredentials, DeviceStatus, FirstFactor, MfaType, NewDevice,
    Prompt, Reply, Response, SignIn, SignedIn, Start, Step, Tokens,
};
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub use json::JSON_FORM_VERSION;
pub use secret::{ClientSecret, Password, RefreshToken, SecretBytes};
pub use secret_hash::secret_hash;
pub use srp::PrivateSize;
#[cfg(fuzzing)]
#[doc(hidden)]
pub use srp::math::short_exponents::set as fuzzing_short_exponents;
pub use time::UnixTime;
pub use wire::{
    CONTENT_TYPE, MAX_CHALLENGE_PARAMETERS, MAX_NAME_CHARS, MAX_PARAMETER_CHARS, MAX_REPLY_BYTES,
    MAX_SESSION_CHARS, MAX_TOKEN_CHARS, Operation, Request,
};

/// The randomness this crate takes from its caller: any cryptographically secure generator
/// implementing [`rand_core::CryptoRng`] (re-exported so that callers name the same version).
pub use rand_core;
