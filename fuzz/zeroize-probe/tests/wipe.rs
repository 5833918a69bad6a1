//! Watches cognito-signin's secrets leave the heap: every block freed while a test runs is
//! searched for the secrets; a secret found there was not wiped.

use cognito_signin::srp::{Ephemeral, Identity, ServerChallenge};
use cognito_signin::{
    Answer, ClientSecret, Config, DeviceCredentials, DeviceRegistration, Password, RefreshToken,
    Response, SignIn, Start, Step, UnixTime,
};
use cognito_signin_zeroize_probe::{Probe, leaks, watch};

#[global_allocator]
static PROBE: Probe = Probe;

const PASSWORD: &str = "pw-Xh3Jd8Qn5Vc2Lr7Ws4Ty9eA";
const CLIENT_SECRET: &str = "cs-Kq7vN2xW9pL4mZ8rT1yB6hU";
const DEVICE_PASSWORD: &str = "dev-Yc4Ms9Tj2Wb7Lx5Kn8Qe3i";
const REFRESH_TOKEN: &str = "rt-Pz6Hw3Kd8Nm1Qs5Vx9Bc2Gf";
const POOL: &str = "us-east-1_AbCdEf123";
const NOW: UnixTime = UnixTime(1_800_000_000);
const SALT: &str = "776d719f5f7d94711de9c2f43e965eee";
const SECRET_BLOCK: &str = "2skULG4WTleld1yxxnjkpuo=";

/// Replays fixed bytes: `a` and the device registration's random bytes are known.
struct Fixed(u8);

impl rand_core::TryRng for Fixed {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(u32::from(self.0))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(u64::from(self.0))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(self.0);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Fixed {}

fn b_hex() -> String {
    // g^5 mod N = 32: any valid B.
    "20".to_owned()
}

fn feed(m: &mut SignIn, body: serde_json::Value, rng: &mut Fixed) -> Step {
    let bytes = serde_json::to_vec(&body).unwrap();
    m.handle(Response::new(200, &bytes), NOW, rng).unwrap()
}

fn tokens(device: bool) -> serde_json::Value {
    let mut r = serde_json::json!({"AuthenticationResult": {
        "AccessToken": "eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImphbmUifQ.c2ln",
        "RefreshToken": "r", "ExpiresIn": 3600, "TokenType": "Bearer"}});
    if device {
        r["AuthenticationResult"]["NewDeviceMetadata"] =
            serde_json::json!({"DeviceKey": "us-east-1_n", "DeviceGroupKey": "-n"});
    }
    r
}

fn config() -> Config {
    Config::new(POOL, "client1")
        .unwrap()
        .with_client_secret(ClientSecret::new(String::from(CLIENT_SECRET)))
        .with_device(DeviceCredentials::new(
            "jane",
            "us-east-1_d",
            "-g",
            Password::new(String::from(DEVICE_PASSWORD)),
        ))
}

/// All in one test: the watched secrets are process-wide.
#[test]
fn secrets_are_wiped() {
    // The probe works: a plain String is freed with its contents.
    watch(&[PASSWORD.as_bytes()]);
    drop(String::from(PASSWORD));
    assert_eq!(leaks(), [1], "the probe sees an unwiped String");

    // The secret types.
    watch(&[
        PASSWORD.as_bytes(),
        CLIENT_SECRET.as_bytes(),
        REFRESH_TOKEN.as_bytes(),
    ]);
    let p = Password::new(String::from(PASSWORD));
    let c = ClientSecret::new(String::from(CLIENT_SECRET));
    let r = RefreshToken::new(String::from(REFRESH_TOKEN));
    let copies = (p.clone(), c.clone(), r.clone());
    drop((p, c, r, copies));
    assert_eq!(leaks(), [0, 0, 0], "Password, ClientSecret and RefreshToken");

    // USER_PASSWORD_AUTH with a client secret and a device: the password travels in the
    // request body, which is wiped; the device password and the client secret are held by
    // the machine.
    watch(&[
        PASSWORD.as_bytes(),
        CLIENT_SECRET.as_bytes(),
        DEVICE_PASSWORD.as_bytes(),
    ]);
    {
        let mut rng = Fixed(7);
        let start = Start::user_password("jane", Password::new(String::from(PASSWORD)));
        let (mut m, request) = SignIn::start(config(), start, NOW, &mut rng).unwrap();
        assert!(!request.body().is_empty());
        drop(request);
        let step = feed(&mut m, tokens(false), &mut rng);
        assert!(matches!(step, Step::Done(_)));
    }
    assert_eq!(leaks(), [0, 0, 0], "a password sign-in");

    // REFRESH_TOKEN_AUTH: the refresh token travels in the body and comes back in the
    // tokens (no new one was issued); both are wiped.
    watch(&[REFRESH_TOKEN.as_bytes()]);
    {
        let mut rng = Fixed(7);
        let start = Start::refresh(String::from(REFRESH_TOKEN), Some("jane".into()));
        let (mut m, request) = SignIn::start(config(), start, NOW, &mut rng).unwrap();
        drop(request);
        let mut reply = tokens(false);
        reply["AuthenticationResult"]
            .as_object_mut()
            .unwrap()
            .remove("RefreshToken");
        let Step::Done(signed_in) = feed(&mut m, reply, &mut rng) else {
            panic!("signed in");
        };
        let kept = signed_in.tokens.refresh_token.clone().unwrap();
        assert_eq!(kept.expose_secret(), REFRESH_TOKEN);
        drop((signed_in, kept));
    }
    assert_eq!(leaks(), [0], "a refresh");

    // A new password with many characters JSON must escape: the body grows past any
    // estimate made from the raw length.
    let escaped = "\u{1}\"\\".repeat(300);
    let json_form = serde_json::to_string(&escaped).unwrap();
    watch(&[&escaped.as_bytes()[..60], &json_form.as_bytes()[1..61]]);
    {
        let mut rng = Fixed(7);
        let start = Start::user_password("jane", Password::new(String::from(PASSWORD)));
        let (mut m, _) = SignIn::start(config(), start, NOW, &mut rng).unwrap();
        let _ = feed(
            &mut m,
            serde_json::json!({"ChallengeName": "NEW_PASSWORD_REQUIRED",
                               "Session": "AYABeSession-0123456789"}),
            &mut rng,
        );
        let answer = Answer::NewPassword {
            password: Password::new(escaped.clone()),
            attributes: Default::default(),
        };
        let step = m.answer(answer, NOW, &mut rng).unwrap();
        drop(step);
    }
    // The raw password (in the answer's `Password`) and its JSON form (in the body).
    assert_eq!(leaks(), [0, 0], "a new password");
    drop((escaped, json_form));

    // USER_SRP_AUTH: the password, a, x, the premaster secret and the key.
    let a = [0x5au8; 32];
    let id = Identity::user(POOL, "7d4e-internal").unwrap();
    let (x, s, key) = {
        let eph = Ephemeral::from_private_bytes(&a).unwrap();
        let challenge = ServerChallenge::parse(SALT, &b_hex(), SECRET_BLOCK).unwrap();
        let (_, t) = eph
            .respond_with_transcript(&id, &Password::new(String::from(PASSWORD)), &challenge, NOW)
            .unwrap();
        let mut x = [0u8; 32];
        x.copy_from_slice(t.x().expose_secret());
        let mut s = [0u8; 64];
        s.copy_from_slice(&t.premaster_padded().expose_secret()[8..72]);
        let mut key = [0u8; 16];
        key.copy_from_slice(t.key().expose_secret());
        (x, s, key)
    };
    watch(&[PASSWORD.as_bytes(), &a, &x, &s, &key]);
    {
        let mut rng = Fixed(0x5a);
        let config = Config::new(POOL, "client1").unwrap();
        let start = Start::user_srp("jane", Password::new(String::from(PASSWORD)));
        let (mut m, _) = SignIn::start(config, start, NOW, &mut rng).unwrap();
        let step = feed(
            &mut m,
            serde_json::json!({"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {
                "SALT": SALT, "SRP_B": b_hex(), "SECRET_BLOCK": SECRET_BLOCK,
                "USER_ID_FOR_SRP": "7d4e-internal"}}),
            &mut rng,
        );
        assert!(matches!(step, Step::Send(_)));
        drop(step);
        let _ = feed(&mut m, tokens(false), &mut rng);
    }
    assert_eq!(
        leaks(),
        [0, 0, 0, 0, 0],
        "an SRP sign-in: password, a, x, S, key"
    );

    // A new device: its password is drawn from the random source (40 bytes of 0x33).
    let registration =
        DeviceRegistration::from_random_bytes("-n", "us-east-1_n", &[0x33; 40], &[0x33; 16]);
    let device_password = registration
        .device_password()
        .expose_secret()
        .as_bytes()
        .to_vec();
    drop(registration);
    watch(&[&device_password]);
    {
        let mut rng = Fixed(0x33);
        let config = Config::new(POOL, "client1").unwrap();
        let start = Start::user_password("jane", Password::new(String::from(PASSWORD)));
        let (mut m, _) = SignIn::start(config, start, NOW, &mut rng).unwrap();
        let _ = feed(&mut m, tokens(true), &mut rng);
        let step = feed(
            &mut m,
            serde_json::json!({"UserConfirmationNecessary": false}),
            &mut rng,
        );
        let Step::Done(signed_in) = step else {
            panic!("done");
        };
        assert!(signed_in.new_device.unwrap().credentials.is_some());
    }
    assert_eq!(leaks(), [0], "a new device's password");
}
