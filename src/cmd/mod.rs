//! One module per subcommand, each with a small `execute`.

pub mod check;
pub mod deploy;
pub mod diff;
pub mod export;
pub mod init;
pub mod pull;
pub mod render;
pub mod serve;
pub mod ticket;
