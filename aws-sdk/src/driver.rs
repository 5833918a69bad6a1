//! The whole sign-in: the machine's requests sent through the SDK, its questions asked.

use std::future::Future;
use std::time::SystemTime;

use aws_sdk_cognitoidentityprovider::Client;
use cognito_signin::{Answer, Config, Prompt, SignIn, SignedIn, Start, Step, UnixTime};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};

use crate::error::SignInError;
use crate::send::send;

/// Answers the machine's questions: a code, a new password, a choice, whether to remember
/// the device. See [`Prompt`] and [`Answer`] for what can be asked and answered.
///
/// Any `FnMut(Prompt) -> impl Future<Output = Answer>` is one:
///
/// ```
/// # use cognito_signin::{Answer, Challenge, Prompt};
/// let ask = |prompt: Prompt| async move {
///     match prompt.challenge {
///         Challenge::RememberDevice => Answer::RememberDevice(true),
///         _ => Answer::Code(String::from("123456")), // asked of the user, really
///     }
/// };
/// # fn is_ask(_: impl cognito_signin_aws_sdk::Ask) {}
/// # is_ask(ask);
/// ```
///
/// To give up, drop the [`sign_in`] future (or let a timeout drop it): nothing is left
/// behind but the requests already answered.
pub trait Ask: Send {
    /// The answer to `prompt`.
    fn ask(&mut self, prompt: Prompt) -> impl Future<Output = Answer> + Send;
}

impl<F, Fut> Ask for F
where
    F: FnMut(Prompt) -> Fut + Send,
    Fut: Future<Output = Answer> + Send,
{
    fn ask(&mut self, prompt: Prompt) -> impl Future<Output = Answer> + Send {
        self(prompt)
    }
}

/// Signs in: starts the machine, sends each request through `client` with [`send`], asks
/// `ask` each question, and returns the tokens (and the device record to keep, when a new
/// device was confirmed).
///
/// The randomness is the operating system's (a ChaCha generator seeded from it, for this
/// sign-in alone); the clock is the system clock, corrected by the machine with each reply's
/// `Date` header. For another generator or clock, or to handle a failed send yourself (say,
/// to send the same request again), run the loop of the crate's documentation.
///
/// # Errors
///
/// [`SignInError::Send`] when a request got no reply (the SDK's timeout, a failed
/// connection); [`SignInError::SignIn`] when the service refused the sign-in (Cognito's
/// error name and message are in [`cognito_signin::ServiceError`]), broke the protocol, or
/// an answer did not fit its question; [`SignInError::Entropy`] when the system's random
/// generator failed.
pub async fn sign_in(
    client: &Client,
    config: Config,
    start: Start,
    mut ask: impl Ask,
) -> Result<SignedIn, SignInError> {
    let mut rng = StdRng::try_from_rng(&mut SysRng).map_err(|_| SignInError::Entropy)?;
    let (mut machine, request) = SignIn::start(config, start, now(), &mut rng)?;
    let mut step = Step::Send(request);
    loop {
        step = match step {
            Step::Send(request) => {
                let reply = send(client, &request).await?;
                machine.handle(reply.as_response(), now(), &mut rng)?
            }
            Step::NeedInput(prompt) => {
                let answer = ask.ask(prompt).await;
                machine.answer(answer, now(), &mut rng)?
            }
            Step::Done(signed_in) => return Ok(signed_in),
        };
    }
}

fn now() -> UnixTime {
    UnixTime::from(SystemTime::now())
}
