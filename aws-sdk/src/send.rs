//! One request of the machine through the SDK's client, and its answer back as a reply.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_cognitoidentityprovider::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cognitoidentityprovider::error::{BoxError, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType, VerifySoftwareTokenResponseType,
};
use aws_smithy_types::retry::ErrorKind;
use cognito_signin::{Operation, Request, Response};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{SendError, SendErrorKind};

/// What the service answered to one request, owned: its HTTP status, its body as the service's
/// JSON (rebuilt from the SDK's typed output on success, `null` members left out as the SDK
/// reads them; the raw bytes of an error reply, or of a success status whose body names an
/// error), the `x-amzn-ErrorType` header and the `Date` header. Hand [`Reply::as_response`] to
/// [`SignIn::handle`](cognito_signin::SignIn::handle).
///
/// The body may hold tokens, so it is wiped on drop and `Debug` shows only its length.
pub struct Reply {
    status: u16,
    body: Zeroizing<Vec<u8>>,
    error_type: Option<String>,
    date: Option<String>,
}

impl Reply {
    /// The reply as [`SignIn::handle`](cognito_signin::SignIn::handle) takes it.
    #[must_use]
    pub fn as_response(&self) -> Response<'_> {
        let mut response = Response::new(self.status, &self.body);
        response.error_type = self.error_type.as_deref();
        response.date = self.date.as_deref();
        response
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body, as the service's JSON.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The `Date` header of the reply, when the service sent one.
    #[must_use]
    pub fn date(&self) -> Option<&str> {
        self.date.as_deref()
    }

    /// The `x-amzn-ErrorType` header of an error reply, when present.
    #[must_use]
    pub fn error_type(&self) -> Option<&str> {
        self.error_type.as_deref()
    }
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("error_type", &self.error_type)
            .field("date", &self.date)
            .finish()
    }
}

/// The four sign-in outputs (`InitiateAuth`, `RespondToAuthChallenge` and their `Admin*`
/// twins) have the same fields under four types.
macro_rules! auth_output {
    ($out:expr) => {
        AuthOutput {
            challenge_name: $out.challenge_name.as_ref().map(ChallengeNameType::as_str),
            session: $out.session.as_deref(),
            challenge_parameters: $out.challenge_parameters.as_ref(),
            authentication_result: $out.authentication_result.as_ref().map(result),
            available_challenges: challenges($out.available_challenges.as_deref()),
        }
    };
}

/// `InitiateAuth`'s fields on its builder or on `AdminInitiateAuth`'s (same names, two types).
macro_rules! initiate {
    ($builder:expr, $input:expr) => {
        $builder
            .auth_flow(AuthFlowType::from($input.auth_flow.as_str()))
            .client_id($input.client_id)
            .set_auth_parameters($input.auth_parameters)
            .set_client_metadata($input.client_metadata)
            .set_session($input.session)
    };
}

/// `RespondToAuthChallenge`'s fields on its builder or on its admin twin's.
macro_rules! respond {
    ($builder:expr, $input:expr) => {
        $builder
            .challenge_name(ChallengeNameType::from($input.challenge_name.as_str()))
            .client_id($input.client_id)
            .set_challenge_responses($input.challenge_responses)
            .set_session($input.session)
            .set_client_metadata($input.client_metadata)
    };
}

/// Sends a sign-in builder with the `Date` interceptor and writes its output as a reply.
macro_rules! through {
    ($builder:expr, $date:expr) => {
        finish(
            $builder.customize().interceptor($date.clone()).send().await,
            &$date,
            |out| to_body(&auth_output!(out)),
        )
    };
}

/// Sends one request of the machine through the SDK's `client`, and gives back what the
/// service answered.
///
/// Every operation the machine emits is sent through the SDK's fluent builder of the same
/// name, so the client's configuration applies: its endpoint, region, retries, timeouts,
/// interceptors and, for `AdminInitiateAuth` and `AdminRespondToAuthChallenge`, the SigV4
/// signature with its credentials provider. The typed output comes back as the service's
/// JSON; an error reply comes back as it was received (status, body, `x-amzn-ErrorType`),
/// for the machine to read its error name and message. The reply's `Date` header is kept
/// either way, so that the machine can correct `TIMESTAMP` by the server's clock.
///
/// # Errors
///
/// Only when there is no reply to give the machine, which then stays where it was: the
/// request is not one this crate maps ([`SendErrorKind::Request`]), the SDK could not build
/// or sign it ([`SendErrorKind::Construction`]), it timed out ([`SendErrorKind::Timeout`]),
/// no response came ([`SendErrorKind::Dispatch`]), or the response could not be read
/// ([`SendErrorKind::Response`]). The SDK has already retried what its retry policy retries.
pub async fn send(client: &Client, request: &Request) -> Result<Reply, SendError> {
    let operation = request.operation();
    let body = request.body();
    let date = Received::default();
    match operation {
        Operation::InitiateAuth | Operation::AdminInitiateAuth => {
            let mut input: InitiateAuthInput = parse(operation, body)?;
            match (operation, input.user_pool_id.take()) {
                (Operation::InitiateAuth, None) => {
                    through!(initiate!(client.initiate_auth(), input), date)
                }
                (Operation::AdminInitiateAuth, Some(pool)) => through!(
                    initiate!(client.admin_initiate_auth().user_pool_id(pool), input),
                    date
                ),
                _ => Err(SendError::request(operation, USER_POOL_ID)),
            }
        }
        Operation::RespondToAuthChallenge | Operation::AdminRespondToAuthChallenge => {
            let mut input: RespondInput = parse(operation, body)?;
            match (operation, input.user_pool_id.take()) {
                (Operation::RespondToAuthChallenge, None) => {
                    through!(respond!(client.respond_to_auth_challenge(), input), date)
                }
                (Operation::AdminRespondToAuthChallenge, Some(pool)) => through!(
                    respond!(
                        client.admin_respond_to_auth_challenge().user_pool_id(pool),
                        input
                    ),
                    date
                ),
                _ => Err(SendError::request(operation, USER_POOL_ID)),
            }
        }
        Operation::AssociateSoftwareToken => {
            let input: AssociateInput = parse(operation, body)?;
            let sent = client
                .associate_software_token()
                .set_session(input.session)
                .set_access_token(input.access_token)
                .customize()
                .interceptor(date.clone())
                .send()
                .await;
            finish(sent, &date, |out| {
                to_body(&AssociateOutput {
                    secret_code: out.secret_code.as_deref(),
                    session: out.session.as_deref(),
                })
            })
        }
        Operation::VerifySoftwareToken => {
            let input: VerifyInput = parse(operation, body)?;
            let sent = client
                .verify_software_token()
                .set_session(input.session)
                .set_access_token(input.access_token)
                .user_code(input.user_code)
                .set_friendly_device_name(input.friendly_device_name)
                .customize()
                .interceptor(date.clone())
                .send()
                .await;
            finish(sent, &date, |out| {
                to_body(&VerifyOutput {
                    status: out
                        .status
                        .as_ref()
                        .map(VerifySoftwareTokenResponseType::as_str),
                    session: out.session.as_deref(),
                })
            })
        }
        Operation::ConfirmDevice => {
            let input: ConfirmDeviceInput = parse(operation, body)?;
            let verifier = DeviceSecretVerifierConfigType::builder()
                .password_verifier(input.device_secret_verifier_config.password_verifier)
                .salt(input.device_secret_verifier_config.salt)
                .build();
            let sent = client
                .confirm_device()
                .access_token(input.access_token)
                .device_key(input.device_key)
                .device_secret_verifier_config(verifier)
                .set_device_name(input.device_name)
                .customize()
                .interceptor(date.clone())
                .send()
                .await;
            finish(sent, &date, |out| {
                to_body(&ConfirmDeviceOutput {
                    user_confirmation_necessary: out.user_confirmation_necessary,
                })
            })
        }
        Operation::UpdateDeviceStatus => {
            let input: UpdateDeviceStatusInput = parse(operation, body)?;
            let sent = client
                .update_device_status()
                .access_token(input.access_token)
                .device_key(input.device_key)
                .device_remembered_status(DeviceRememberedStatusType::from(
                    input.device_remembered_status.as_str(),
                ))
                .customize()
                .interceptor(date.clone())
                .send()
                .await;
            finish(sent, &date, |_| to_body(&Empty {}))
        }
        Operation::GetTokensFromRefreshToken => {
            let input: RefreshInput = parse(operation, body)?;
            let sent = client
                .get_tokens_from_refresh_token()
                .refresh_token(input.refresh_token)
                .client_id(input.client_id)
                .set_client_secret(input.client_secret)
                .set_device_key(input.device_key)
                .set_client_metadata(input.client_metadata)
                .customize()
                .interceptor(date.clone())
                .send()
                .await;
            finish(sent, &date, |out| {
                to_body(&RefreshOutput {
                    authentication_result: out.authentication_result.as_ref().map(result),
                })
            })
        }
        other => Err(SendError::unsupported(other)),
    }
}

// ---------------------------------------------------------------------------------------
// The machine's request bodies, read back. Every field the machine writes is named here and
// no other is accepted, so nothing the machine says is dropped on the way to the SDK.
// ---------------------------------------------------------------------------------------

type Params = HashMap<String, String>;

/// The mismatch of a request whose `UserPoolId` does not fit its operation.
const USER_POOL_ID: &str =
    "UserPoolId given where the operation takes none, or missing where it is required";

/// `InitiateAuth` and `AdminInitiateAuth`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct InitiateAuthInput {
    auth_flow: String,
    client_id: String,
    #[serde(default)]
    user_pool_id: Option<String>,
    #[serde(default)]
    auth_parameters: Option<Params>,
    #[serde(default)]
    client_metadata: Option<Params>,
    #[serde(default)]
    session: Option<String>,
}

/// `RespondToAuthChallenge` and `AdminRespondToAuthChallenge`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RespondInput {
    challenge_name: String,
    client_id: String,
    #[serde(default)]
    user_pool_id: Option<String>,
    #[serde(default)]
    challenge_responses: Option<Params>,
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    client_metadata: Option<Params>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct AssociateInput {
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct VerifyInput {
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    user_code: String,
    #[serde(default)]
    friendly_device_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ConfirmDeviceInput {
    access_token: String,
    device_key: String,
    device_secret_verifier_config: VerifierInput,
    #[serde(default)]
    device_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct VerifierInput {
    password_verifier: String,
    salt: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct UpdateDeviceStatusInput {
    access_token: String,
    device_key: String,
    device_remembered_status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RefreshInput {
    refresh_token: String,
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    device_key: Option<String>,
    #[serde(default)]
    client_metadata: Option<Params>,
}

/// Reads the machine's body of `operation`. The error names the operation and the kind of
/// mismatch, never a value: the body holds passwords and tokens.
fn parse<'a, T: Deserialize<'a>>(operation: Operation, body: &'a [u8]) -> Result<T, SendError> {
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "a field missing, unknown or of the wrong type",
            _ => "not JSON",
        };
        SendError::request(operation, what)
    })
}

// ---------------------------------------------------------------------------------------
// The SDK's typed outputs, written as the service's JSON (its field names, its omissions).
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AuthOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge_parameters: Option<&'a HashMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication_result: Option<ResultOutput<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    available_challenges: Option<Vec<&'a str>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
    expires_in: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_device_metadata: Option<DeviceOutput<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeviceOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    device_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_group_key: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AssociateOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VerifyOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ConfirmDeviceOutput {
    user_confirmation_necessary: bool,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshOutput<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication_result: Option<ResultOutput<'a>>,
}

fn result(r: &AuthenticationResultType) -> ResultOutput<'_> {
    ResultOutput {
        access_token: r.access_token.as_deref(),
        expires_in: r.expires_in,
        token_type: r.token_type.as_deref(),
        refresh_token: r.refresh_token.as_deref(),
        id_token: r.id_token.as_deref(),
        new_device_metadata: r.new_device_metadata.as_ref().map(|d| DeviceOutput {
            device_key: d.device_key.as_deref(),
            device_group_key: d.device_group_key.as_deref(),
        }),
    }
}

fn challenges(names: Option<&[ChallengeNameType]>) -> Option<Vec<&str>> {
    names.map(|names| names.iter().map(ChallengeNameType::as_str).collect())
}

/// Counts the bytes a serializer writes, so the body is written once into a buffer of its
/// exact size and no copy of a token is left behind in reallocated memory.
struct Count(usize);

impl io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn to_body<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>, SendError> {
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_err(|_| SendError::unwritable())?;
    let mut body = Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer(&mut *body, value).map_err(|_| SendError::unwritable())?;
    Ok(body)
}

/// The SDK's result as a reply: the typed output as JSON (with the `Date` header the
/// interceptor kept), an error reply as received, and no reply at all as a [`SendError`].
fn finish<O, E>(
    sent: Result<O, SdkError<E, HttpResponse>>,
    received: &Received,
    write: impl FnOnce(&O) -> Result<Zeroizing<Vec<u8>>, SendError>,
) -> Result<Reply, SendError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match sent {
        Ok(output) => {
            let heard = received.take();
            Ok(Reply {
                status: heard.status,
                body: match heard.named_error {
                    Some(raw) => raw,
                    None => write(&output)?,
                },
                error_type: heard.error_type,
                date: heard.date,
            })
        }
        Err(error) => from_sdk_error(error),
    }
}

fn from_sdk_error<E>(error: SdkError<E, HttpResponse>) -> Result<Reply, SendError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let kind = match &error {
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            if let Some(reply) = error.raw_response().and_then(raw_reply) {
                return Ok(reply);
            }
            SendErrorKind::Response
        }
        SdkError::ConstructionFailure(_) => SendErrorKind::Construction,
        SdkError::TimeoutError(_) => SendErrorKind::Timeout,
        SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
            Some(e) if e.is_timeout() => SendErrorKind::Timeout,
            Some(e) if e.is_io() => SendErrorKind::Dispatch,
            // The HTTP client's transient failures: a connection closed mid-response, an
            // error of hyper's it does not name.
            Some(e)
                if e.as_other()
                    .is_some_and(|kind| kind != ErrorKind::ClientError) =>
            {
                SendErrorKind::Dispatch
            }
            // The SDK's own refusal before the wire: no identity to sign with, a bad
            // endpoint, a connector that rejects the request.
            Some(_) => SendErrorKind::Construction,
            None => SendErrorKind::Dispatch,
        },
        _ => SendErrorKind::Dispatch,
    };
    Err(SendError::sdk(kind, error))
}

/// An HTTP response as received, when its body was read whole.
fn raw_reply(raw: &HttpResponse) -> Option<Reply> {
    let bytes = raw.body().bytes()?;
    let mut body = Zeroizing::new(Vec::with_capacity(bytes.len()));
    body.extend_from_slice(bytes);
    let header = |name: &str| raw.headers().get(name).map(str::to_owned);
    Some(Reply {
        status: raw.status().as_u16(),
        body,
        error_type: header("x-amzn-errortype"),
        date: header("date"),
    })
}

/// What the typed output does not carry, kept from the last attempt's response: its status,
/// its `Date` header, and the raw body when a success status comes with a body that names an
/// error (`__type` or `code`), which the SDK reads as an empty output and the machine must see
/// as the error it is. One per call.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Heard>>);

#[derive(Default)]
struct Heard {
    status: u16,
    date: Option<String>,
    error_type: Option<String>,
    named_error: Option<Zeroizing<Vec<u8>>>,
}

impl Received {
    fn take(&self) -> Heard {
        self.0
            .lock()
            .map(|mut heard| std::mem::take(&mut *heard))
            .unwrap_or_default()
    }
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Received")
    }
}

/// The members that make a success body an error body, as the machine reads them.
#[derive(Deserialize)]
struct ErrorNamed {
    #[serde(rename = "__type", default)]
    error_type: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    code: Option<serde::de::IgnoredAny>,
}

impl Intercept for Received {
    fn name(&self) -> &'static str {
        "cognito-signin reply headers"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let header = |name: &str| response.headers().get(name).map(str::to_owned);
        let named_error = response.body().bytes().filter(|body| {
            serde_json::from_slice::<ErrorNamed>(body)
                .is_ok_and(|e| e.error_type.is_some() || e.code.is_some())
        });
        let heard = Heard {
            status: response.status().as_u16(),
            date: header("date"),
            error_type: header("x-amzn-errortype"),
            named_error: named_error.map(|body| Zeroizing::new(body.to_vec())),
        };
        if let Ok(mut slot) = self.0.lock() {
            *slot = heard;
        }
        Ok(())
    }
}
