//! Valgrind's client requests, the few this check needs: the magic instruction sequence of
//! `valgrind.h` for x86-64, with the request codes of `memcheck.h`. Outside valgrind the
//! sequence does nothing and every request returns its default.

/// `VG_USERREQ_TOOL_BASE('M', 'C')`: memcheck's requests.
const MEMCHECK_BASE: u64 = ((b'M' as u64) << 24) | ((b'C' as u64) << 16);
/// `VALGRIND_MAKE_MEM_UNDEFINED`.
const MAKE_MEM_UNDEFINED: u64 = MEMCHECK_BASE + 1;
/// `VALGRIND_MAKE_MEM_DEFINED`.
const MAKE_MEM_DEFINED: u64 = MEMCHECK_BASE + 2;
/// `RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: u64 = 0x1001;
/// `VALGRIND_COUNT_ERRORS`.
const COUNT_ERRORS: u64 = 0x1201;

/// One client request: `args[0]` is the request, the rest its arguments.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[inline(never)]
fn request(default: u64, args: [u64; 6]) -> u64 {
    let mut result = default;
    // SAFETY: the rotations leave rdi as it was (3 + 13 + 61 + 51 = 128 bits) and
    // `xchg rbx, rbx` changes nothing; valgrind recognises the sequence and writes its answer
    // into rdx, having read the six words at rax, which live until the end of this function.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") args.as_ptr(),
            inout("rdi") 0u64 => _,
        );
    }
    result
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn request(default: u64, _args: [u64; 6]) -> u64 {
    default
}

/// Whether this process runs under valgrind.
pub(crate) fn running() -> bool {
    request(0, [RUNNING_ON_VALGRIND, 0, 0, 0, 0, 0]) != 0
}

/// The number of errors valgrind has reported so far.
pub(crate) fn errors() -> u64 {
    request(0, [COUNT_ERRORS, 0, 0, 0, 0, 0])
}

/// Marks `bytes` undefined: memcheck then reports every branch, address or system call that
/// depends on them, or on anything computed from them.
pub(crate) fn secret(bytes: &[u8]) {
    request(
        0,
        [
            MAKE_MEM_UNDEFINED,
            bytes.as_ptr() as u64,
            bytes.len() as u64,
            0,
            0,
            0,
        ],
    );
}

/// Marks `bytes` defined again: a value computed from secrets that is public.
pub(crate) fn public(bytes: &mut [u8]) {
    request(
        0,
        [
            MAKE_MEM_DEFINED,
            bytes.as_ptr() as u64,
            bytes.len() as u64,
            0,
            0,
            0,
        ],
    );
}
