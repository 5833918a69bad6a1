//! The cognito-signin conversation behind a C ABI.
//!
//! A sign-in is a `cognito_signin_conversation`: the caller starts it with a configuration
//! and a start in the JSON form of the core crate (the "JSON form" section of its README),
//! sends each request the library returns, feeds each reply back, and answers each question,
//! until a step says `done`. Every step comes back as a `cognito_signin_step` handle that
//! holds its UTF-8 JSON text. The library does no I/O, reads no clock (each call takes `now`
//! in Unix seconds) and draws random bytes from the caller's callback or from the operating
//! system.
//!
//! The rules, for every function:
//!
//! - **Handles.** The library creates every handle (`cognito_signin_<thing>_new` or an
//!   out-parameter) and the caller frees each exactly once with `cognito_signin_<thing>_free`,
//!   which accepts NULL. A handle of the wrong type is refused with
//!   `COGNITO_SIGNIN_RESULT_INVALID_HANDLE` (a freed or made-up pointer cannot be detected:
//!   do not pass one).
//! - **Results.** Every function that can fail returns a `cognito_signin_result`:
//!   `COGNITO_SIGNIN_RESULT_OK` (0) or a code from 7001 up.
//!   `cognito_signin_error_message` describes a code. A conversation also keeps the
//!   last failed call's error as JSON (`cognito_signin_conversation_last_error`).
//! - **Out-parameters.** Results come back only through out-parameters, written only on
//!   success. The one exception: when a caller's buffer is too small, the function returns
//!   `COGNITO_SIGNIN_RESULT_INSUFFICIENT_SIZE`, leaves the buffer alone and writes the size
//!   needed (text plus the terminating NUL) to `*written`.
//! - **Pointers.** Every pointer is checked for NULL (`COGNITO_SIGNIN_RESULT_NULL_PARAMETER`).
//!   Input text is a pointer and a length in bytes, need not be NUL-terminated, and must be
//!   UTF-8 (`COGNITO_SIGNIN_RESULT_INVALID_UTF8` otherwise).
//! - **Panics.** No panic crosses into C: a panic inside the library becomes
//!   `COGNITO_SIGNIN_RESULT_PANIC`, and the conversation it happened in refuses every later
//!   call with the same code.
//! - **Secrets.** Step text can hold passwords (in request bodies) and tokens; the library
//!   wipes it when the step is freed, and wipes a conversation's state when it is freed.
//!   Every block the library's Rust code frees is wiped first (`ALLOCATOR`, the default
//!   feature `wipe-on-free`). Error messages and error JSON never hold a secret.
//! - **Threads.** A handle may move between threads but must not be used by two at once; the
//!   random callback must not call the library with the same conversation.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(panic = "abort")]
compile_error!(
    "cognito-signin-ffi must be built with panic = \"unwind\": panics become result codes"
);

use core::ffi::{c_char, c_int, c_void};
use core::ptr;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cognito_signin::{Error, Misuse};
use cognito_signin_json::{CallError, Conversation, FillOrZeros};
use zeroize::Zeroizing;

/// The library's allocator for its Rust code: the system's (`malloc`/`free`), with every
/// block wiped when freed or moved by a reallocation (zeroizing-alloc). The library wipes its
/// own buffers, but serde_json unescapes a string with escapes (a password holding `"` or
/// `\`) into a scratch buffer of its own, and serde buffers a tagged value's fields, copying
/// the strings that had escapes: freed blocks that the library never sees.
#[cfg(feature = "wipe-on-free")]
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

/// A result code: `COGNITO_SIGNIN_RESULT_OK` (0) for success, otherwise one of the codes
/// from 7001 up. The type is `uint32_t` in C so that any value can be held; pass a code to
/// `cognito_signin_error_message` for its description.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_signin_result {
    /// Success.
    Ok = 0,
    /// A pointer argument was NULL.
    NullParameter = 7001,
    /// The library panicked (a bug): in this call, or in an earlier call on the same
    /// conversation, which is then unusable. Free it.
    Panic = 7002,
    /// The output buffer is too small; `*written` holds the size needed, including the NUL.
    InsufficientSize = 7003,
    /// An argument is out of range: a length above `PTRDIFF_MAX`, or an unknown result code.
    InvalidParameter = 7004,
    /// A handle of another type (a step where a conversation belongs, or the reverse).
    InvalidHandle = 7005,
    /// Input text is not UTF-8. Nothing changed.
    InvalidUtf8 = 7006,
    /// Input is not JSON of the right shape (`{"type":"misuse","kind":"badJson"}`; `field`
    /// names the input). Nothing changed: call again with mended input.
    BadJson = 7007,
    /// The service refused the sign-in (`{"type":"service"}`; `kind` is the service's
    /// exception name, such as `NotAuthorizedException`). The sign-in is over.
    ServiceError = 7008,
    /// The service's reply is broken (`{"type":"protocol"}`). The sign-in is over.
    ProtocolError = 7009,
    /// A call the conversation does not allow now, or an argument it refuses
    /// (`{"type":"misuse"}`; `kind` says which, such as `answerDoesNotFit`,
    /// `answerExpected`, `replyExpected`, `timeOutOfRange`, `badArgument`). Nothing
    /// changed.
    Misuse = 7010,
    /// The sign-in is over (done, or failed earlier): start a new conversation.
    AlreadyFinished = 7011,
    /// The random source gave only zero bytes (a callback that fails gives zeros). Nothing
    /// changed: mend the source and call again.
    BrokenRandomSource = 7012,
    /// `handle` or `answer` before `start`.
    NotStarted = 7013,
    /// `start` on a conversation already started.
    AlreadyStarted = 7014,
    /// `cognito_signin_conversation_last_error`: no call on this conversation has failed
    /// since the last one that succeeded.
    NoError = 7015,
}

use cognito_signin_result as R;

impl cognito_signin_result {
    /// Every code, for the description lookup.
    const ALL: [Self; 16] = [
        R::Ok,
        R::NullParameter,
        R::Panic,
        R::InsufficientSize,
        R::InvalidParameter,
        R::InvalidHandle,
        R::InvalidUtf8,
        R::BadJson,
        R::ServiceError,
        R::ProtocolError,
        R::Misuse,
        R::AlreadyFinished,
        R::BrokenRandomSource,
        R::NotStarted,
        R::AlreadyStarted,
        R::NoError,
    ];

    fn message(self) -> &'static str {
        match self {
            R::Ok => "success",
            R::NullParameter => "a pointer argument was NULL",
            R::Panic => {
                "internal error: the library panicked (in this call or an earlier one on this conversation)"
            }
            R::InsufficientSize => "the output buffer is too small",
            R::InvalidParameter => "an argument is out of range",
            R::InvalidHandle => "a handle of another type was passed",
            R::InvalidUtf8 => "input text is not valid UTF-8",
            R::BadJson => "input is not JSON of the right shape",
            R::ServiceError => "the service refused the sign-in",
            R::ProtocolError => "the service's reply is broken",
            R::Misuse => "the conversation does not allow this call or argument now",
            R::AlreadyFinished => "the sign-in is already over",
            R::BrokenRandomSource => "the random source gives only zero bytes",
            R::NotStarted => "the conversation is not started",
            R::AlreadyStarted => "the conversation is already started",
            R::NoError => "no call on this conversation has failed",
        }
    }

    /// The `kind` of the error JSON this library writes itself (errors the core never sees).
    fn kind(self) -> &'static str {
        match self {
            R::Ok => "ok",
            R::NullParameter => "nullParameter",
            R::Panic => "panic",
            R::InsufficientSize => "insufficientSize",
            R::InvalidParameter => "invalidParameter",
            R::InvalidHandle => "invalidHandle",
            R::InvalidUtf8 => "invalidUtf8",
            R::BadJson => "badJson",
            R::ServiceError => "service",
            R::ProtocolError => "protocol",
            R::Misuse => "misuse",
            R::AlreadyFinished => "alreadyFinished",
            R::BrokenRandomSource => "brokenRandomSource",
            R::NotStarted => "notStarted",
            R::AlreadyStarted => "alreadyStarted",
            R::NoError => "noError",
        }
    }
}

/// Which kind of step a `cognito_signin_step` is.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cognito_signin_step_type {
    /// `{"type": "send", "request": {...}}`: post `request.body` with the header
    /// `X-Amz-Target: <request.target>` and `Content-Type: <request.contentType>`, then pass
    /// the reply to `cognito_signin_conversation_handle`.
    Send = 1,
    /// `{"type": "needInput", "prompt": {...}}`: ask the user (`prompt.challenge`), then pass
    /// the answer to `cognito_signin_conversation_answer`.
    NeedInput = 2,
    /// `{"type": "done", "signedIn": {...}}`: the tokens, the internal username, the new
    /// device record. The conversation is finished.
    Done = 3,
}

/// The random source: fills `len` bytes at `buf` and returns 0, or returns non-zero when it
/// cannot (the library then uses zeros, and the call fails with
/// `COGNITO_SIGNIN_RESULT_BROKEN_RANDOM_SOURCE`). `userdata` is the pointer given to
/// `cognito_signin_conversation_new`. It must be a cryptographically secure generator.
#[allow(non_camel_case_types)]
pub type cognito_signin_random_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, buf: *mut u8, len: usize) -> c_int>;

/// A sign-in in progress (opaque). Made by `cognito_signin_conversation_new`, freed by
/// `cognito_signin_conversation_free`.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cognito_signin_conversation {
    _private: [u8; 0],
}

/// One step of a sign-in (opaque): its JSON text and its type. Made by the conversation's
/// calls, freed by `cognito_signin_step_free`, which wipes the text.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cognito_signin_step {
    _private: [u8; 0],
}

const CONVERSATION_MAGIC: u64 = 0x636f_6776_5f63_6f6e;
const STEP_MAGIC: u64 = 0x636f_6776_5f73_7465;

/// The random bytes: the caller's callback, or the operating system.
struct Random {
    callback: cognito_signin_random_callback,
    userdata: *mut c_void,
}

impl Random {
    /// Fills `dst`; whether it could.
    fn fill(&mut self, dst: &mut [u8]) -> bool {
        match self.callback {
            // SAFETY: the caller of `cognito_signin_conversation_new` promised a callback
            // that writes at most `len` bytes at `buf`; `dst` is valid for that many.
            Some(f) => unsafe { f(self.userdata, dst.as_mut_ptr(), dst.len()) == 0 },
            None => getrandom::fill(dst).is_ok(),
        }
    }

    /// The source the core draws from: a failure fills zeros, which the core refuses with
    /// `brokenRandomSource`.
    fn source(&mut self) -> FillOrZeros<impl FnMut(&mut [u8]) -> bool + '_> {
        FillOrZeros(|dst: &mut [u8]| self.fill(dst))
    }
}

enum State {
    New,
    Started(Box<Conversation>),
}

#[repr(C)]
struct ConversationBox {
    magic: u64,
    /// Set during a call; left set by a panic, after which the conversation is unusable.
    busy: bool,
    state: State,
    random: Random,
    last_error: Option<String>,
}

#[repr(C)]
struct StepBox {
    magic: u64,
    kind: cognito_signin_step_type,
    /// The JSON text followed by one NUL byte (not counted by the accessor's length).
    text: Zeroizing<String>,
}

/// Runs `f`, turning a panic into `cognito_signin_result::Panic`.
fn guard(f: impl FnOnce() -> cognito_signin_result) -> cognito_signin_result {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(R::Panic)
}

/// The error JSON for a failure found by this library, not by the core.
fn own_error(code: cognito_signin_result, field: Option<&str>) -> String {
    serde_json::json!({
        "type": "misuse",
        "kind": code.kind(),
        "field": field,
        "status": null,
        "message": code.message(),
    })
    .to_string()
}

/// A box behind a handle: `#[repr(C)]` with its tag as the first field.
trait Tagged {
    /// The tag of a live box of this type.
    const MAGIC: u64;
}

impl Tagged for ConversationBox {
    const MAGIC: u64 = CONVERSATION_MAGIC;
}

impl Tagged for StepBox {
    const MAGIC: u64 = STEP_MAGIC;
}

/// The box of type `B` behind a handle, if the pointer is one: not NULL, aligned, and
/// carrying `B`'s tag.
///
/// # Safety
/// `p` is NULL or points to at least 8 readable bytes.
unsafe fn tagged<'a, B: Tagged>(p: *const B) -> Result<&'a B, cognito_signin_result> {
    if p.is_null() {
        return Err(R::NullParameter);
    }
    if !p.is_aligned() {
        return Err(R::InvalidHandle);
    }
    // SAFETY: aligned, and readable by the caller's promise; the tag is the first field of
    // a `#[repr(C)]` box, read as a plain u64 before any reference to the whole is made.
    let magic = unsafe { p.cast::<u64>().read() };
    if magic != B::MAGIC {
        return Err(R::InvalidHandle);
    }
    // SAFETY: the tag says this is a live box made by this library, and the caller does
    // not use it from two threads at once.
    Ok(unsafe { &*p })
}

/// The conversation behind a handle, if the pointer is one.
///
/// # Safety
/// `p` is NULL or points to at least 8 readable bytes.
unsafe fn conversation_ref<'a>(
    p: *const cognito_signin_conversation,
) -> Result<&'a ConversationBox, cognito_signin_result> {
    // SAFETY: the caller's promise.
    unsafe { tagged(p.cast::<ConversationBox>()) }
}

/// The conversation behind a handle, to change, if the pointer is one.
///
/// # Safety
/// `p` is NULL or points to at least 8 readable bytes.
unsafe fn conversation_mut<'a>(
    p: *mut cognito_signin_conversation,
) -> Result<&'a mut ConversationBox, cognito_signin_result> {
    // SAFETY: the caller's promise.
    unsafe { conversation_ref(p) }?;
    // SAFETY: checked above to be a live box made by `cognito_signin_conversation_new`
    // (from `Box::into_raw`, so writable); the caller does not use it from two threads at
    // once.
    Ok(unsafe { &mut *p.cast::<ConversationBox>() })
}

/// The step behind a handle, if the pointer is one.
///
/// # Safety
/// `p` is NULL or points to at least 8 readable bytes.
unsafe fn step<'a>(p: *const cognito_signin_step) -> Result<&'a StepBox, cognito_signin_result> {
    // SAFETY: the caller's promise.
    unsafe { tagged(p.cast::<StepBox>()) }
}

/// The text at `(p, len)`.
///
/// # Safety
/// `p` is NULL or valid for reading `len` bytes.
unsafe fn input<'a>(p: *const u8, len: usize) -> Result<&'a str, cognito_signin_result> {
    if p.is_null() {
        return Err(R::NullParameter);
    }
    if len > isize::MAX as usize {
        return Err(R::InvalidParameter);
    }
    // SAFETY: the caller's promise; the length is within `isize`.
    let bytes = unsafe { core::slice::from_raw_parts(p, len) };
    core::str::from_utf8(bytes).map_err(|_| R::InvalidUtf8)
}

/// Copies `text` and a NUL to the caller's buffer.
///
/// # Safety
/// `buf` is NULL or valid for writing `len` bytes; `written` is NULL or valid for a write.
unsafe fn output(
    text: &[u8],
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> cognito_signin_result {
    if buf.is_null() || written.is_null() {
        return R::NullParameter;
    }
    let needed = text.len().saturating_add(1);
    if len < needed {
        // SAFETY: checked not NULL; the caller's promise.
        unsafe { written.write(needed) };
        return R::InsufficientSize;
    }
    // SAFETY: `buf` holds at least `text.len() + 1` bytes; the regions are distinct (the
    // text is the library's own).
    unsafe {
        ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
        buf.add(text.len()).write(0);
        written.write(text.len());
    }
    R::Ok
}

/// The code for an error of the JSON layer.
fn code_of(e: &CallError) -> cognito_signin_result {
    match e {
        CallError::BadJson { .. } => R::BadJson,
        CallError::Engine(Error::Service(_)) => R::ServiceError,
        CallError::Engine(Error::Protocol(_)) => R::ProtocolError,
        CallError::Engine(Error::Misuse(Misuse::AlreadyDone | Misuse::AlreadyFailed)) => {
            R::AlreadyFinished
        }
        CallError::Engine(Error::Misuse(Misuse::BrokenRandomSource)) => R::BrokenRandomSource,
        CallError::Engine(_) => R::Misuse,
    }
}

/// The step's type, read from its JSON.
fn step_type(json: &str) -> Option<cognito_signin_step_type> {
    // The core writes the tag first; anything else is read in full.
    for (prefix, kind) in [
        (r#"{"type":"send""#, cognito_signin_step_type::Send),
        (
            r#"{"type":"needInput""#,
            cognito_signin_step_type::NeedInput,
        ),
        (r#"{"type":"done""#, cognito_signin_step_type::Done),
    ] {
        if json.starts_with(prefix) {
            return Some(kind);
        }
    }
    #[derive(serde::Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        tag: &'a str,
    }
    match serde_json::from_str::<Tag<'_>>(json).ok()?.tag {
        "send" => Some(cognito_signin_step_type::Send),
        "needInput" => Some(cognito_signin_step_type::NeedInput),
        "done" => Some(cognito_signin_step_type::Done),
        _ => None,
    }
}

/// A step handle holding `text` (wiped when freed).
fn new_step(text: Zeroizing<String>) -> Option<*mut cognito_signin_step> {
    let kind = step_type(&text)?;
    // Into a buffer of the text's size with room for the NUL: the JSON layer writes into a
    // large one, wiped here as it is dropped, and growing a buffer in place would leave a
    // copy of the text in the one it frees.
    let mut sized = Zeroizing::new(String::with_capacity(text.len() + 1));
    sized.push_str(&text);
    sized.push('\0');
    drop(text);
    let boxed = Box::new(StepBox {
        magic: STEP_MAGIC,
        kind,
        text: sized,
    });
    Some(Box::into_raw(boxed).cast())
}

/// Runs one call of a started conversation and hands out its step.
///
/// # Safety
/// The pointers as the public functions document them.
unsafe fn call(
    conversation_ptr: *mut cognito_signin_conversation,
    text: *const u8,
    text_len: usize,
    field: &str,
    step_out: *mut *mut cognito_signin_step,
    f: impl FnOnce(&mut Conversation, &str, &mut Random) -> Result<Zeroizing<String>, CallError>,
) -> cognito_signin_result {
    // SAFETY: the caller's promise.
    let c = match unsafe { conversation_mut(conversation_ptr) } {
        Ok(c) => c,
        Err(code) => return code,
    };
    if c.busy {
        return R::Panic;
    }
    // SAFETY: the caller's promise.
    let result = match unsafe { input(text, text_len) } {
        Err(code) => Err((code, own_error(code, Some(field)))),
        Ok(_) if step_out.is_null() => {
            let code = R::NullParameter;
            Err((code, own_error(code, Some("step_out"))))
        }
        Ok(text) => match &mut c.state {
            State::New => Err((R::NotStarted, own_error(R::NotStarted, None))),
            State::Started(machine) => {
                c.busy = true;
                let result = f(machine, text, &mut c.random);
                c.busy = false;
                result.map_err(|e| (code_of(&e), e.to_json()))
            }
        },
    };
    finish(c, result, step_out)
}

/// Records the outcome on the conversation and writes the step out.
fn finish(
    c: &mut ConversationBox,
    result: Result<Zeroizing<String>, (cognito_signin_result, String)>,
    step_out: *mut *mut cognito_signin_step,
) -> cognito_signin_result {
    match result {
        Ok(text) => match new_step(text) {
            Some(step) => {
                c.last_error = None;
                // SAFETY: checked not NULL by the callers; the caller's promise.
                unsafe { step_out.write(step) };
                R::Ok
            }
            None => {
                c.last_error = Some(own_error(R::Panic, None));
                R::Panic
            }
        },
        Err((code, json)) => {
            c.last_error = Some(json);
            code
        }
    }
}

/// The library's version, a static NUL-terminated string such as `"0.1.0"`. Never NULL, never
/// to be freed.
#[unsafe(no_mangle)]
pub extern "C" fn cognito_signin_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Writes the description of the result code `result` (an English sentence, NUL-terminated)
/// to `buf`, which holds `len` bytes, and its length (without the NUL) to `*written`.
///
/// Returns `COGNITO_SIGNIN_RESULT_INVALID_PARAMETER` for a value that is not a result code,
/// and `COGNITO_SIGNIN_RESULT_INSUFFICIENT_SIZE` (with the size needed in `*written`) when
/// `len` is too small; 128 bytes always suffice.
///
/// # Safety
/// `buf` is NULL or valid for writing `len` bytes; `written` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_error_message(
    result: u32,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> cognito_signin_result {
    guard(|| {
        if buf.is_null() || written.is_null() {
            return R::NullParameter;
        }
        match R::ALL.iter().find(|c| **c as u32 == result) {
            // SAFETY: the caller's promise.
            Some(code) => unsafe { output(code.message().as_bytes(), buf, len, written) },
            None => R::InvalidParameter,
        }
    })
}

/// Makes a conversation and writes it to `*conversation_out`; free it with
/// `cognito_signin_conversation_free`. Start it with `cognito_signin_conversation_start`.
///
/// `random` is the random source for the whole sign-in, called with `userdata`; NULL takes
/// the operating system's generator (getrandom(2) on Linux) and ignores `userdata`.
///
/// # Safety
/// `conversation_out` is NULL or valid for writing. A non-NULL `random` must behave as
/// `cognito_signin_random_callback` says, and `userdata` must stay valid for it until the
/// conversation is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_new(
    random: cognito_signin_random_callback,
    userdata: *mut c_void,
    conversation_out: *mut *mut cognito_signin_conversation,
) -> cognito_signin_result {
    guard(|| {
        if conversation_out.is_null() {
            return R::NullParameter;
        }
        let boxed = Box::new(ConversationBox {
            magic: CONVERSATION_MAGIC,
            busy: false,
            state: State::New,
            random: Random {
                callback: random,
                userdata,
            },
            last_error: None,
        });
        // SAFETY: checked not NULL; the caller's promise.
        unsafe { conversation_out.write(Box::into_raw(boxed).cast()) };
        R::Ok
    })
}

/// Frees a conversation and wipes the sign-in's secrets (the SRP values, the password, the
/// session). NULL is allowed and does nothing; a handle of another type is left alone. The
/// steps it handed out stay valid and are freed on their own.
///
/// # Safety
/// `conversation` is NULL or a conversation not yet freed; it is not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_free(
    conversation: *mut cognito_signin_conversation,
) {
    let _ = guard(|| {
        // SAFETY: the caller's promise.
        if let Ok(c) = unsafe { conversation_mut(conversation) } {
            c.magic = 0;
            // SAFETY: made by `Box::into_raw` in `cognito_signin_conversation_new`, freed
            // once by the caller's promise.
            drop(unsafe { Box::from_raw(ptr::from_mut(c)) });
        }
        R::Ok
    });
}

/// Starts the sign-in: `config` (`config_len` bytes) is a `Config` and `start`
/// (`start_len` bytes) a `Start` in the JSON form, `now` the time in Unix seconds. On
/// success writes the first step (always of type send, `{"type":"send","request":{...}}`) to
/// `*step_out`.
///
/// Errors: `BAD_JSON` for input that does not parse (`field` is `"config"` or `"start"`),
/// `MISUSE` for a value the core refuses (`kind` `badArgument`, `timeOutOfRange`),
/// `BROKEN_RANDOM_SOURCE`, `ALREADY_STARTED`; nothing changes and the conversation can be
/// started again. The error JSON is in `cognito_signin_conversation_last_error`.
///
/// # Safety
/// `conversation` is NULL or a live handle; `config` and `start` are NULL or valid for
/// reading their lengths; `step_out` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_start(
    conversation: *mut cognito_signin_conversation,
    config: *const u8,
    config_len: usize,
    start: *const u8,
    start_len: usize,
    now: u64,
    step_out: *mut *mut cognito_signin_step,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        let c = match unsafe { conversation_mut(conversation) } {
            Ok(c) => c,
            Err(code) => return code,
        };
        if c.busy {
            return R::Panic;
        }
        let fail = |code, field| Err((code, own_error(code, field)));
        // SAFETY: the caller's promise, for each input.
        let result = match unsafe { (input(config, config_len), input(start, start_len)) } {
            (Err(code), _) => fail(code, Some("config")),
            (_, Err(code)) => fail(code, Some("start")),
            _ if step_out.is_null() => fail(R::NullParameter, Some("step_out")),
            _ if matches!(c.state, State::Started(_)) => fail(R::AlreadyStarted, None),
            (Ok(config), Ok(start)) => {
                c.busy = true;
                let started = Conversation::start(config, start, now, &mut c.random.source());
                c.busy = false;
                match started {
                    Ok((machine, request)) => {
                        c.state = State::Started(Box::new(machine));
                        Ok(send_step(&request))
                    }
                    Err(e) => Err((code_of(&e), e.to_json())),
                }
            }
        };
        finish(c, result, step_out)
    })
}

/// `{"type":"send","request":<request>}`, written in one buffer of the right size.
fn send_step(request: &str) -> Zeroizing<String> {
    const HEAD: &str = r#"{"type":"send","request":"#;
    let mut text = Zeroizing::new(String::with_capacity(HEAD.len() + request.len() + 2));
    text.push_str(HEAD);
    text.push_str(request);
    text.push('}');
    text
}

/// Feeds the reply to the last request: `reply` (`reply_len` bytes) is a `Reply` in the
/// JSON form, `{"status": 200, "body": "<the body as text>", "date": "<the Date header>"}`
/// (`date` may be null or left out); a 4xx reply is as much a reply as a 200. On success
/// writes the next step to `*step_out`.
///
/// Errors: `SERVICE_ERROR` and `PROTOCOL_ERROR` end the sign-in; `BAD_JSON`,
/// `INVALID_UTF8`, `MISUSE` (`answerExpected`), `BROKEN_RANDOM_SOURCE`, `NOT_STARTED`
/// change nothing; `ALREADY_FINISHED` after the end.
///
/// # Safety
/// `conversation` is NULL or a live handle; `reply` is NULL or valid for reading
/// `reply_len` bytes; `step_out` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_handle(
    conversation: *mut cognito_signin_conversation,
    reply: *const u8,
    reply_len: usize,
    now: u64,
    step_out: *mut *mut cognito_signin_step,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        unsafe {
            call(
                conversation,
                reply,
                reply_len,
                "reply",
                step_out,
                |m, text, random| m.handle(text, now, &mut random.source()),
            )
        }
    })
}

/// Answers the open question: `answer` (`answer_len` bytes) is an `Answer` in the JSON form,
/// such as `{"type": "code", "code": "123456"}` or `{"type": "rememberDevice", "remember":
/// true}`. On success writes the next step to `*step_out`.
///
/// Errors: `MISUSE` (`answerDoesNotFit`, `replyExpected`), `BAD_JSON`, `INVALID_UTF8`,
/// `BROKEN_RANDOM_SOURCE`, `NOT_STARTED` change nothing (the same question waits);
/// `ALREADY_FINISHED` after the end. A wrong code is not an error here: the service refuses
/// it, and the next step asks again with `prompt.previousError` set.
///
/// # Safety
/// `conversation` is NULL or a live handle; `answer` is NULL or valid for reading
/// `answer_len` bytes; `step_out` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_answer(
    conversation: *mut cognito_signin_conversation,
    answer: *const u8,
    answer_len: usize,
    now: u64,
    step_out: *mut *mut cognito_signin_step,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        unsafe {
            call(
                conversation,
                answer,
                answer_len,
                "answer",
                step_out,
                |m, text, random| m.answer(text, now, &mut random.source()),
            )
        }
    })
}

/// Writes whether the sign-in is over (done, or ended by the service) to `*finished_out`.
/// A conversation not yet started is not finished.
///
/// # Safety
/// `conversation` is NULL or a live handle; `finished_out` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_is_finished(
    conversation: *const cognito_signin_conversation,
    finished_out: *mut bool,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        let c = match unsafe { conversation_ref(conversation) } {
            Ok(c) => c,
            Err(code) => return code,
        };
        if finished_out.is_null() {
            return R::NullParameter;
        }
        let finished = match &c.state {
            State::New => false,
            State::Started(m) => m.is_finished(),
        };
        // SAFETY: checked not NULL; the caller's promise.
        unsafe { finished_out.write(finished) };
        R::Ok
    })
}

/// Writes the username used so far (the typed one until the service names the internal
/// one), NUL-terminated, to `buf` (`len` bytes) and its length to `*written`.
/// `NOT_STARTED` before the start; `INSUFFICIENT_SIZE` as the rules say.
///
/// # Safety
/// `conversation` is NULL or a live handle; `buf` is NULL or valid for writing `len` bytes;
/// `written` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_username(
    conversation: *const cognito_signin_conversation,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        let c = match unsafe { conversation_ref(conversation) } {
            Ok(c) => c,
            Err(code) => return code,
        };
        if buf.is_null() || written.is_null() {
            return R::NullParameter;
        }
        match &c.state {
            State::New => R::NotStarted,
            // SAFETY: the caller's promise.
            State::Started(m) => unsafe { output(m.username().as_bytes(), buf, len, written) },
        }
    })
}

/// Writes the error of the last call on this conversation that failed, as JSON
/// (`{"type", "kind", "field", "status", "message"}`, NUL-terminated), to `buf` (`len` bytes)
/// and its length to `*written`. `type` is `service`, `protocol` or `misuse`; errors found
/// by this library itself (a NULL argument, invalid UTF-8, a call before the start) are of
/// type `misuse` with `kind` `nullParameter`, `invalidUtf8`, `notStarted`, …. A call that
/// succeeds clears it; with none, returns `COGNITO_SIGNIN_RESULT_NO_ERROR`. The text holds
/// no secret; a buffer of 4096 bytes suffices for nearly every error, and
/// `COGNITO_SIGNIN_RESULT_INSUFFICIENT_SIZE` gives the size needed otherwise.
///
/// # Safety
/// `conversation` is NULL or a live handle; `buf` is NULL or valid for writing `len` bytes;
/// `written` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_conversation_last_error(
    conversation: *const cognito_signin_conversation,
    buf: *mut u8,
    len: usize,
    written: *mut usize,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        let c = match unsafe { conversation_ref(conversation) } {
            Ok(c) => c,
            Err(code) => return code,
        };
        if buf.is_null() || written.is_null() {
            return R::NullParameter;
        }
        match &c.last_error {
            None => R::NoError,
            // SAFETY: the caller's promise.
            Some(json) => unsafe { output(json.as_bytes(), buf, len, written) },
        }
    })
}

/// Writes the step's type to `*type_out`.
///
/// # Safety
/// `step` is NULL or a live handle; `type_out` is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_step_get_type(
    step: *const cognito_signin_step,
    type_out: *mut cognito_signin_step_type,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        let s = match unsafe { self::step(step) } {
            Ok(s) => s,
            Err(code) => return code,
        };
        if type_out.is_null() {
            return R::NullParameter;
        }
        // SAFETY: checked not NULL; the caller's promise.
        unsafe { type_out.write(s.kind) };
        R::Ok
    })
}

/// Lends the step's JSON text: writes a pointer to it to `*json_out` and its length in
/// bytes to `*len_out`. The text is UTF-8, followed by a NUL (not counted), owned by the
/// step: it stays valid, unchanged, until `cognito_signin_step_free`, which wipes it. Copy
/// out only what you need; it can hold the password (in a request body) and the tokens.
///
/// # Safety
/// `step` is NULL or a live handle; `json_out` and `len_out` are NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_step_get_json(
    step: *const cognito_signin_step,
    json_out: *mut *const u8,
    len_out: *mut usize,
) -> cognito_signin_result {
    guard(|| {
        // SAFETY: the caller's promise.
        let s = match unsafe { self::step(step) } {
            Ok(s) => s,
            Err(code) => return code,
        };
        if json_out.is_null() || len_out.is_null() {
            return R::NullParameter;
        }
        // SAFETY: checked not NULL; the caller's promise.
        unsafe {
            json_out.write(s.text.as_ptr());
            len_out.write(s.text.len().saturating_sub(1));
        }
        R::Ok
    })
}

/// Frees a step and wipes its text. NULL is allowed and does nothing; a handle of another
/// type is left alone.
///
/// # Safety
/// `step` is NULL or a step not yet freed; it (and the text it lent) is not used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cognito_signin_step_free(step: *mut cognito_signin_step) {
    let _ = guard(|| {
        // SAFETY: the caller's promise.
        if unsafe { self::step(step) }.is_ok() {
            let p = step.cast::<StepBox>();
            // SAFETY: a live box made by `Box::into_raw` in `new_step`, freed once by the
            // caller's promise; the wipe happens in the text's drop.
            unsafe {
                (*p).magic = 0;
                drop(Box::from_raw(p));
            }
        }
        R::Ok
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code() {
        #[allow(clippy::panic)]
        let code = guard(|| panic!("boom"));
        assert_eq!(code, R::Panic);
    }

    #[test]
    fn every_code_has_a_message_that_fits_128_bytes() {
        for code in R::ALL {
            assert!(code.message().len() < 128, "{code:?}");
        }
    }

    #[test]
    fn step_types_are_read() {
        assert_eq!(
            step_type(r#"{"type":"done","signedIn":{}}"#),
            Some(cognito_signin_step_type::Done)
        );
        assert_eq!(
            step_type(r#"{"prompt":{}, "type":"needInput"}"#),
            Some(cognito_signin_step_type::NeedInput)
        );
        assert_eq!(step_type(r#"{"type":"other"}"#), None);
    }
}
