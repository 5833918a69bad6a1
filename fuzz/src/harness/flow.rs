//! `flow`: arbitrary sequences of replies (statuses, headers, bodies) and answers driven into
//! `SignIn` from every start, with and without a client secret and a remembered device.
//!
//! Checked at every step (see [`Runner`]): requests are JSON objects with the right target,
//! client id, pool id and `SECRET_HASH` (over the `USERNAME` sent), they echo only sessions
//! the service sent, and never carry the SRP or device password (the client secret only in
//! `GetTokensFromRefreshToken`); no `Debug` output shows a secret; a reply while a question
//! is open and an answer while a request is in flight are refused; after an error every call
//! returns `Misuse::AlreadyFailed`, after the end `Misuse::AlreadyDone`; and the same input
//! gives the same transcript, byte for byte.

use super::input::Input;
use super::script::{Reply, Runner, Setup, read_answer};

/// Most events read from one input.
const MAX_EVENTS: usize = 24;

/// Runs an input once; returns the transcript (one line per step).
pub fn transcript(data: &[u8]) -> Vec<String> {
    let mut inp = Input::new(data);
    let setup = Setup::read(&mut inp);
    let seed = u64::from(inp.byte());
    let Some(mut runner) = Runner::start(setup, seed, data) else {
        return Vec::new();
    };
    for _ in 0..MAX_EVENTS {
        if inp.is_empty() {
            break;
        }
        if inp.byte().is_multiple_of(4) {
            let answer = read_answer(&mut inp, runner.last_prompt());
            let _ = runner.answer(answer);
        } else {
            let reply = Reply::read(&mut inp);
            let _ = runner.reply(&reply);
        }
    }
    runner.transcript
}

/// The target.
pub fn run(data: &[u8]) {
    super::short_exponents(data);
    let first = transcript(data);
    let second = transcript(data);
    assert_eq!(first, second, "same input, same bytes");
}
