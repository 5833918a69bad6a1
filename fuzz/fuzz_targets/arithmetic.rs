#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_signin_fuzz::harness::arithmetic::run(data));
