//! One module per subcommand, each with a small `execute`.

pub mod check;
pub mod init;
pub mod render;
