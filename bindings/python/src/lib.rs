//! The native half of the `cognito_signin` Python package: the JSON conversation of
//! `cognito-signin-json` as a Python class.
//!
//! Everything crosses the boundary as text in the core's JSON form; the Python half
//! (`python/cognito_signin/`) turns that text into small typed classes. This module adds no
//! protocol logic. It does three things of its own:
//!
//! - the random source is the operating system's generator;
//! - the interpreter lock is released while the machine computes (the SRP arithmetic of
//!   `start`, `handle` and `answer`), so other Python threads run meanwhile;
//! - every error is raised as `NativeError(error_json, final)`, with the error in the JSON
//!   form, which the Python half maps to its exception classes.
//!
//! The text Python passes in (a start or an answer that holds a password, a reply that holds
//! tokens) is copied into Rust strings that are wiped when the call returns; the text handed
//! back is made into a Python string straight from the wiped buffer (no plain Rust copy).
//! Every block the module's Rust code frees is wiped first (`ALLOCATOR`), which also covers
//! the buffers that serde and serde_json fill and free on their own.

#![deny(missing_docs)]

use cognito_signin_json::{Conversation, FillOrZeros};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyString;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

/// The module's allocator for its Rust code: the system's, with every block wiped when
/// freed or moved by a reallocation (zeroizing-alloc). The JSON layer wipes its own
/// buffers, but serde_json unescapes a string with escapes (a password holding `"` or `\`)
/// into a scratch buffer of its own, and serde buffers a tagged value's fields, copying the
/// strings that had escapes: freed blocks that this module never sees. Python's own objects
/// are Python's allocator's, not this one's.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> =
    zeroizing_alloc::ZeroAlloc(std::alloc::System);

create_exception!(
    _native,
    NativeError,
    PyException,
    "An error of the machine: args are (error JSON text, whether the sign-in is over)."
);

/// The operating system's generator. A failure to read it fills zeros, which the core
/// reports as a broken random source (`MisuseError`, kind `brokenRandomSource`): the call
/// changes nothing and can be made again, and nothing is signed with weak randomness.
fn os_rng() -> FillOrZeros<impl FnMut(&mut [u8]) -> bool> {
    FillOrZeros(|dst: &mut [u8]| rand_core::TryRng::try_fill_bytes(&mut SysRng, dst).is_ok())
}

fn raise(e: &cognito_signin_json::CallError) -> PyErr {
    NativeError::new_err((e.to_json(), e.is_final()))
}

/// Copies a Python string into a Rust string that is wiped on drop.
fn text(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Zeroizing<String>> {
    match value.extract::<String>() {
        Ok(s) => Ok(Zeroizing::new(s)),
        Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be a str"
        ))),
    }
}

/// A sign-in in progress: the machine of `cognito-signin`, spoken in JSON.
#[pyclass(module = "cognito_signin._native")]
#[derive(Debug)]
pub struct Machine {
    inner: Conversation,
}

#[pymethods]
impl Machine {
    /// Starts a sign-in: `(config_json, start_json, now)` to `(Machine, request_json)`.
    #[staticmethod]
    fn start<'py>(
        py: Python<'py>,
        config: &Bound<'py, PyAny>,
        start: &Bound<'py, PyAny>,
        now: u64,
    ) -> PyResult<(Self, Bound<'py, PyString>)> {
        let config = text(config, "config")?;
        let start = text(start, "start")?;
        let result = py.detach(|| Conversation::start(&config, &start, now, &mut os_rng()));
        match result {
            Ok((inner, request)) => Ok((Self { inner }, PyString::new(py, &request))),
            Err(e) => Err(raise(&e)),
        }
    }

    /// Feeds the reply (`reply_json`) to the last request; returns the next step's JSON.
    fn handle<'py>(
        &mut self,
        py: Python<'py>,
        reply: &Bound<'py, PyAny>,
        now: u64,
    ) -> PyResult<Bound<'py, PyString>> {
        let reply = text(reply, "reply")?;
        let inner = &mut self.inner;
        let result = py.detach(|| inner.handle(&reply, now, &mut os_rng()));
        match result {
            Ok(step) => Ok(PyString::new(py, &step)),
            Err(e) => Err(raise(&e)),
        }
    }

    /// Passes the user's answer (`answer_json`); returns the next step's JSON.
    fn answer<'py>(
        &mut self,
        py: Python<'py>,
        answer: &Bound<'py, PyAny>,
        now: u64,
    ) -> PyResult<Bound<'py, PyString>> {
        let answer = text(answer, "answer")?;
        let inner = &mut self.inner;
        let result = py.detach(|| inner.answer(&answer, now, &mut os_rng()));
        match result {
            Ok(step) => Ok(PyString::new(py, &step)),
            Err(e) => Err(raise(&e)),
        }
    }

    /// The username used so far: the typed one until the service names the internal one.
    #[getter]
    fn username(&self) -> String {
        self.inner.username().to_owned()
    }

    /// Whether the sign-in is finished (done or failed).
    #[getter]
    fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    fn __repr__(&self) -> String {
        format!(
            "Machine(username={:?}, finished={})",
            self.inner.username(),
            self.inner.is_finished()
        )
    }
}

/// The module `cognito_signin._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Machine>()?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add("JSON_FORM_VERSION", cognito_signin::JSON_FORM_VERSION)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
