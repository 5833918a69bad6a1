//! A global allocator that, when a block is freed, looks for registered byte strings in it:
//! a secret found in freed memory was not wiped.
//!
//! The test binary installs [`Probe`] as its global allocator, calls [`watch`] with the
//! secrets, runs the code under test, then reads [`leaks`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Most secrets watched at once, and their longest length.
const SLOTS: usize = 8;
const MAX_LEN: usize = 64;

struct Needle {
    len: AtomicUsize,
    bytes: [std::sync::atomic::AtomicU8; MAX_LEN],
    hits: AtomicUsize,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Needle = Needle {
    len: AtomicUsize::new(0),
    bytes: [const { std::sync::atomic::AtomicU8::new(0) }; MAX_LEN],
    hits: AtomicUsize::new(0),
};

static NEEDLES: [Needle; SLOTS] = [EMPTY; SLOTS];
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The allocator: the system's, plus a look at every block before it is freed.
#[derive(Debug)]
pub struct Probe;

fn scan(block: &[u8]) {
    for needle in &NEEDLES {
        let len = needle.len.load(Ordering::Relaxed);
        if len == 0 || block.len() < len {
            continue;
        }
        let first = needle.bytes[0].load(Ordering::Relaxed);
        let found = (0..=block.len() - len).any(|i| {
            block[i] == first
                && (1..len).all(|j| block[i + j] == needle.bytes[j].load(Ordering::Relaxed))
        });
        if found {
            needle.hits.fetch_add(1, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded to `System` with the same arguments; `dealloc` only reads
// the block it is about to free, which is still allocated and `layout.size()` bytes long.
unsafe impl GlobalAlloc for Probe {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ACTIVE.load(Ordering::Relaxed) && !ptr.is_null() {
            // SAFETY: see the impl.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            scan(block);
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A reallocation may move the data and free the old block without wiping it: look
        // at the old contents as if freed (a growing buffer that moves leaves its copy).
        let new =
            unsafe { System.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Watches these byte strings (at most 8, each 4 to 64 bytes) from now on, with fresh
/// counters.
pub fn watch(secrets: &[&[u8]]) {
    ACTIVE.store(false, Ordering::SeqCst);
    for (i, needle) in NEEDLES.iter().enumerate() {
        let s = secrets.get(i).copied().unwrap_or_default();
        assert!(s.is_empty() || (4..=MAX_LEN).contains(&s.len()));
        for (j, b) in s.iter().enumerate() {
            needle.bytes[j].store(*b, Ordering::Relaxed);
        }
        needle.hits.store(0, Ordering::Relaxed);
        needle.len.store(s.len(), Ordering::Relaxed);
    }
    ACTIVE.store(true, Ordering::SeqCst);
}

/// How many freed blocks held each watched string, in the order given to [`watch`]; stops
/// watching.
pub fn leaks() -> Vec<usize> {
    ACTIVE.store(false, Ordering::SeqCst);
    NEEDLES
        .iter()
        .filter(|n| n.len.load(Ordering::Relaxed) > 0)
        .map(|n| n.hits.load(Ordering::Relaxed))
        .collect()
}
