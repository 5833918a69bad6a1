//! Replies: what each reply of the service leads to.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::{
    Asking, Awaiting, Call, Machine, Registration, Srp, State, TotpSetup, done, p, prompt,
    retries_after, totp_retries_after,
};
use crate::device::DeviceRegistration;
use crate::error::{Error, ErrorKind, ProtocolError, ServiceError};
use crate::flow::{Challenge, DeviceCredentials, DeviceStatus, MfaType, NewDevice, Step, Tokens};
use crate::secret::{Password, RefreshToken};
use crate::srp::{Ephemeral, Identity, ServerChallenge};
use crate::time::UnixTime;
use crate::wire::reply::{
    self, AssociateReply, AuthReply, AuthenticationResult, ConfirmDeviceReply, EmptyReply, Raw,
    VerifyReply, read,
};
use crate::wire::vocab::{self, ChallengeName, param, token_username};
use crate::wire::{self, MAX_NAME_CHARS, MAX_SESSION_CHARS, Operation, Request};

impl Machine {
    /// The reply to the request `awaiting` describes.
    pub(super) fn on_reply<R: CryptoRng + ?Sized>(
        &mut self,
        awaiting: Awaiting,
        raw: &Raw<'_>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(State, Step), Error> {
        let op = awaiting.operation(self.ctx.admin);
        match awaiting {
            Awaiting::Auth {
                call,
                srp,
                reprompt,
            } => match read::<AuthReply>(op, raw) {
                Ok(reply) => self.on_auth_reply(reply, call, srp, reprompt, now, rng),
                Err(Error::Service(err)) => match reprompt {
                    Some(asking) if retries_after(&asking, &err.kind) => {
                        Ok(prompt(asking, Some(err)))
                    }
                    reprompt => {
                        let call = self.without_forgotten_device(call, &err)?;
                        Ok(self.send(call, srp, reprompt))
                    }
                },
                Err(e) => Err(e),
            },
            Awaiting::Refresh { call, token } => match read::<AuthReply>(op, raw) {
                Ok(reply) => {
                    let result = refresh_result(reply)?;
                    self.finish(result, Some(token), now, rng)
                }
                Err(Error::Service(err)) => {
                    let call = self.without_forgotten_device(call, &err)?;
                    let request = call.request(&self.ctx, &self.config);
                    Ok((
                        State::Awaiting(Awaiting::Refresh { call, token }),
                        Step::Send(request),
                    ))
                }
                Err(e) => Err(e),
            },
            Awaiting::RefreshRotating { token } => {
                let result = refresh_result(read::<AuthReply>(op, raw)?)?;
                self.finish(result, Some(token), now, rng)
            }
            Awaiting::Associate => {
                let reply: AssociateReply = read(op, raw)?;
                self.on_associate(reply)
            }
            Awaiting::Verify(setup) => match read::<VerifyReply>(op, raw) {
                Ok(reply) => self.on_verify(reply, setup, raw.status),
                Err(Error::Service(err)) if totp_retries_after(&err.kind) => {
                    Ok(prompt(Asking::TotpSetup(setup), Some(err)))
                }
                Err(e) => Err(e),
            },
            // From here on the tokens are issued: no failure of the device step loses them.
            Awaiting::ConfirmDevice(registration) => match read::<ConfirmDeviceReply>(op, raw) {
                Ok(reply) if reply.user_confirmation_necessary == Some(true) => {
                    Ok(prompt(Asking::RememberDevice(registration), None))
                }
                Ok(_) => Ok(self.registered(registration, DeviceStatus::Remembered, true)),
                Err(e) => Ok(self.registered(registration, DeviceStatus::Failed(e), false)),
            },
            Awaiting::UpdateDevice(registration) => match read::<EmptyReply>(op, raw) {
                Ok(_) => Ok(self.registered(registration, DeviceStatus::Remembered, true)),
                Err(e) => Ok(self.registered(registration, DeviceStatus::Failed(e), true)),
            },
        }
    }

    /// `call` again without `DEVICE_KEY` when `err` says its device is gone, the request
    /// carried it and it was not dropped before; otherwise `err`.
    ///
    /// The service answers `ResourceNotFoundException` to a request with a key it no longer
    /// knows ("Device does not exist."); the decision rests on the kind and on what was
    /// sent, never on the message.
    fn without_forgotten_device(
        &mut self,
        mut call: Call,
        err: &ServiceError,
    ) -> Result<Call, Error> {
        if err.kind != ErrorKind::ResourceNotFound
            || self.ctx.device_forgotten
            || !call.carries_device()
        {
            return Err(err.clone().into());
        }
        self.ctx.device = None;
        self.ctx.refresh_device_key = None;
        self.ctx.device_forgotten = true;
        call.params.retain(|(k, _)| k != param::DEVICE_KEY);
        Ok(call)
    }

    /// A challenge or tokens came back to a sign-in's request.
    fn on_auth_reply<R: CryptoRng + ?Sized>(
        &mut self,
        reply: AuthReply,
        call: Call,
        srp: Srp,
        reprompt: Option<Asking>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(State, Step), Error> {
        if let Some(result) = reply.authentication_result {
            return self.finish(result, None, now, rng);
        }
        let name = reply.challenge_name.ok_or(ProtocolError::UnexpectedReply(
            "neither AuthenticationResult nor ChallengeName",
        ))?;
        let challenge = ChallengeName::from_name(&name);
        // A fresh SRP pair where the challenge needs one, drawn before anything changes: a
        // broken random source is the caller's to mend, and the reply can be fed again.
        let fresh = match (&challenge, &srp) {
            (ChallengeName::DeviceSrpAuth, _) | (ChallengeName::PasswordSrp, Srp::User { .. }) => {
                match Ephemeral::generate_maybe_with(
                    self.config.private_size,
                    rng,
                    self.config.powers_of_g,
                ) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        self.state = State::Awaiting(Awaiting::Auth {
                            call,
                            srp,
                            reprompt,
                        });
                        return Err(e);
                    }
                }
            }
            _ => None,
        };
        set_session(&mut self.ctx.session, reply.session)?;
        let params = match reply.challenge_parameters {
            Some(p) => p.checked()?,
            None => BTreeMap::new(),
        };
        for key in [param::USERNAME, param::USER_ID_FOR_SRP] {
            match params.get(key) {
                Some(name) if name.is_empty() => return Err(ProtocolError::EmptyField(key).into()),
                Some(name) if name.len() > MAX_NAME_CHARS => {
                    return Err(ProtocolError::FieldTooLong(key).into());
                }
                _ => {}
            }
        }
        // The service's name for the user: USERNAME, else USER_ID_FOR_SRP (the verifier
        // prefers USER_ID_FOR_SRP below). The device record follows the name.
        if let Some(user) = params
            .get(param::USERNAME)
            .or_else(|| params.get(param::USER_ID_FOR_SRP))
        {
            self.set_username(user);
        }
        self.on_challenge(
            challenge,
            params,
            reply.available_challenges,
            srp,
            fresh,
            now,
        )
    }

    fn set_username(&mut self, name: &str) {
        if self.ctx.username != name {
            self.ctx.username = String::from(name);
            self.match_device();
        }
    }

    /// One arm per challenge.
    fn on_challenge(
        &mut self,
        challenge: ChallengeName,
        params: BTreeMap<String, String>,
        available: Option<Vec<String>>,
        srp: Srp,
        fresh: Option<Ephemeral>,
        now: UnixTime,
    ) -> Result<(State, Step), Error> {
        let destination = || params.get(param::CODE_DELIVERY_DESTINATION).cloned();
        let code = |prompt_challenge| {
            Ok(prompt(
                Asking::Code {
                    challenge: challenge.clone(),
                    prompt: prompt_challenge,
                },
                None,
            ))
        };
        match &challenge {
            ChallengeName::PasswordVerifier => self.password_verifier(&params, srp, now),
            ChallengeName::DeviceSrpAuth => self.device_srp_auth(fresh),
            ChallengeName::DevicePasswordVerifier => {
                self.device_password_verifier(&params, srp, now)
            }
            ChallengeName::SmsMfa => code(Challenge::SmsMfa {
                destination: destination(),
            }),
            ChallengeName::EmailOtp => code(Challenge::EmailOtp {
                destination: destination(),
            }),
            ChallengeName::SmsOtp => code(Challenge::SmsOtp {
                destination: destination(),
            }),
            ChallengeName::SoftwareTokenMfa => code(Challenge::SoftwareTokenMfa {
                friendly_device_name: params.get(param::FRIENDLY_DEVICE_NAME).cloned(),
            }),
            ChallengeName::SelectMfaType => {
                let options = match params.get(param::MFAS_CAN_CHOOSE) {
                    Some(text) => mfa_list(param::MFAS_CAN_CHOOSE, text)?,
                    // Absent: any of the three.
                    None => alloc::vec![MfaType::Sms, MfaType::SoftwareToken, MfaType::Email],
                };
                Ok(prompt(Asking::SelectMfa(options), None))
            }
            ChallengeName::MfaSetup => {
                let options = match params.get(param::MFAS_CAN_SETUP) {
                    Some(text) => mfa_list(param::MFAS_CAN_SETUP, text)?,
                    None => Vec::new(),
                };
                // Every set-up step echoes it.
                if self.ctx.session.is_none() {
                    return Err(ProtocolError::MissingField("Session").into());
                }
                Ok(prompt(Asking::MfaSetup(options), None))
            }
            ChallengeName::NewPasswordRequired => new_password_required(&params),
            ChallengeName::CustomChallenge => Ok(prompt(Asking::Custom(params), None)),
            ChallengeName::SelectChallenge => Ok(prompt(
                Asking::SelectChallenge(available.unwrap_or_default()),
                None,
            )),
            ChallengeName::Password => Ok(prompt(Asking::Password { srp: false }, None)),
            ChallengeName::PasswordSrp => match (srp, fresh) {
                (Srp::User { password, .. }, Some(ephemeral)) => {
                    let a = ephemeral.public_hex();
                    let call = self.respond(challenge, alloc::vec![p(param::SRP_A, &a)], false);
                    Ok(self.send(
                        call,
                        Srp::User {
                            ephemeral,
                            password,
                        },
                        None,
                    ))
                }
                _ => Ok(prompt(Asking::Password { srp: true }, None)),
            },
            ChallengeName::WebAuthn => {
                let options = params.get(param::CREDENTIAL_REQUEST_OPTIONS).ok_or(
                    ProtocolError::MissingField(param::CREDENTIAL_REQUEST_OPTIONS),
                )?;
                Ok(prompt(Asking::WebAuthn(options.clone()), None))
            }
            ChallengeName::AdminNoSrpAuth => {
                Err(ProtocolError::UnexpectedChallenge("ADMIN_NO_SRP_AUTH").into())
            }
            ChallengeName::Other(name) => Err(ProtocolError::UnknownChallenge(name.clone()).into()),
        }
    }

    /// `PASSWORD_VERIFIER`: the user's claim, with `USERNAME = USER_ID_FOR_SRP`.
    fn password_verifier(
        &mut self,
        params: &BTreeMap<String, String>,
        srp: Srp,
        now: UnixTime,
    ) -> Result<(State, Step), Error> {
        let user = params
            .get(param::USER_ID_FOR_SRP)
            .or_else(|| params.get(param::USERNAME))
            .ok_or(ProtocolError::MissingField(param::USER_ID_FOR_SRP))?;
        self.set_username(user);
        let Srp::User {
            ephemeral,
            password,
        } = srp
        else {
            return Err(ProtocolError::UnexpectedChallenge("PASSWORD_VERIFIER").into());
        };
        let identity = Identity::user(&self.config.user_pool_id, &self.ctx.username)?;
        let call = self.verifier(
            ChallengeName::PasswordVerifier,
            params,
            &ephemeral,
            &identity,
            &password,
            now,
        )?;
        Ok(self.send(call, Srp::None, None))
    }

    /// `DEVICE_SRP_AUTH`: `SRP_A` for this user's remembered device.
    fn device_srp_auth(&self, fresh: Option<Ephemeral>) -> Result<(State, Step), Error> {
        let (Some(_), Some(ephemeral)) = (&self.ctx.device, fresh) else {
            return Err(ProtocolError::UnexpectedChallenge("DEVICE_SRP_AUTH").into());
        };
        let a = ephemeral.public_hex();
        let call = self.respond(
            ChallengeName::DeviceSrpAuth,
            alloc::vec![p(param::SRP_A, &a)],
            true,
        );
        Ok(self.send(call, Srp::Device { ephemeral }, None))
    }

    /// `DEVICE_PASSWORD_VERIFIER`: the device's claim.
    fn device_password_verifier(
        &self,
        params: &BTreeMap<String, String>,
        srp: Srp,
        now: UnixTime,
    ) -> Result<(State, Step), Error> {
        let (Some(device), Srp::Device { ephemeral }) = (&self.ctx.device, srp) else {
            return Err(ProtocolError::UnexpectedChallenge("DEVICE_PASSWORD_VERIFIER").into());
        };
        let identity = Identity::device(&device.device_group_key, &device.device_key);
        let call = self.verifier(
            ChallengeName::DevicePasswordVerifier,
            params,
            &ephemeral,
            &identity,
            &device.device_password,
            now,
        )?;
        Ok(self.send(call, Srp::None, None))
    }

    /// The answer to either verifier challenge: the claim over `SALT`, `SRP_B` and
    /// `SECRET_BLOCK` for `identity`, with `DEVICE_KEY`.
    fn verifier(
        &self,
        challenge: ChallengeName,
        params: &BTreeMap<String, String>,
        ephemeral: &Ephemeral,
        identity: &Identity<'_>,
        password: &Password,
        now: UnixTime,
    ) -> Result<Call, Error> {
        let get = |key: &'static str| {
            params
                .get(key)
                .map(String::as_str)
                .ok_or(ProtocolError::MissingField(key))
        };
        let server = ServerChallenge::parse(
            get(param::SALT)?,
            get(param::SRP_B)?,
            get(param::SECRET_BLOCK)?,
        )?;
        let claim = ephemeral.respond(identity, password, &server, self.ctx.server_now(now))?;
        let extra = alloc::vec![
            p(param::PASSWORD_CLAIM_SECRET_BLOCK, &claim.secret_block),
            p(param::TIMESTAMP, &claim.timestamp),
            p(param::PASSWORD_CLAIM_SIGNATURE, &claim.signature),
        ];
        Ok(self.respond(challenge, extra, true))
    }

    fn on_associate(&mut self, reply: AssociateReply) -> Result<(State, Step), Error> {
        check_secret_code(&reply.secret_code)?;
        if reply.session.is_some() {
            set_session(&mut self.ctx.session, reply.session)?;
        }
        let uri = otpauth_uri(
            &self.config.totp_issuer,
            &self.ctx.username,
            &reply.secret_code,
        );
        Ok(prompt(
            Asking::TotpSetup(TotpSetup {
                secret_code: reply.secret_code,
                uri,
            }),
            None,
        ))
    }

    fn on_verify(
        &mut self,
        reply: VerifyReply,
        setup: TotpSetup,
        status: u16,
    ) -> Result<(State, Step), Error> {
        if reply.status.as_deref() != Some(vocab::VERIFY_SUCCESS) {
            let err = ServiceError {
                kind: ErrorKind::CodeMismatch,
                message: String::from("VerifySoftwareToken answered Status ERROR"),
                status,
            };
            return Ok(prompt(Asking::TotpSetup(setup), Some(err)));
        }
        if reply.session.is_some() {
            set_session(&mut self.ctx.session, reply.session)?;
        }
        let call = self.respond(ChallengeName::MfaSetup, Vec::new(), false);
        Ok(self.send(call, Srp::None, None))
    }

    /// Tokens came back: register a new device first if the pool issued one, else done.
    ///
    /// `refresh` is the refresh token a refresh started with, kept when no new one comes.
    fn finish<R: CryptoRng + ?Sized>(
        &mut self,
        result: AuthenticationResult,
        refresh: Option<RefreshToken>,
        now: UnixTime,
        rng: &mut R,
    ) -> Result<(State, Step), Error> {
        let access_token = match result.access_token {
            None => return Err(ProtocolError::MissingField("AccessToken").into()),
            Some(t) if t.is_empty() => return Err(ProtocolError::EmptyField("AccessToken").into()),
            Some(t) => t,
        };
        let expires_in = u64::try_from(result.expires_in.unwrap_or(0).max(0)).unwrap_or(0);
        let username = token_username(&access_token)
            .or_else(|| result.id_token.as_deref().and_then(token_username))
            .unwrap_or_else(|| self.ctx.username.clone());
        self.ctx.username.clone_from(&username);
        let tokens = Tokens {
            access_token,
            id_token: result.id_token,
            refresh_token: result.refresh_token.map(RefreshToken::new).or(refresh),
            token_type: result.token_type.unwrap_or_else(|| String::from("Bearer")),
            expires_in,
            expires_at: UnixTime(now.0.saturating_add(expires_in)),
        };
        let Some(meta) = result.new_device_metadata else {
            return Ok(done(&self.ctx, tokens, username, None));
        };
        let (device_key, device_group_key) = match reply::device_metadata(&meta) {
            Ok(keys) => keys,
            Err(e) => {
                let new_device = NewDevice {
                    device_key: string_member(&meta, "DeviceKey"),
                    device_group_key: string_member(&meta, "DeviceGroupKey"),
                    credentials: None,
                    status: DeviceStatus::Failed(e.into()),
                };
                return Ok(done(&self.ctx, tokens, username, Some(new_device)));
            }
        };
        if !self.config.confirm_new_devices {
            let new_device = NewDevice {
                device_key,
                device_group_key,
                credentials: None,
                status: DeviceStatus::NotConfirmed,
            };
            return Ok(done(&self.ctx, tokens, username, Some(new_device)));
        }
        let registration = DeviceRegistration::generate(&device_group_key, &device_key, rng);
        let body = wire::ConfirmDevice {
            access_token: &tokens.access_token,
            device_key: &device_key,
            device_secret_verifier_config: wire::DeviceSecretVerifierConfig {
                password_verifier: &registration.password_verifier(),
                salt: &registration.salt(),
            },
            device_name: Some(&self.config.device_name),
        };
        let request = Request::new(Operation::ConfirmDevice, wire::to_body(&body));
        let credentials = DeviceCredentials {
            username: username.clone(),
            device_key,
            device_group_key,
            device_password: registration.device_password().clone(),
        };
        Ok((
            State::Awaiting(Awaiting::ConfirmDevice(Registration {
                tokens,
                username,
                credentials,
            })),
            Step::Send(request),
        ))
    }

    /// Ends a device registration: `registered` says whether `ConfirmDevice` succeeded (so
    /// the credentials are worth storing).
    pub(super) fn registered(
        &self,
        registration: Registration,
        status: DeviceStatus,
        registered: bool,
    ) -> (State, Step) {
        let Registration {
            tokens,
            username,
            credentials,
        } = registration;
        let new_device = NewDevice {
            device_key: credentials.device_key.clone(),
            device_group_key: credentials.device_group_key.clone(),
            credentials: registered.then_some(credentials),
            status,
        };
        done(&self.ctx, tokens, username, Some(new_device))
    }
}

/// The tokens of a refresh reply; a challenge is refused.
fn refresh_result(reply: AuthReply) -> Result<AuthenticationResult, Error> {
    if let Some(result) = reply.authentication_result {
        return Ok(result);
    }
    Err(match reply.challenge_name {
        Some(name) => match ChallengeName::from_name(&name).known_name() {
            Some(known) => ProtocolError::UnexpectedChallenge(known),
            None => ProtocolError::UnknownChallenge(name),
        },
        None => ProtocolError::UnexpectedReply("refresh without AuthenticationResult"),
    }
    .into())
}

/// A string member of a JSON object, or empty.
fn string_member(value: &serde_json::Value, key: &str) -> String {
    value
        .get(key)
        .and_then(serde_json::Value::as_str)
        .filter(|s| s.len() <= MAX_NAME_CHARS)
        .map(String::from)
        .unwrap_or_default()
}

fn new_password_required(params: &BTreeMap<String, String>) -> Result<(State, Step), Error> {
    let required = match params.get(param::REQUIRED_ATTRIBUTES) {
        Some(text) => reply::parse_string_list(param::REQUIRED_ATTRIBUTES, text)?,
        None => Vec::new(),
    };
    let required = required
        .into_iter()
        .map(|a| match a.strip_prefix(param::USER_ATTRIBUTE_PREFIX) {
            Some(name) => String::from(name),
            None => a,
        })
        .collect();
    let user_attributes = match params.get(param::USER_ATTRIBUTES) {
        Some(text) => reply::parse_string_map(param::USER_ATTRIBUTES, text)?,
        None => BTreeMap::new(),
    };
    Ok(prompt(
        Asking::NewPassword {
            required,
            user_attributes,
        },
        None,
    ))
}

fn set_session(slot: &mut Option<String>, session: Option<String>) -> Result<(), Error> {
    if session
        .as_ref()
        .is_some_and(|s| s.len() > MAX_SESSION_CHARS)
    {
        return Err(ProtocolError::FieldTooLong("Session").into());
    }
    *slot = session;
    Ok(())
}

/// A TOTP secret: base32 (RFC 4648, either case, `=` padding only at the end).
fn check_secret_code(code: &str) -> Result<(), Error> {
    if code.is_empty() {
        return Err(ProtocolError::EmptyField("SecretCode").into());
    }
    if code.len() > 512 {
        return Err(ProtocolError::FieldTooLong("SecretCode").into());
    }
    let body = code.trim_end_matches('=');
    let base32 = |b: u8| b.is_ascii_alphabetic() || (b'2'..=b'7').contains(&b);
    if body.is_empty() || !body.bytes().all(base32) {
        return Err(ProtocolError::BadEncoding("SecretCode").into());
    }
    Ok(())
}

/// `otpauth://totp/<issuer>:<account>?secret=<secret>&issuer=<issuer>`, percent-encoded.
fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    fn encode(out: &mut String, text: &str) {
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
                out.push(char::from(b));
            } else {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(
                    HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
                ));
                out.push(char::from(
                    HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'),
                ));
            }
        }
    }
    let mut uri = String::from("otpauth://totp/");
    encode(&mut uri, issuer);
    uri.push(':');
    encode(&mut uri, account);
    uri.push_str("?secret=");
    encode(&mut uri, secret);
    uri.push_str("&issuer=");
    encode(&mut uri, issuer);
    uri
}

fn mfa_list(field: &'static str, text: &str) -> Result<Vec<MfaType>, Error> {
    Ok(reply::parse_string_list(field, text)?
        .iter()
        .map(|n| MfaType::from_name(n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_uri_is_percent_encoded() {
        assert_eq!(
            otpauth_uri("My App", "jane@example.com", "ABCDEF234567"),
            "otpauth://totp/My%20App:jane@example.com?secret=ABCDEF234567&issuer=My%20App"
        );
    }

    #[test]
    fn secret_codes_are_base32() {
        assert_eq!(check_secret_code("JBSWY3DPEHPK3PXP"), Ok(()));
        assert_eq!(check_secret_code("jbswy3dpehpk3pxp===="), Ok(()));
        for bad in ["JBSW0Y3D", "JBSW-Y3D", "====", "AB=CD", "ABC1"] {
            assert_eq!(
                check_secret_code(bad),
                Err(ProtocolError::BadEncoding("SecretCode").into()),
                "{bad}"
            );
        }
    }
}
