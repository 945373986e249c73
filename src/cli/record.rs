//! `steady record`: raw data from the sensors into a recording folder (`meta.json` +
//! `imu_<placement>.csv` per sensor at its native rate, holes never filled, gaps listed in
//! `meta.json`), readable by `steady analyze`.
//!
//! Sources: `--simulate` (the simulated sensors of `steady demo`). The BLE source plugs in at
//! [`Source`]: anything that yields `(sensor index, bytes, arrival host µs)`.
//!
//! Crash-safety: CSV rows are flushed every second and `meta.json` is rewritten (via a
//! temporary file and rename) every 5 s, so an interrupted recording keeps what was written;
//! a failing write stops with an error naming the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;
use steady_analysis::Subject;
use steady_core::Placement;
use steady_sim::transport::{NotificationStream, TransportConfig};
use steady_sim::SteadyFrameEncoder;
use steady_sim::{SensorConfig, Simulator};

use crate::live::LivePipeline;

/// Arguments of `steady record`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long to record, e.g. 60s or 2m.
    #[arg(long, default_value = "60s", value_parser = super::common::parse_duration_s)]
    pub duration: f64,
    /// Output recording folder (created; must not already hold a recording).
    #[arg(long)]
    pub out: PathBuf,
    /// Record the built-in simulated sensors instead of the registered BLE sensors.
    #[arg(long)]
    pub simulate: bool,
    /// Pace a simulated recording at real time (default: as fast as possible).
    #[arg(long)]
    pub realtime: bool,
    /// Independent packet loss of the simulated link, percent.
    #[arg(long, default_value_t = 1.0)]
    pub loss_pct: f64,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A stream of notifications: `(sensor index, bytes, arrival host µs)`; the seam for the
/// BLE source.
pub type Source<'a> = Box<dyn Iterator<Item = (usize, Vec<u8>, u64)> + 'a>;

struct Writer {
    path: PathBuf,
    out: BufWriter<File>,
}

fn write_meta(
    dir: &Path,
    live: &LivePipeline,
    placements: &[(Placement, f64)],
    done: bool,
) -> anyhow::Result<()> {
    let snap = live.snapshot();
    let mut gaps = serde_json::Map::new();
    let mut sensors = serde_json::Map::new();
    let mut completeness = serde_json::Map::new();
    for s in &snap.sensors {
        let list: Vec<_> = s
            .gaps
            .iter()
            .map(|g| json!({"start_s": g.start.as_secs_f64(), "end_s": g.end.as_secs_f64(), "lost_samples": g.lost_samples}))
            .collect();
        gaps.insert(s.placement.as_str().into(), list.into());
        sensors.insert(
            s.placement.as_str().into(),
            json!({"file": steady_recording::sensor_file_name(s.placement), "axes": "sensor axes as strapped on"}),
        );
        completeness.insert(
            s.placement.as_str().into(),
            json!({"received": s.received, "lost": s.lost, "completeness": s.completeness, "malformed": s.malformed}),
        );
    }
    let meta = json!({
        "sampling_rate_hz": placements.first().map(|p| p.1),
        "test": "walk",
        "sensors": sensors,
        "gaps": gaps,
        "completeness": completeness,
        "complete": done,
        "source": "steady record",
    });
    let tmp = dir.join("meta.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&meta)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, dir.join("meta.json"))
        .with_context(|| format!("writing {}", dir.join("meta.json").display()))?;
    Ok(())
}

/// Records `source` into `dir` until `end_host_us`; returns the pipeline for the summary.
fn record(
    dir: &Path,
    placements: &[(Placement, f64)],
    source: Source<'_>,
    origin_host_us: u64,
    end_host_us: u64,
    realtime: bool,
) -> anyhow::Result<LivePipeline> {
    let mut live = LivePipeline::new(placements, Subject::default(), origin_host_us);
    let mut writers = Vec::new();
    for &(p, _) in placements {
        let path = dir.join(steady_recording::sensor_file_name(p));
        let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = BufWriter::new(f);
        writeln!(out, "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z")
            .with_context(|| format!("writing {}", path.display()))?;
        writers.push(Writer { path, out });
    }
    write_meta(dir, &live, placements, false)?;
    let start = Instant::now();
    let mut next_flush = origin_host_us + 1_000_000;
    let mut next_meta = origin_host_us + 5_000_000;
    for (i, bytes, arrival) in source {
        if arrival > end_host_us {
            break;
        }
        if realtime {
            let due = Duration::from_micros(arrival - origin_host_us);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        let samples = live.push(i, &bytes, arrival);
        if let Some(w) = writers.get_mut(i) {
            for s in &samples {
                let [ax, ay, az] = s.acc_mps2;
                let [gx, gy, gz] = s.gyr_dps;
                writeln!(
                    w.out,
                    "{:.6},{ax:.5},{ay:.5},{az:.5},{gx:.4},{gy:.4},{gz:.4}",
                    s.t_s()
                )
                .with_context(|| format!("writing {}", w.path.display()))?;
            }
        }
        if arrival >= next_flush {
            next_flush += 1_000_000;
            for w in &mut writers {
                w.out
                    .flush()
                    .with_context(|| format!("writing {}", w.path.display()))?;
            }
            let snap = live.snapshot();
            let line: Vec<String> = snap
                .sensors
                .iter()
                .map(|s| {
                    format!(
                        "{} {:.0} Hz loss {:.1}% battery {}",
                        s.placement,
                        s.rate_hz,
                        s.loss_pct,
                        s.battery_pct.map_or("-".into(), |b| format!("{b}%"))
                    )
                })
                .collect();
            eprintln!("t={:5.1}s | {}", snap.t.as_secs_f64(), line.join(" | "));
        }
        if arrival >= next_meta {
            next_meta += 5_000_000;
            write_meta(dir, &live, placements, false)?;
        }
    }
    for w in &mut writers {
        w.out
            .flush()
            .with_context(|| format!("writing {}", w.path.display()))?;
    }
    write_meta(dir, &live, placements, true)?;
    Ok(live)
}

/// Runs `steady record`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.duration.is_finite() && args.duration > 0.0,
        "--duration must be positive"
    );
    if !args.simulate {
        anyhow::bail!(
            "recording from BLE sensors is not available in this build yet; use --simulate"
        );
    }
    if args.out.join("meta.json").exists() {
        anyhow::bail!("{} already holds a recording", args.out.display());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let scenario = super::demo::demo_scenario(args.duration);
    let sim = Simulator::new(
        &scenario,
        &SensorConfig::new(&super::demo::DEMO_PLACEMENTS),
        args.seed,
    );
    let rate_hz = sim.config().rate_hz;
    let placements: Vec<(Placement, f64)> = super::demo::DEMO_PLACEMENTS
        .iter()
        .map(|&p| (p, rate_hz))
        .collect();
    let transport = TransportConfig {
        loss_pct: args.loss_pct.clamp(0.0, 100.0),
        ..TransportConfig::default()
    };
    let origin = transport.host_epoch_us;
    let source: Source<'_> = Box::new(
        NotificationStream::new(&sim, &transport, args.seed, SteadyFrameEncoder::default())
            .map(|n| (n.sensor_index, n.bytes, n.arrival_host_us)),
    );
    let end = origin + (args.duration * 1e6) as u64;
    let live = record(&args.out, &placements, source, origin, end, args.realtime)?;
    for (i, (p, _)) in placements.iter().enumerate() {
        if let Some(rx) = live.receiver(i) {
            eprintln!(
                "  {p}: {} samples, {} lost in {} gaps ({:.2} % complete)",
                rx.gaps.received(),
                rx.gaps.lost(),
                rx.gaps.gaps().len(),
                100.0 * rx.gaps.completeness()
            );
        }
    }
    eprintln!("recorded into {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
