//! One module per subcommand, each with a small `execute`.

pub mod init;
pub mod render;
pub mod serve;
