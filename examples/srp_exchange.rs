//! One Cognito SRP exchange, client and server side, with the operating system's randomness:
//! the client proves the password without sending it, and a wrong password is refused.
//!
//! `cargo run --example srp_exchange`
#![allow(clippy::indexing_slicing, clippy::std_instead_of_core)]

use cognito_signin::srp::{
    Ephemeral, Identity, PrivateSize, ServerChallenge, ServerSession, Verifier,
};
use cognito_signin::{Error, Password, UnixTime};
use rand::rngs::StdRng;

fn short(hex: &str) -> String {
    if hex.len() > 24 {
        format!(
            "{}…{} ({} hex digits)",
            &hex[..12],
            &hex[hex.len() - 8..],
            hex.len()
        )
    } else {
        hex.to_string()
    }
}

fn main() -> Result<(), Error> {
    let mut rng: StdRng = rand::make_rng();
    let now = UnixTime::from(std::time::SystemTime::now());
    let pool_id = "us-east-1_Example1";
    let user_id = "7d4e3c2a-1b0f-4e5d-9c8b-7a6f5e4d3c2b";
    let identity = Identity::user(pool_id, user_id)?;
    let password = Password::new("Correct-Horse-Battery-1");

    // What the pool stored when the password was set.
    let verifier = Verifier::generate(&identity, &password, &mut rng);
    println!("pool {pool_id}, user {user_id}, password {password:?}");

    // InitiateAuth USER_SRP_AUTH carries SRP_A.
    let client = Ephemeral::generate(PrivateSize::default(), &mut rng)?;
    println!(
        "client -> InitiateAuth        SRP_A = {}",
        short(&client.public_hex())
    );

    // The service answers PASSWORD_VERIFIER with SALT, SRP_B and SECRET_BLOCK.
    let server = ServerSession::generate(verifier, PrivateSize::default(), &mut rng)?;
    let secret_block = b"opaque server state";
    let block_b64 = base64_encode(secret_block);
    println!(
        "server -> PASSWORD_VERIFIER    SALT = {}, SRP_B = {}",
        server.salt_hex(),
        short(&server.public_hex())
    );

    let challenge = ServerChallenge::parse(&server.salt_hex(), &server.public_hex(), &block_b64)?;
    let claim = client.respond(&identity, &password, &challenge, now)?;
    println!(
        "client -> RespondToAuthChallenge TIMESTAMP = {:?}, PASSWORD_CLAIM_SIGNATURE = {}",
        claim.timestamp, claim.signature
    );

    server.verify(
        &identity,
        &client.public_hex(),
        secret_block,
        &claim.timestamp,
        &claim.signature,
    )?;
    println!("server: claim verified");

    let wrong = client.respond(&identity, &Password::new("guess"), &challenge, now)?;
    match server.verify(
        &identity,
        &client.public_hex(),
        secret_block,
        &wrong.timestamp,
        &wrong.signature,
    ) {
        Err(e) => println!("server: a wrong password is refused ({e})"),
        Ok(()) => return Err(cognito_signin::ProtocolError::BadSignature.into()),
    }
    Ok(())
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
