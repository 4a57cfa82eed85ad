//! Logging to stderr with the old scripts' debug levels: 0 errors only,
//! 1 one line per quarter (info), 2 verbose (debug).

use tracing::Level;

pub fn init(debug: u8) {
    let level = match debug {
        0 => Level::ERROR,
        1 => Level::INFO,
        _ => Level::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .try_init();
}
