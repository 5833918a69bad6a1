//! The constant-time check of cognito-signin, on the compiled code: run under
//! `valgrind --tool=memcheck`, it marks every secret (the private values `a` and `b`, passwords,
//! the device password, the client secret, random bytes) as undefined memory, runs the crate's
//! secret-dependent operations in the optimised build, and counts memcheck's errors. Memcheck
//! reports every conditional branch, every memory address and every system call argument
//! that depends on an undefined value, so zero errors means no such dependency on a secret, in
//! the machine code that runs. Values that are public by design (`A`, `B`, the verifier, the
//! signature, whether a signature verifies) are marked defined again by the crate itself, at
//! its declassification points (feature `ct-check-hooks`).
//!
//! Two deliberately leaky functions, kept here and nowhere else, show that the check bites: a
//! secret-dependent branch (padHex by `position`, as the crate computed it before) and a
//! secret-dependent table index. Each must add errors; each check of the crate must add none.
//!
//! ```sh
//! cargo build --profile ct-check -p cognito-signin-ct-check
//! valgrind --tool=memcheck target/ct-check/cognito-signin-ct-check
//! ```

mod valgrind;

use std::process::ExitCode;

use cognito_signin::srp::{
    Ephemeral, Identity, PowersOfG, PrivateSize, ServerChallenge, ServerEphemeral, ServerSession,
    Verifier, arith,
};
use cognito_signin::{ClientSecret, DeviceRegistration, Password, UnixTime, secret_hash};

const POOL: &str = "us-east-1_CtCheck1";
const USER: &str = "7f3c9d2e-5b1a-4c8f-9e6d-2a4b8c0d1e3f";
const GROUP: &str = "-wt2ha1Zd";
const DEVICE: &str = "us-east-1_a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
const NOW: UnixTime = UnixTime(1_800_000_000);
const SECRET_BLOCK: &[u8] = b"secret block of the server";

/// A deterministic generator (SplitMix64) whose output is marked secret when `mark` is set.
struct SecretRng {
    state: u64,
    mark: bool,
}

impl SecretRng {
    fn new(seed: u64, mark: bool) -> Self {
        Self { state: seed, mark }
    }
}

impl rand_core::TryRng for SecretRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        if self.mark {
            valgrind::secret(dst);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SecretRng {}

/// `len` bytes from the generator seeded with `seed`, marked secret when `mark` is set.
fn bytes(seed: u64, len: usize, mark: bool) -> Vec<u8> {
    let mut out = vec![0u8; len];
    rand_core::Rng::fill_bytes(&mut SecretRng::new(seed, mark), &mut out);
    out
}

/// A copy of `text` whose bytes are marked secret when `mark` is set.
fn text(text: &str, mark: bool) -> String {
    let owned = text.to_owned();
    if mark {
        valgrind::secret(owned.as_bytes());
    }
    owned
}

/// The outcome of one run: the public results, as strings.
type Outcome = Result<Vec<String>, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A shared table of powers of g covering 1024-bit private values (public).
fn table() -> &'static PowersOfG {
    static TABLE: std::sync::OnceLock<PowersOfG> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| PowersOfG::new(PrivateSize::Bits1024))
}

/// `A` for a private value of `len` bytes, from the shared table or the caller's.
fn public_key(len: usize, own_table: bool, mark: bool) -> Outcome {
    let a = bytes(1, len, mark);
    let eph = if own_table {
        Ephemeral::from_private_bytes_with(&a, table())
    } else {
        Ephemeral::from_private_bytes(&a)
    }
    .map_err(err)?;
    Ok(vec![eph.public_hex()])
}

/// The raw arithmetic's output, marked public by this program: the table-free `g^e` (the path
/// of `A` in builds without std and without a table) for 256- and 1024-bit exponents, and the
/// variable-base `base^e`, secret exponent, public base.
fn ladders(mark: bool) -> Outcome {
    let e = bytes(2, 32, mark);
    let long = bytes(8, 128, mark);
    let base = bytes(3, 384, false);
    let mut out = Vec::new();
    for value in [arith::pow2(&e), arith::pow2(&long), arith::pow(&base, &e)] {
        let mut value = value.ok_or("an input was refused")?;
        valgrind::public(&mut value);
        out.push(hex(&value));
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A whole SRP exchange: the server's `B` (its `b` secret; `g^b` computed ahead in a
/// `ServerEphemeral` when `ahead`), the client's claim (`a` and the password secret), the
/// server's check of the claim and of a forged one.
fn exchange(identity: &Identity<'_>, size: PrivateSize, ahead: bool, mark: bool) -> Outcome {
    // The verifier is made unmarked: it is the server's stored record, not this run's secret.
    let verifier = Verifier::generate(
        identity,
        &Password::new("correct horse battery"),
        &mut SecretRng::new(4, false),
    );
    let mut rng = SecretRng::new(5, mark);
    let server = if ahead {
        let ephemeral = ServerEphemeral::generate(size, &mut rng).map_err(err)?;
        ServerSession::from_ephemeral(verifier, ephemeral)
    } else {
        ServerSession::generate(verifier, size, &mut rng)
    }
    .map_err(err)?;
    let block_b64 = "c2VjcmV0IGJsb2NrIG9mIHRoZSBzZXJ2ZXI=";
    let challenge =
        ServerChallenge::parse(&server.salt_hex(), &server.public_hex(), block_b64).map_err(err)?;
    let client = Ephemeral::from_private_bytes(&bytes(6, size.bytes(), mark)).map_err(err)?;
    let password = Password::new(text("correct horse battery", mark));
    let claim = client
        .respond(identity, &password, &challenge, NOW)
        .map_err(err)?;
    let a_hex = client.public_hex();
    let accepted = server.verify(
        identity,
        &a_hex,
        SECRET_BLOCK,
        &claim.timestamp,
        &claim.signature,
    );
    let mut forged = claim.signature.clone().into_bytes();
    forged[0] = if forged[0] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).map_err(err)?;
    let refused = server.verify(identity, &a_hex, SECRET_BLOCK, &claim.timestamp, &forged);
    let premaster = server.compute_premaster(&a_hex).map_err(err)?;
    let ahead = server.verify_premaster(
        &premaster,
        identity,
        &a_hex,
        SECRET_BLOCK,
        &claim.timestamp,
        &claim.signature,
    );
    Ok(vec![
        server.public_hex(),
        a_hex,
        claim.signature,
        format!("{accepted:?} {refused:?} {ahead:?}"),
    ])
}

fn user_exchange(size: PrivateSize, ahead: bool, mark: bool) -> Outcome {
    exchange(&Identity::user(POOL, USER).map_err(err)?, size, ahead, mark)
}

/// ConfirmDevice: the device password (secret), its salt and verifier (public).
fn confirm_device(mark: bool) -> Outcome {
    let device = DeviceRegistration::generate(GROUP, DEVICE, &mut SecretRng::new(7, mark));
    let mut password = device.device_password().expose_secret().as_bytes().to_vec();
    // Compared here, so marked public here: the crate never branched on it.
    valgrind::public(&mut password);
    Ok(vec![
        String::from_utf8(password).map_err(err)?,
        device.salt(),
        device.password_verifier(),
    ])
}

/// A device's own SRP exchange, with its device password secret.
fn device_exchange(mark: bool) -> Outcome {
    exchange(
        &Identity::device(GROUP, DEVICE),
        PrivateSize::Bits256,
        false,
        mark,
    )
}

/// SECRET_HASH with the client secret secret.
fn client_secret_hash(mark: bool) -> Outcome {
    let secret = ClientSecret::new(text(
        "1example23456789abcdefghijklmnopqrstuvwxyz0123456789ab",
        mark,
    ));
    Ok(vec![secret_hash(
        &secret,
        "alice@example.com",
        "1example23456789",
    )])
}

/// The old padHex: `position` of the first non-zero byte and a branch on its top bit. Leaks.
fn leaky_pad_hex(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let digits = &be[first..];
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

/// A lookup in a table indexed by a secret byte. Leaks.
fn leaky_lookup(secret: &[u8]) -> u8 {
    static TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).wrapping_mul(167).rotate_left(3);
            i += 1;
        }
        t
    };
    secret.iter().fold(0, |acc, &b| acc ^ TABLE[usize::from(b)])
}

/// One check of the crate: the same function run unmarked (the reference) and marked.
struct Check {
    name: &'static str,
    run: fn(bool) -> Outcome,
}

const CHECKS: &[Check] = &[
    Check {
        name: "A = g^a, 256-bit a, the shared table",
        run: |m| public_key(32, false, m),
    },
    Check {
        name: "A = g^a, 1024-bit a, the shared table",
        run: |m| public_key(128, false, m),
    },
    Check {
        name: "A = g^a, 256-bit a, the caller's table (PowersOfG)",
        run: |m| public_key(32, true, m),
    },
    Check {
        name: "A = g^a, 1024-bit a, the caller's table (PowersOfG)",
        run: |m| public_key(128, true, m),
    },
    Check {
        name: "g^e without a table (256- and 1024-bit e), and base^e (fixed windows)",
        run: ladders,
    },
    Check {
        name: "user SRP, 256-bit a and b: B, x, S, padHex(S), HKDF, claim, server check",
        run: |m| user_exchange(PrivateSize::Bits256, false, m),
    },
    Check {
        name: "user SRP, 1024-bit a and b",
        run: |m| user_exchange(PrivateSize::Bits1024, false, m),
    },
    Check {
        name: "user SRP, the server's g^b computed ahead (ServerEphemeral, from_ephemeral)",
        run: |m| user_exchange(PrivateSize::Bits256, true, m),
    },
    Check {
        name: "device SRP (DEVICE_PASSWORD_VERIFIER), the device password secret",
        run: device_exchange,
    },
    Check {
        name: "ConfirmDevice: device password, salt, verifier",
        run: confirm_device,
    },
    Check {
        name: "SECRET_HASH",
        run: client_secret_hash,
    },
];

fn main() -> ExitCode {
    let with_leaky = !std::env::args().any(|a| a == "--no-leaky");
    if !valgrind::running() {
        eprintln!(
            "ct-check: run under valgrind: valgrind --tool=memcheck {}",
            std::env::args().next().unwrap_or_default()
        );
        return ExitCode::from(2);
    }
    cognito_signin::ct_check_hooks::set_declassify_hook(valgrind::public);
    let mut failed = false;
    for check in CHECKS {
        let reference = (check.run)(false);
        let before = valgrind::errors();
        let marked = (check.run)(true);
        let found = valgrind::errors() - before;
        let same = reference.is_ok() && reference == marked;
        println!(
            "{:>3} memcheck errors  {}  {}",
            found,
            if same {
                "same results"
            } else {
                "RESULTS DIFFER"
            },
            check.name
        );
        if !same {
            println!("      unmarked: {reference:?}\n      marked:   {marked:?}");
        }
        failed |= found != 0 || !same;
    }
    if with_leaky {
        let secret = bytes(8, 384, true);
        let leaks: [(&str, &dyn Fn() -> u8); 2] = [
            ("leaky padHex (branch on the secret)", &|| {
                leaky_pad_hex(&secret).len() as u8
            }),
            ("leaky table lookup (address from the secret)", &|| {
                leaky_lookup(&secret)
            }),
        ];
        for (name, leak) in leaks {
            let before = valgrind::errors();
            let mut out = [std::hint::black_box(leak())];
            valgrind::public(&mut out);
            let found = valgrind::errors() - before;
            println!(
                "{:>3} memcheck errors  {}  {}",
                found,
                if found > 0 {
                    "caught, as it must be"
                } else {
                    "NOT CAUGHT"
                },
                name
            );
            failed |= found == 0;
        }
    }
    if failed {
        println!("ct-check: FAILED");
        ExitCode::FAILURE
    } else {
        println!("ct-check: no secret-dependent branch or address in the checked operations");
        ExitCode::SUCCESS
    }
}
