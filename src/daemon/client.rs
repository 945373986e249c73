//! The client side of the control socket: one request, one response line.

use anyhow::Context;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use super::SOCKET_FILE;

/// Sends one request to the daemon of `data_dir` and returns its response (an error when
/// the daemon is not running or answers `ok: false`).
pub fn request(data_dir: &Path, req: &Value) -> anyhow::Result<Value> {
    let path = data_dir.join(SOCKET_FILE);
    let stream = UnixStream::connect(&path).with_context(|| {
        format!(
            "no steady daemon is running on {} (start one with `steady daemon`, or `steady daemon --simulate` for simulated sensors)",
            data_dir.display()
        )
    })?;
    exchange(stream, req)
}

/// Sends one request on a connected control socket and returns the response line as JSON
/// (an error when the daemon closes, sends invalid JSON or answers `ok: false`).
pub fn exchange(mut stream: UnixStream, req: &Value) -> anyhow::Result<Value> {
    writeln!(stream, "{req}")?;
    let mut line = String::new();
    BufReader::new(&stream)
        .read_line(&mut line)
        .context("the daemon closed the connection")?;
    let v: Value = serde_json::from_str(&line).context("the daemon sent invalid JSON")?;
    if v["ok"] != Value::Bool(true) {
        anyhow::bail!(
            "{}",
            v["error"]
                .as_str()
                .unwrap_or("the daemon refused the request")
        );
    }
    Ok(v)
}
