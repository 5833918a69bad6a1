//! The cognito-signin conversation as JSON text: the configuration, the start, every reply
//! and answer go in as UTF-8 JSON in the core's documented form (`JSON_FORM_VERSION` 1, the
//! "JSON form" section of the core README), and every request and step comes out as JSON.
//!
//! This is the one layer the JavaScript, C and Python bindings share, so that each of them
//! only moves text across its boundary. It adds no protocol logic: [`Conversation`] is the
//! core's [`SignIn`] with JSON on both sides, plus two things a binding needs:
//!
//! - input that is not valid JSON of the right shape is a caller's mistake, reported as an
//!   error of type `"misuse"` and kind `"badJson"` naming the input, and the machine stays
//!   where it was;
//! - every sign-in uses a table of powers of g built once per process (per private-value
//!   size) and shared, so a binding built without the core's `std` feature (WebAssembly) gets
//!   the table's speed too.
//!
//! Text that holds secrets (the password in a start or an answer, the request bodies, the
//! tokens) is returned as [`Zeroizing`] strings; error messages never quote input values.
//!
//! ```
//! use cognito_signin_json::Conversation;
//! # use rand::{SeedableRng, rngs::StdRng};
//! # let mut rng = StdRng::seed_from_u64(1);
//! let (machine, request) = Conversation::start(
//!     r#"{"userPoolId": "us-east-1_Example1", "clientId": "exampleclient"}"#,
//!     r#"{"flow": "USER_SRP_AUTH", "username": "jane", "password": "Correct-Horse-1"}"#,
//!     1_800_000_000,
//!     &mut rng,
//! )
//! .unwrap();
//! assert!(request.contains(r#""operation":"InitiateAuth""#));
//! # drop(machine);
//! ```

use std::sync::OnceLock;

use cognito_signin::rand_core::{CryptoRng, TryCryptoRng, TryRng};
use cognito_signin::srp::PowersOfG;
use cognito_signin::{Answer, Config, Error, PrivateSize, Reply, SignIn, Start, UnixTime};
use serde::Serialize;
use zeroize::Zeroizing;

/// Which input a [`CallError::BadJson`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// The configuration.
    Config,
    /// The start.
    Start,
    /// A reply.
    Reply,
    /// An answer.
    Answer,
}

impl Input {
    /// The input's name, as the error's `field` gives it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Start => "start",
            Self::Reply => "reply",
            Self::Answer => "answer",
        }
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// The machine's own error: a service error or broken reply (final), or a misuse
    /// (nothing changed).
    Engine(Error),
    /// An input is not valid JSON of the right shape: a caller's mistake, nothing changed.
    BadJson {
        /// The input.
        input: Input,
        /// serde's message, with every quoted value removed (it could be a secret).
        message: String,
    },
}

impl CallError {
    /// The error in the JSON form: `{"type", "kind", "field", "status", "message"}`, with
    /// `{"type": "misuse", "kind": "badJson", "field": "<input>"}` for bad input.
    #[must_use]
    pub fn to_json(&self) -> String {
        match self {
            Self::Engine(e) => serde_json::to_string(e).unwrap_or_else(|_| internal()),
            Self::BadJson { input, message } => {
                #[derive(Serialize)]
                struct BadJson<'a> {
                    r#type: &'static str,
                    kind: &'static str,
                    field: &'static str,
                    status: Option<u16>,
                    message: &'a str,
                }
                serde_json::to_string(&BadJson {
                    r#type: "misuse",
                    kind: "badJson",
                    field: input.name(),
                    status: None,
                    message,
                })
                .unwrap_or_else(|_| internal())
            }
        }
    }

    /// Whether the sign-in is over (a service error or a broken reply); otherwise the
    /// machine waits for the same reply or answer as before.
    #[must_use]
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Engine(Error::Service(_) | Error::Protocol(_)))
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Engine(e) => e.fmt(f),
            Self::BadJson { input, message } => write!(f, "bad {} JSON: {message}", input.name()),
        }
    }
}

impl std::error::Error for CallError {}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        Self::Engine(e)
    }
}

/// Serialising the crate's own types to a `String` cannot fail; this is never reached.
fn internal() -> String {
    r#"{"type":"misuse","kind":"internal","field":null,"status":null,"message":"internal error"}"#
        .to_owned()
}

/// serde_json's message without the values it quotes (`invalid type: string "…"`).
fn redact(e: &serde_json::Error) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in e.to_string().chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

fn parse<'a, T: serde::Deserialize<'a>>(input: Input, text: &'a str) -> Result<T, CallError> {
    serde_json::from_str(text).map_err(|e| CallError::BadJson {
        input,
        message: redact(&e),
    })
}

fn to_json<T: Serialize>(value: &T) -> Zeroizing<String> {
    /// Counts the bytes written to it.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Measured first, then written into a buffer of exactly that size, so that no secret is
    // left behind in a smaller buffer freed while growing.
    let mut count = Count(0);
    if serde_json::to_writer(&mut count, value).is_err() {
        return Zeroizing::new(internal());
    }
    let mut buf = Zeroizing::new(Vec::with_capacity(count.0));
    if serde_json::to_writer(&mut *buf, value).is_err() {
        return Zeroizing::new(internal());
    }
    let text = std::mem::take(&mut *buf);
    match String::from_utf8(text) {
        Ok(s) => Zeroizing::new(s),
        Err(e) => {
            let mut bytes = e.into_bytes();
            zeroize::Zeroize::zeroize(&mut bytes);
            Zeroizing::new(internal())
        }
    }
}

/// A reply in the JSON form, with its `body` unescaped here into a buffer that is wiped:
/// serde_json would unescape it into its deserializer's scratch buffer and free that
/// unwiped, and the body holds the tokens.
fn read_reply(text: &str) -> Result<Reply, CallError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct ReplyText<'a> {
        status: u16,
        #[serde(borrow)]
        body: &'a serde_json::value::RawValue,
        #[serde(default)]
        error_type: Option<String>,
        #[serde(default)]
        date: Option<String>,
    }
    let bad = |message: String| CallError::BadJson {
        input: Input::Reply,
        message,
    };
    // serde's structs also read arrays (members by position): a reply is an object only.
    if !text.trim_start().starts_with('{') {
        return Err(bad("expected a JSON object".to_owned()));
    }
    let parsed: ReplyText<'_> = serde_json::from_str(text).map_err(|e| bad(redact(&e)))?;
    let Some(body) = unescape(parsed.body.get()) else {
        return Err(bad("body must be a string".to_owned()));
    };
    let mut reply = Reply::new(parsed.status, body);
    reply.error_type = parsed.error_type;
    reply.date = parsed.date;
    Ok(reply)
}

/// [`unescape`], for the fuzz target that checks it against serde_json.
#[doc(hidden)]
#[must_use]
pub fn unescape_for_fuzzing(raw: &str) -> Option<String> {
    unescape(raw)
}

/// The text of a JSON string literal (already checked as JSON), unescaped into a buffer of
/// its own length that never grows; `None` for anything but a string.
fn unescape(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    let hex4 = |chars: &mut std::str::Chars<'_>| -> Option<u32> {
        let mut v = 0;
        for _ in 0..4 {
            v = v * 16 + chars.next()?.to_digit(16)?;
        }
        Some(v)
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let c = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let unit = hex4(&mut chars)?;
                let code = if (0xD800..0xDC00).contains(&unit) {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let low = hex4(&mut chars)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    unit
                };
                char::from_u32(code)?
            }
            _ => return None,
        };
        out.push(c);
    }
    Some(out)
}

/// The shared table for private values of `size`, built on first use.
fn powers_of_g(size: PrivateSize) -> &'static PowersOfG {
    static SMALL: OnceLock<PowersOfG> = OnceLock::new();
    static LARGE: OnceLock<PowersOfG> = OnceLock::new();
    match size {
        PrivateSize::Bits1024 => LARGE.get_or_init(|| PowersOfG::new(PrivateSize::Bits1024)),
        _ => SMALL.get_or_init(|| PowersOfG::new(PrivateSize::Bits256)),
    }
}

/// A random source made of a function that fills a buffer and says whether it could: the
/// one rule every binding's generator follows. A failure fills zeros, which the core refuses
/// as [`Misuse::BrokenRandomSource`](cognito_signin::Misuse::BrokenRandomSource): the call
/// changes nothing and can be made again, and nothing is ever computed from a generator that
/// failed, nor does a failure panic.
pub struct FillOrZeros<F>(pub F);

impl<F> std::fmt::Debug for FillOrZeros<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FillOrZeros")
    }
}

impl<F: FnMut(&mut [u8]) -> bool> TryRng for FillOrZeros<F> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        cognito_signin::rand_core::utils::next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        cognito_signin::rand_core::utils::next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if !dst.is_empty() && !(self.0)(dst) {
            dst.fill(0);
        }
        Ok(())
    }
}

impl<F: FnMut(&mut [u8]) -> bool> TryCryptoRng for FillOrZeros<F> {}

/// A sign-in in progress, spoken in JSON.
#[derive(Debug)]
pub struct Conversation {
    machine: SignIn,
}

impl Conversation {
    /// Starts a sign-in from a configuration and a start in the JSON form; returns the
    /// machine and the first request (a `Request` in the JSON form).
    ///
    /// # Errors
    /// [`CallError::BadJson`] for input that does not parse; the core's
    /// [`SignIn::start`] errors.
    pub fn start<R: CryptoRng + ?Sized>(
        config: &str,
        start: &str,
        now: u64,
        rng: &mut R,
    ) -> Result<(Self, Zeroizing<String>), CallError> {
        let config: Config = parse(Input::Config, config)?;
        let table = powers_of_g(config.private_size());
        let config = config.with_powers_of_g(table);
        let start: Start = parse(Input::Start, start)?;
        let (machine, request) = SignIn::start(config, start, UnixTime(now), rng)?;
        Ok((Self { machine }, to_json(&request)))
    }

    /// Feeds the reply to the last request (a `Reply` in the JSON form); returns the next
    /// `Step` in the JSON form.
    ///
    /// # Errors
    /// [`CallError::BadJson`] for a reply that does not parse (nothing changes); the core's
    /// [`SignIn::handle`] errors.
    pub fn handle<R: CryptoRng + ?Sized>(
        &mut self,
        reply: &str,
        now: u64,
        rng: &mut R,
    ) -> Result<Zeroizing<String>, CallError> {
        let reply = read_reply(reply)?;
        let step = self.machine.handle(reply.as_response(), UnixTime(now), rng);
        // The reply's body can hold tokens.
        let Reply { body, .. } = reply;
        drop(Zeroizing::new(body));
        Ok(to_json(&step?))
    }

    /// Passes the user's answer (an `Answer` in the JSON form) to the open question;
    /// returns the next `Step` in the JSON form.
    ///
    /// # Errors
    /// [`CallError::BadJson`] for an answer that does not parse (nothing changes); the
    /// core's [`SignIn::answer`] errors.
    pub fn answer<R: CryptoRng + ?Sized>(
        &mut self,
        answer: &str,
        now: u64,
        rng: &mut R,
    ) -> Result<Zeroizing<String>, CallError> {
        let answer: Answer = parse(Input::Answer, answer)?;
        let step = self.machine.answer(answer, UnixTime(now), rng)?;
        Ok(to_json(&step))
    }

    /// The username used so far: the typed one until the service names the internal one.
    #[must_use]
    pub fn username(&self) -> &str {
        self.machine.username()
    }

    /// Whether the sign-in is finished (done or failed).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.machine.is_finished()
    }
}

#[cfg(test)]
mod tests {
    use super::unescape;

    /// The hand-written unescaping reads every JSON string as serde_json does.
    #[test]
    fn unescape_agrees_with_serde_json() {
        let texts = [
            "",
            "plain",
            r#"{"AuthenticationResult":{"AccessToken":"eyJ.a-b_c"}}"#,
            "tab\t nl\n cr\r bs\\ quote\" slash/ \u{8}\u{c} nul\u{0} del\u{7f}",
            "é ü ß ∑ 𝄞 😀 \u{fffd} \u{ffff} \u{10ffff}",
        ];
        for text in texts {
            let json = serde_json::to_string(text).unwrap_or_default();
            assert_eq!(unescape(&json).as_deref(), Some(text), "{json}");
        }
        let escaped = [
            r#""\u00e9\u0000\u001F\/\b\f""#,
            r#""\ud834\udd1e \uD83D\uDE00""#,
            r#""\uFFFF\u007f""#,
        ];
        for json in escaped {
            let want: String = serde_json::from_str(json).unwrap_or_default();
            assert_eq!(unescape(json), Some(want), "{json}");
        }
        for bad in [
            r#""\ud834""#,
            r#""\udd1e""#,
            r#""\ud834\u0041""#,
            r#""\x""#,
            r#""\u12""#,
            "5",
            "null",
            "\"open",
        ] {
            assert_eq!(unescape(bad), None, "{bad}");
        }
    }
}
