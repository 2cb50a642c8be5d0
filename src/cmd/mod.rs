//! One module per subcommand, each with a small `execute`.

pub mod export;
pub mod init;
pub mod render;
