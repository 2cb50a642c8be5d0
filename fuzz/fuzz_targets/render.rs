//! Template parse + render with an arbitrary context and partial.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mfa_page::fuzz::render_case(data));
