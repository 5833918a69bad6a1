//! Questions: what each one shows, which answers fit it, and what an answer leads to.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{Asking, Awaiting, Machine, Params, Registration, Srp, State, TotpSetup, p};
use crate::error::{Error, Misuse, ProtocolError};
use crate::flow::{Answer, Challenge, DeviceStatus, FirstFactor, MfaType, Step};
use crate::secret::Password;
use crate::srp::Ephemeral;
use crate::wire::vocab::{self, ChallengeName, param};
use crate::wire::{self, Operation, Request};

impl Asking {
    /// What the user is shown.
    pub(super) fn challenge(&self) -> Challenge {
        match self {
            Self::Code { prompt, .. } => prompt.clone(),
            Self::SelectMfa(options) => Challenge::SelectMfaType {
                options: options.clone(),
            },
            Self::MfaSetup(options) => Challenge::MfaSetup {
                options: options.clone(),
            },
            Self::TotpSetup(TotpSetup { secret_code, uri }) => Challenge::TotpSetup {
                secret_code: secret_code.clone(),
                uri: uri.clone(),
            },
            Self::NewPassword {
                required,
                user_attributes,
            } => Challenge::NewPassword {
                required_attributes: required.clone(),
                user_attributes: user_attributes.clone(),
            },
            Self::Custom(parameters) => Challenge::Custom {
                parameters: parameters.clone(),
            },
            Self::SelectChallenge(available) => Challenge::SelectChallenge {
                available: available.clone(),
            },
            Self::Password { srp } => Challenge::Password { srp: *srp },
            Self::WebAuthn(options) => Challenge::WebAuthn {
                credential_request_options: options.clone(),
            },
            Self::RememberDevice(_) => Challenge::RememberDevice,
        }
    }

    /// Whether `answer` answers this question: the right kind, a choice that was offered,
    /// no empty code, password, address or required attribute.
    pub(super) fn fits(&self, answer: &Answer) -> bool {
        let offered = |options: &[MfaType], m: &MfaType| options.is_empty() || options.contains(m);
        match (self, answer) {
            (Self::Code { .. } | Self::TotpSetup(_), Answer::Code(code)) => !code.is_empty(),
            (Self::SelectMfa(options), Answer::Mfa(choice)) => options.contains(choice),
            (Self::MfaSetup(options), Answer::SetUpTotp) => {
                offered(options, &MfaType::SoftwareToken)
            }
            (Self::MfaSetup(options), Answer::SetUpEmail(email)) => {
                !email.is_empty() && offered(options, &MfaType::Email)
            }
            (
                Self::NewPassword {
                    required,
                    user_attributes,
                },
                Answer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                let given = |name: &str| {
                    let prefixed = [param::USER_ATTRIBUTE_PREFIX, name].concat();
                    [
                        attributes.get(name),
                        attributes.get(&prefixed),
                        user_attributes.get(name),
                    ]
                    .into_iter()
                    .flatten()
                    .any(|v| !v.is_empty())
                };
                !password.expose_secret().is_empty() && required.iter().all(|r| given(r))
            }
            (Self::Custom(_), Answer::Custom(_))
            | (Self::RememberDevice(_), Answer::RememberDevice(_)) => true,
            (Self::SelectChallenge(available), Answer::FirstFactor(factor)) => {
                let password_ok = match factor {
                    FirstFactor::Password(pw) | FirstFactor::PasswordSrp(pw) => {
                        !pw.expose_secret().is_empty()
                    }
                    _ => true,
                };
                password_ok
                    && (available.is_empty() || available.iter().any(|a| a == factor.name()))
            }
            (Self::Password { .. }, Answer::Password(password)) => {
                !password.expose_secret().is_empty()
            }
            (Self::WebAuthn(_), Answer::Credential(credential)) => !credential.is_empty(),
            _ => false,
        }
    }
}

impl Machine {
    /// The answer to `asking`, which [`Asking::fits`] accepted.
    ///
    /// A caller's mistake found here (a broken random source) puts `asking` back, so the
    /// question stays open.
    pub(super) fn on_answer<R: CryptoRng + ?Sized>(
        &mut self,
        asking: Asking,
        answer: Answer,
        rng: &mut R,
    ) -> Result<(State, Step), Error> {
        match (asking, answer) {
            (Asking::Code { challenge, prompt }, Answer::Code(code)) => {
                let key = challenge.code_parameter().unwrap_or(param::ANSWER);
                let call = self.respond(challenge.clone(), alloc::vec![p(key, &code)], true);
                let reprompt = Asking::Code { challenge, prompt };
                Ok(self.send(call, Srp::None, Some(reprompt)))
            }
            (Asking::SelectMfa(_), Answer::Mfa(choice)) => Ok(self.send_one(
                ChallengeName::SelectMfaType,
                param::ANSWER,
                choice.name(),
                false,
            )),
            (Asking::MfaSetup(_), Answer::SetUpTotp) => {
                let session = self.session()?;
                let body = wire::AssociateSoftwareToken { session };
                let request = Request::new(Operation::AssociateSoftwareToken, wire::to_body(&body));
                Ok((State::Awaiting(Awaiting::Associate), Step::Send(request)))
            }
            (asking @ Asking::MfaSetup(_), Answer::SetUpEmail(email)) => {
                let call = self.respond(
                    ChallengeName::MfaSetup,
                    alloc::vec![p(param::EMAIL, &email)],
                    false,
                );
                Ok(self.send(call, Srp::None, Some(asking)))
            }
            (Asking::TotpSetup(setup), Answer::Code(code)) => {
                let body = wire::VerifySoftwareToken {
                    session: self.session()?,
                    user_code: &code,
                    friendly_device_name: self.config.totp_device_name.as_deref(),
                };
                let request = Request::new(Operation::VerifySoftwareToken, wire::to_body(&body));
                Ok((
                    State::Awaiting(Awaiting::Verify(setup)),
                    Step::Send(request),
                ))
            }
            (
                asking @ Asking::NewPassword { .. },
                Answer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                let mut extra = alloc::vec![p(param::NEW_PASSWORD, password.expose_secret())];
                for (name, value) in &attributes {
                    let name = name
                        .strip_prefix(param::USER_ATTRIBUTE_PREFIX)
                        .unwrap_or(name);
                    if value.is_empty() || vocab::read_only_attribute(name) {
                        continue;
                    }
                    let key = [param::USER_ATTRIBUTE_PREFIX, name].concat();
                    extra.push((Cow::Owned(key), Zeroizing::new(value.clone())));
                }
                let call = self.respond(ChallengeName::NewPasswordRequired, extra, false);
                Ok(self.send(call, Srp::None, Some(asking)))
            }
            (Asking::Custom(_), Answer::Custom(text)) => {
                Ok(self.send_one(ChallengeName::CustomChallenge, param::ANSWER, &text, true))
            }
            (asking @ Asking::SelectChallenge(_), Answer::FirstFactor(factor)) => {
                let mut extra = alloc::vec![p(param::ANSWER, factor.name())];
                match factor {
                    FirstFactor::Password(password) => {
                        extra.push(p(param::PASSWORD, password.expose_secret()));
                    }
                    FirstFactor::PasswordSrp(password) => {
                        let ephemeral = self.ephemeral_or_restore(asking, rng)?;
                        let challenge = ChallengeName::SelectChallenge;
                        return Ok(self.password_srp(challenge, password, ephemeral, extra));
                    }
                    FirstFactor::WebAuthn(Some(credential)) => {
                        extra.push(p(param::CREDENTIAL, &credential));
                    }
                    FirstFactor::EmailOtp | FirstFactor::SmsOtp | FirstFactor::WebAuthn(None) => {}
                }
                let call = self.respond(ChallengeName::SelectChallenge, extra, false);
                Ok(self.send(call, Srp::None, None))
            }
            (Asking::Password { srp: false }, Answer::Password(password)) => Ok(self.send_one(
                ChallengeName::Password,
                param::PASSWORD,
                password.expose_secret(),
                false,
            )),
            (asking @ Asking::Password { srp: true }, Answer::Password(password)) => {
                let ephemeral = self.ephemeral_or_restore(asking, rng)?;
                let challenge = ChallengeName::PasswordSrp;
                Ok(self.password_srp(challenge, password, ephemeral, Vec::new()))
            }
            (Asking::WebAuthn(_), Answer::Credential(credential)) => Ok(self.send_one(
                ChallengeName::WebAuthn,
                param::CREDENTIAL,
                &credential,
                false,
            )),
            (Asking::RememberDevice(registration), Answer::RememberDevice(remember)) => {
                Ok(self.remember(registration, remember))
            }
            // `fits` let only the pairs above through.
            (asking, _) => {
                self.state = State::Asking(asking);
                Err(Misuse::AnswerDoesNotFit.into())
            }
        }
    }

    /// The `Session` a set-up step echoes.
    fn session(&self) -> Result<&str, Error> {
        self.ctx
            .session
            .as_deref()
            .ok_or_else(|| ProtocolError::MissingField("Session").into())
    }

    /// A fresh SRP pair, or the question put back when the random source is broken.
    fn ephemeral_or_restore<R: CryptoRng + ?Sized>(
        &mut self,
        asking: Asking,
        rng: &mut R,
    ) -> Result<Ephemeral, Error> {
        Ephemeral::generate_maybe_with(self.config.private_size, rng, self.config.powers_of_g)
            .inspect_err(|_| {
                self.state = State::Asking(asking);
            })
    }

    /// `SRP_A` in the answer to `challenge`, keeping the password for `PASSWORD_VERIFIER`.
    fn password_srp(
        &self,
        challenge: ChallengeName,
        password: Password,
        ephemeral: Ephemeral,
        mut extra: Params,
    ) -> (State, Step) {
        extra.push(p(param::SRP_A, &ephemeral.public_hex()));
        let call = self.respond(challenge, extra, false);
        self.send(
            call,
            Srp::User {
                ephemeral,
                password,
            },
            None,
        )
    }

    fn remember(&self, registration: Registration, remember: bool) -> (State, Step) {
        if !remember {
            return self.registered(registration, DeviceStatus::NotRemembered, true);
        }
        let body = wire::UpdateDeviceStatus {
            access_token: &registration.tokens.access_token,
            device_key: &registration.credentials.device_key,
            device_remembered_status: vocab::DEVICE_REMEMBERED,
        };
        let request = Request::new(Operation::UpdateDeviceStatus, wire::to_body(&body));
        (
            State::Awaiting(Awaiting::UpdateDevice(registration)),
            Step::Send(request),
        )
    }
}
