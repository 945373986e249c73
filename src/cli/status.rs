//! `steady status [--json]`: the running daemon's sensors, live metrics and session.

use serde_json::json;
use std::process::ExitCode;

use crate::cli::common::DataDirArg;
use crate::daemon::client;

/// Arguments of `steady status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub data: DataDirArg,
}

/// Runs `steady status`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let v = client::request(&args.data.resolve()?, &json!({"cmd": "status"}))?;
    let s = &v["status"];
    if args.json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "steady daemon pid {} — {} sensors, up {:.0} s",
        s["pid"],
        s["source"].as_str().unwrap_or("?"),
        s["uptime_s"].as_f64().unwrap_or(0.0)
    );
    if let Some(n) = s["notice"].as_str() {
        println!("  note: {n}");
    }
    for x in s["sensors"].as_array().into_iter().flatten() {
        println!(
            "  {:<12} {:<12} {:>6.1} Hz  loss {:>4.1} %  {} {}",
            x["placement"].as_str().unwrap_or("?"),
            x["state"].as_str().unwrap_or("?"),
            x["rate_hz"].as_f64().unwrap_or(0.0),
            x["loss_pct"].as_f64().unwrap_or(0.0),
            x["vendor"].as_str().unwrap_or(""),
            x["address"].as_str().unwrap_or("")
        );
    }
    for x in s["nearby"].as_array().into_iter().flatten() {
        println!(
            "  nearby, not registered: {} {} rssi {}",
            x["address"].as_str().unwrap_or("?"),
            x["vendor"].as_str().unwrap_or("?"),
            x["rssi_dbm"].as_i64().map_or("?".into(), |r| r.to_string())
        );
    }
    match s["session"].as_object() {
        Some(r) => println!(
            "Recording session {} (patient {}, {}): {:.1} s, {} samples",
            r["id"],
            r["patient"].as_str().unwrap_or("?"),
            r["test"].as_str().unwrap_or("?"),
            r["elapsed_s"].as_f64().unwrap_or(0.0),
            r["samples"]
        ),
        None => println!("Not recording."),
    }
    Ok(ExitCode::SUCCESS)
}
