//! Context loading and merging.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mfa_page::fuzz::context_case(data));
