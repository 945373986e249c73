//! `steady dashboard`: the terminal dashboard attached to a running daemon.
//!
//! The daemon and its socket protocol (issue 6) are not written yet. This command resolves the
//! socket, tries to connect and reports clearly when no daemon is running. Once the daemon
//! streams snapshots, the loop is the one of `steady demo` (`demo_tui`): convert each daemon
//! snapshot into a `steady_dashboard::DashboardModel`, `App::set_model`, `draw`, and map
//! `Action`s to daemon requests (start/stop session, next test, export).

use super::common::DataDirArg;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `steady dashboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DataDirArg,
    /// The daemon's control socket (default: <data-dir>/steady.sock).
    #[arg(long, env = "STEADY_SOCKET")]
    pub socket: Option<PathBuf>,
}

/// The socket to attach to.
fn socket_path(args: &Args) -> anyhow::Result<PathBuf> {
    match &args.socket {
        Some(p) => Ok(p.clone()),
        None => Ok(args.data.resolve()?.join("steady.sock")),
    }
}

/// Runs `steady dashboard`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let socket = socket_path(&args)?;
    attach(&socket)
}

#[cfg(unix)]
fn attach(socket: &std::path::Path) -> anyhow::Result<ExitCode> {
    match std::os::unix::net::UnixStream::connect(socket) {
        Err(e) => anyhow::bail!(
            "no daemon running at {} ({e}); start one with `steady daemon`, or try `steady demo`",
            socket.display()
        ),
        Ok(_stream) => anyhow::bail!(
            "connected to {}, but the daemon's snapshot protocol is not defined yet (issue 6); \
             `steady demo` shows the dashboard on simulated sensors",
            socket.display()
        ),
    }
}

#[cfg(not(unix))]
fn attach(socket: &std::path::Path) -> anyhow::Result<ExitCode> {
    anyhow::bail!("no daemon running at {}", socket.display())
}
