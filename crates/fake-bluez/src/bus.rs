//! A private `dbus-daemon` for one test process, never the real system bus.
//!
//! The daemon runs under a small `sh` guard that kills it (and removes its directory) as soon
//! as our end of the guard's stdin closes: on [`PrivateBus`] drop, and also when the test
//! process exits or is killed, so no daemon outlives its test. Bus policy is the session-style
//! block of `shared/research/ble-testing.md` §2 (anyone may own any name; both eavesdrop
//! allowances kept, without which clients hang); no service directories, so nothing is
//! auto-activated.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::FakeError;

/// The environment variable libdbus (and so btleplug) reads for the system bus address,
/// once per process.
pub const SYSTEM_BUS_ENV: &str = "DBUS_SYSTEM_BUS_ADDRESS";

/// A running private bus.
#[derive(Debug)]
pub struct PrivateBus {
    address: String,
    guard: Option<ChildStdin>,
    child: Child,
}

impl PrivateBus {
    /// Starts `dbus-daemon` with a temporary config; fails with
    /// [`FakeError::DaemonMissing`] if the program is not installed.
    pub fn start() -> Result<PrivateBus, FakeError> {
        match Command::new("dbus-daemon")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FakeError::DaemonMissing)
            }
            Err(e) => return Err(FakeError::Io(e.to_string())),
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let dir: PathBuf = std::env::temp_dir().join(format!(
            "steady-fake-bluez-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| FakeError::Io(e.to_string()))?;
        let socket = dir.join("bus");
        let conf = dir.join("bus.conf");
        let text = format!(
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
             \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
             <busconfig><type>session</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>\n\
             <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\n\
             <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
            socket.display()
        );
        std::fs::write(&conf, text).map_err(|e| FakeError::Io(e.to_string()))?;
        let script = "dbus-daemon --config-file=\"$1\" --nofork --print-address=1 & pid=$!; \
                      read _ignored; kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf \"$2\"";
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(&conf)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| FakeError::Io(format!("spawn dbus-daemon: {e}")))?;
        let guard = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| FakeError::Io("no stdout".into()))?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| FakeError::Io(e.to_string()))?;
        let address = line.trim().to_string();
        if !address.starts_with("unix:") {
            let _ = child.kill();
            return Err(FakeError::Bus(format!(
                "dbus-daemon did not print an address (got `{address}`)"
            )));
        }
        Ok(PrivateBus {
            address,
            guard,
            child,
        })
    }

    /// The bus address (`unix:path=…,guid=…`).
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        drop(self.guard.take());
        let _ = self.child.wait();
    }
}
