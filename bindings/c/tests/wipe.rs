//! Secrets crossing the C ABI are wiped: a global allocator looks into every block as it is
//! freed (and every block a reallocation leaves) for the password and the refresh token of a
//! sign-in driven through the C functions. The test's own inputs are static or written into
//! buffers it wipes itself, so any hit is the library's.
//!
//! It checks the library's own wiping, so it runs without the allocator that wipes every
//! freed block (`cargo test -p cognito-signin-ffi --no-default-features --test wipe`): that
//! allocator would wipe the blocks first, and a program has one global allocator.
#![cfg(not(feature = "wipe-on-free"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cognito_signin_ffi::*;
use zeroize::Zeroizing;

const PASSWORD: &str = "Probe-Password-7f3a9c";
const REFRESH_TOKEN: &str = "probe-refresh-token-5d1e8b2c";
const NEEDLES: [&str; 2] = [PASSWORD, REFRESH_TOKEN];
static HITS: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
static ACTIVE: AtomicBool = AtomicBool::new(false);

struct Probe;

fn scan(block: &[u8]) {
    for (needle, hits) in NEEDLES.iter().zip(&HITS) {
        if block.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call goes to `System` with the same arguments; `dealloc` reads only the block
// it is about to free, still allocated and `layout.size()` bytes long.
unsafe impl GlobalAlloc for Probe {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if ACTIVE.load(Ordering::Relaxed) && !p.is_null() {
            // SAFETY: as above.
            scan(unsafe { std::slice::from_raw_parts(p, layout.size()) });
        }
        // SAFETY: as above.
        unsafe { System.dealloc(p, layout) }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A block that moves leaves its old contents behind: look at them as freed.
        // SAFETY: as above; the new block has the old one's alignment.
        unsafe {
            let new = System.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            if !new.is_null() {
                ptr::copy_nonoverlapping(p, new, layout.size().min(new_size));
                self.dealloc(p, layout);
            }
            new
        }
    }
}

#[global_allocator]
static PROBE: Probe = Probe;

/// `parts` joined in one buffer allocated once at its size and wiped when dropped.
fn joined(parts: &[&str]) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(parts.iter().map(|p| p.len()).sum()));
    for p in parts {
        s.push_str(p);
    }
    s
}

fn step_text(step: *const cognito_signin_step) -> &'static str {
    let (mut json, mut len) = (ptr::null(), 0);
    // SAFETY: a live step; the text is read before the step is freed.
    unsafe {
        assert_eq!(
            cognito_signin_step_get_json(step, &mut json, &mut len),
            cognito_signin_result::Ok
        );
        std::str::from_utf8(std::slice::from_raw_parts(json, len)).unwrap()
    }
}

#[test]
fn the_password_and_the_tokens_are_wiped() {
    let config = r#"{"userPoolId":"us-east-1_Probe0001","clientId":"probeclient"}"#;
    let start = joined(&[
        r#"{"flow":"USER_PASSWORD_AUTH","username":"jane","password":""#,
        PASSWORD,
        r#""}"#,
    ]);
    let reply = joined(&[
        r#"{"status":200,"body":"{\"AuthenticationResult\":{\"AccessToken\":\"eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImphbmUifQ.c2ln\",\"RefreshToken\":\""#,
        REFRESH_TOKEN,
        r#"\",\"ExpiresIn\":3600,\"TokenType\":\"Bearer\"}}"}"#,
    ]);
    ACTIVE.store(true, Ordering::SeqCst);
    let mut conv = ptr::null_mut();
    let (mut first, mut done) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: valid pointers and lengths; each handle freed once.
    unsafe {
        assert_eq!(
            cognito_signin_conversation_new(None, ptr::null_mut(), &mut conv),
            cognito_signin_result::Ok
        );
        let rc = cognito_signin_conversation_start(
            conv,
            config.as_ptr(),
            config.len(),
            start.as_ptr(),
            start.len(),
            1_800_000_000,
            &mut first,
        );
        assert_eq!(rc, cognito_signin_result::Ok);
        assert!(
            step_text(first).contains(PASSWORD),
            "USER_PASSWORD_AUTH sends the password"
        );
        let rc = cognito_signin_conversation_handle(
            conv,
            reply.as_ptr(),
            reply.len(),
            1_800_000_000,
            &mut done,
        );
        assert_eq!(rc, cognito_signin_result::Ok);
        assert!(step_text(done).contains(REFRESH_TOKEN));
        cognito_signin_step_free(first);
        cognito_signin_step_free(done);
        cognito_signin_conversation_free(conv);
    }
    drop((start, reply));
    ACTIVE.store(false, Ordering::SeqCst);
    let hits: Vec<usize> = HITS.iter().map(|h| h.load(Ordering::SeqCst)).collect();
    assert_eq!(hits[0], 0, "freed blocks holding the password");
    assert_eq!(hits[1], 0, "freed blocks holding the refresh token");
}
