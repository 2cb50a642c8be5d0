use std::process::ExitCode;

fn main() -> ExitCode {
    mfa_page::cli::main()
}
