//! cognito-signin for JavaScript: the sign-in machine compiled to WebAssembly.
//!
//! This crate is the boundary only. It exports one class, `Machine`, whose methods take and
//! return text in the core's JSON form (through `cognito-signin-json`); the npm package's
//! `index.js` turns that text into plain objects and errors into `Error` subclasses. It adds
//! no protocol logic.
//!
//! - Randomness comes from Web Crypto's `crypto.getRandomValues` (browsers, Node ≥ 19; the
//!   package installs Node 18's `webcrypto` as `globalThis.crypto` before it loads this
//!   module). A missing or failing generator gives the core's `brokenRandomSource` error,
//!   never a trap.
//! - The clock is the caller's `now` (Unix seconds); `index.js` passes `Date.now()` unless
//!   told otherwise.
//! - Every string that crosses in (the start with the password, each answer, each reply)
//!   is wiped from WebAssembly memory once read, and so is every string handed out once it
//!   has been copied to JavaScript.
//! - Every heap block of the module is wiped when it is freed (`ALLOCATOR`), which also
//!   covers the buffers that serde and serde_json fill and free on their own.
//! - Errors are thrown as JavaScript strings holding the error's JSON form, which
//!   `index.js` turns into `ServiceError`, `ProtocolError` or `MisuseError`.

use cognito_signin::{Error, Misuse};
use cognito_signin_json::{CallError, Conversation, FillOrZeros};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

/// The module's allocator: the standard one (dlmalloc), with every block wiped when freed
/// or moved by a reallocation (zeroizing-alloc). The JSON layer wipes its own buffers, but
/// serde_json unescapes a string with escapes (a password holding `"` or `\`) into a
/// scratch buffer of its own, and serde buffers a tagged value's fields, copying the strings
/// that had escapes: freed blocks that this crate never sees.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

#[wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues(view)`, filling a view of WebAssembly memory.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Web Crypto's generator (at most 65 536 bytes per call). A failure fills zeros, which the
/// core reports as a broken random source (an error the caller can mend and retry), so
/// nothing here can trap.
fn web_crypto() -> FillOrZeros<impl FnMut(&mut [u8]) -> bool> {
    FillOrZeros(|dst: &mut [u8]| {
        dst.chunks_mut(65_536)
            .all(|chunk| get_random_values(chunk).is_ok())
    })
}

/// The error thrown to JavaScript: its JSON form as a string.
fn thrown(e: &CallError) -> JsValue {
    JsValue::from_str(&e.to_json())
}

/// `now` in whole Unix seconds, or the core's `timeOutOfRange` for a value that is not a
/// non-negative finite number.
fn seconds(now: f64) -> Result<u64, JsValue> {
    if (0.0..18_446_744_073_709_551_616.0).contains(&now) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(now.floor() as u64)
    } else {
        Err(thrown(&CallError::Engine(Error::Misuse(
            Misuse::TimeOutOfRange,
        ))))
    }
}

/// The text handed to JavaScript, copied out, then wiped here.
fn out(text: &Zeroizing<String>) -> JsValue {
    JsValue::from_str(text)
}

/// A sign-in in progress. Created by `Machine.start`; free it with `free()` (or let the
/// garbage collector do it) when done.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Machine {
    conversation: Conversation,
}

/// What `Machine.start` returns: the machine and the first request's JSON.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Started {
    machine: Option<Machine>,
    request: Zeroizing<String>,
}

#[wasm_bindgen]
impl Started {
    /// The machine (taken once).
    #[wasm_bindgen(js_name = takeMachine)]
    pub fn take_machine(&mut self) -> Option<Machine> {
        self.machine.take()
    }

    /// The first request, as JSON text.
    #[wasm_bindgen(getter)]
    pub fn request(&self) -> JsValue {
        out(&self.request)
    }
}

#[wasm_bindgen]
impl Machine {
    /// Starts a sign-in from a configuration and a start as JSON text.
    ///
    /// # Errors
    /// The error's JSON form, as a string.
    pub fn start(config: String, start: String, now: f64) -> Result<Started, JsValue> {
        let config = Zeroizing::new(config);
        let start = Zeroizing::new(start);
        let now = seconds(now)?;
        match Conversation::start(&config, &start, now, &mut web_crypto()) {
            Ok((conversation, request)) => Ok(Started {
                machine: Some(Self { conversation }),
                request,
            }),
            Err(e) => Err(thrown(&e)),
        }
    }

    /// Feeds the reply (JSON text) to the last request; returns the next step's JSON text.
    ///
    /// # Errors
    /// The error's JSON form, as a string.
    pub fn handle(&mut self, reply: String, now: f64) -> Result<JsValue, JsValue> {
        let reply = Zeroizing::new(reply);
        let now = seconds(now)?;
        match self.conversation.handle(&reply, now, &mut web_crypto()) {
            Ok(step) => Ok(out(&step)),
            Err(e) => Err(thrown(&e)),
        }
    }

    /// Passes the user's answer (JSON text) to the open question; returns the next step's
    /// JSON text.
    ///
    /// # Errors
    /// The error's JSON form, as a string.
    pub fn answer(&mut self, answer: String, now: f64) -> Result<JsValue, JsValue> {
        let answer = Zeroizing::new(answer);
        let now = seconds(now)?;
        match self.conversation.answer(&answer, now, &mut web_crypto()) {
            Ok(step) => Ok(out(&step)),
            Err(e) => Err(thrown(&e)),
        }
    }

    /// The username used so far: the typed one until the service names the internal one.
    #[wasm_bindgen(getter)]
    pub fn username(&self) -> String {
        self.conversation.username().to_owned()
    }

    /// Whether the sign-in is finished (done or failed).
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.conversation.is_finished()
    }
}

/// The version of the JSON form this build speaks.
#[wasm_bindgen(js_name = jsonFormVersion)]
#[must_use]
pub fn json_form_version() -> u32 {
    cognito_signin::JSON_FORM_VERSION
}

/// The raw arithmetic of the WebAssembly build, for its differential test against BigInt.
#[cfg(feature = "arith")]
pub mod arith {
    use cognito_signin::PrivateSize;
    use cognito_signin::srp::{PowersOfG, arith};
    use wasm_bindgen::prelude::*;

    /// Bytes of N.
    const N_LEN: usize = 384;

    fn array(x: &[u8]) -> Result<[u8; N_LEN], JsValue> {
        x.try_into()
            .map_err(|_| JsValue::from_str("need 384 bytes"))
    }

    /// `a·b·R⁻¹ mod N`, raw.
    ///
    /// # Errors
    /// Operands of another length.
    #[wasm_bindgen(js_name = arithMontMul)]
    pub fn mont_mul(a: &[u8], b: &[u8]) -> Result<Vec<u8>, JsValue> {
        Ok(arith::mont_mul(&array(a)?, &array(b)?).to_vec())
    }

    /// `a²·R⁻¹ mod N`, raw.
    ///
    /// # Errors
    /// An operand of another length.
    #[wasm_bindgen(js_name = arithMontSqr)]
    pub fn mont_sqr(a: &[u8]) -> Result<Vec<u8>, JsValue> {
        Ok(arith::mont_sqr(&array(a)?).to_vec())
    }

    /// `base^e mod N`.
    ///
    /// # Errors
    /// Operands beyond 512 bytes.
    #[wasm_bindgen(js_name = arithPow)]
    pub fn pow(base: &[u8], e: &[u8]) -> Result<Vec<u8>, JsValue> {
        arith::pow(base, e)
            .map(|r| r.to_vec())
            .ok_or_else(|| JsValue::from_str("too long"))
    }

    /// `g^e mod N` through the table (`covered` bits of it), or without one.
    ///
    /// # Errors
    /// An exponent beyond 512 bytes.
    #[wasm_bindgen(js_name = arithPowG)]
    pub fn pow_g(e: &[u8], table: bool) -> Result<Vec<u8>, JsValue> {
        static TABLE: std::sync::OnceLock<PowersOfG> = std::sync::OnceLock::new();
        let r = if table {
            let table = TABLE.get_or_init(|| PowersOfG::new(PrivateSize::Bits1024));
            arith::pow_g(e, Some(table))
        } else {
            arith::pow2(e)
        };
        r.map(|r| r.to_vec())
            .ok_or_else(|| JsValue::from_str("too long"))
    }
}
