//! `steady demo`: the whole pipeline on built-in simulated sensors.
//!
//! Simulator (lower back + both shanks) → encoded notifications with loss, jitter and clock
//! drift → [`crate::live::LivePipeline`] (decode, clock sync, gap accounting, streaming gait
//! analysis) → live lines on stderr, or with `--headless --json` one JSON document on stdout
//! with the metrics next to the simulator's ground truth.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;
use steady_analysis::Subject;
use steady_core::{Placement, Side};
use steady_sim::transport::{NotificationStream, TransportConfig};
use steady_sim::SteadyFrameEncoder;
use steady_sim::{Scenario, SensorConfig, Simulator, SlsOutcome, SlsParams, WalkParams};

use crate::live::{count_events, LivePipeline};

/// Arguments of `steady demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run without the terminal UI (progress on stderr).
    #[arg(long)]
    pub headless: bool,
    /// How long to simulate, e.g. 30s or 2m.
    #[arg(long, default_value = "30s", value_parser = super::common::parse_duration_s)]
    pub duration: f64,
    /// Print a JSON summary (metrics next to the simulator's ground truth) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Pace the headless run at real time (interactive mode always does).
    #[arg(long)]
    pub realtime: bool,
    /// Independent packet loss, percent.
    #[arg(long, default_value_t = 1.0)]
    pub loss_pct: f64,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The demo sensors.
pub const DEMO_PLACEMENTS: [Placement; 3] = [
    Placement::LowerBack,
    Placement::LeftShank,
    Placement::RightShank,
];

/// The demo scenario: standing, a walking bout, a pause, a single-leg stance on the left,
/// then on the right leg (ends by a touch-down), standing. The walk takes about 60 % of a
/// short demo (at least 10 s, at most 40 s).
pub fn demo_scenario(duration_s: f64) -> Scenario {
    let walk_s = (duration_s * 0.6).clamp(10.0, 40.0);
    Scenario::new()
        .stand(2.0)
        .walk(WalkParams::default(), walk_s)
        .stand(3.0)
        .single_leg_stance(SlsParams::default())
        .single_leg_stance(SlsParams {
            stance: Side::Right,
            outcome: SlsOutcome::TouchDown { after_s: 6.0 },
            ..SlsParams::default()
        })
        .stand((duration_s - walk_s - 25.0).max(2.0))
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Runs `steady demo`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.duration.is_finite() && args.duration > 0.0,
        "--duration must be positive"
    );
    anyhow::ensure!(
        (0.0..=100.0).contains(&args.loss_pct),
        "--loss-pct must be within 0..100"
    );
    let scenario = demo_scenario(args.duration);
    let sensors = SensorConfig::new(&DEMO_PLACEMENTS);
    let sim = Simulator::new(&scenario, &sensors, args.seed);
    let rate_hz = sim.config().rate_hz;
    let transport = TransportConfig {
        loss_pct: args.loss_pct,
        ..TransportConfig::default()
    };
    let placements: Vec<(Placement, f64)> = DEMO_PLACEMENTS.iter().map(|&p| (p, rate_hz)).collect();
    let origin = transport.host_epoch_us;
    let mut live = LivePipeline::new(&placements, Subject::default(), origin);
    let realtime = !args.headless || args.realtime;
    let interactive = !args.headless;
    let start = Instant::now();
    let end_host_us = origin + (args.duration * 1e6) as u64;
    let mut next_line_us = origin + 1_000_000;
    let mut n_notes = 0u64;
    eprintln!(
        "steady demo: {} simulated sensors at {rate_hz} Hz, {:.0} s{}",
        placements.len(),
        args.duration,
        if realtime { " (real time)" } else { "" }
    );
    for note in NotificationStream::new(&sim, &transport, args.seed, SteadyFrameEncoder::default())
    {
        if note.arrival_host_us > end_host_us {
            break;
        }
        if realtime {
            let due = Duration::from_micros(note.arrival_host_us - origin);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        live.push(note.sensor_index, &note.bytes, note.arrival_host_us);
        n_notes += 1;
        if interactive && note.arrival_host_us >= next_line_us {
            next_line_us += 1_000_000;
            let snap = live.snapshot();
            let mut line = format!("t={:5.1}s", snap.t.as_secs_f64());
            for s in &snap.sensors {
                line += &format!(
                    " | {} {:.0} Hz loss {:.1}%",
                    s.placement, s.rate_hz, s.loss_pct
                );
            }
            line += &format!(
                " | events {} strides {} cadence {}",
                snap.metrics.n_events,
                snap.metrics.n_strides,
                snap.metrics
                    .cadence_spm
                    .map_or("-".into(), |c| format!("{c:.0}/min"))
            );
            eprintln!("{line}");
        }
    }
    let snap = live.snapshot();
    let report = live.finish().unwrap_or_else(unreachable_report);
    let elapsed_s = start.elapsed().as_secs_f64();
    eprintln!(
        "steady demo: {n_notes} notifications in {elapsed_s:.2} s ({:.1} µs each, simulation included)",
        elapsed_s * 1e6 / n_notes.max(1) as f64
    );

    // Ground truth within the demo window.
    let truth = sim.truth();
    let dur = args.duration;
    let strides: Vec<_> = truth.strides.iter().filter(|s| s.end_s <= dur).collect();
    let steady_strides: Vec<_> = strides.iter().filter(|s| s.steady).collect();
    let truth_side = |side: Side| {
        let v: Vec<_> = steady_strides.iter().filter(|s| s.side == side).collect();
        json!({
            "n_strides": strides.iter().filter(|s| s.side == side).count(),
            "stance_s": mean(v.iter().map(|s| s.stance_s)),
            "swing_s": mean(v.iter().map(|s| s.swing_s)),
        })
    };
    let t_events: Vec<_> = truth.events.iter().filter(|e| e.t_s <= dur).collect();
    let t_ic = t_events
        .iter()
        .filter(|e| e.kind == steady_sim::truth::EventKind::InitialContact)
        .count();
    let bouts: Vec<_> = truth.bouts.iter().filter(|b| b.start_s < dur).collect();
    let sum = &report.summary;
    let measured_side = |s: &steady_analysis::gait::summary::SideSummary| json!({"n_strides": s.n_strides, "stance_s": s.stance_s, "swing_s": s.swing_s});
    let (ic, fc) = count_events(&report.events);
    let sensors_json: Vec<_> = snap
        .sensors
        .iter()
        .map(|s| {
            json!({
                "placement": s.placement,
                "received": s.received,
                "lost": s.lost,
                "completeness": s.completeness,
                "malformed": s.malformed,
                "clock_drift_ppm": s.clock_drift_ppm,
                "gaps": s.gaps.iter().map(|g| json!({
                    "start_s": g.start.as_secs_f64(),
                    "end_s": g.end.as_secs_f64(),
                    "lost_samples": g.lost_samples,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "duration_s": dur,
        "rate_hz": rate_hz,
        "seed": args.seed,
        "transport": {"loss_pct": transport.loss_pct, "bursts_per_min": transport.bursts_per_min,
                      "clock_drift_ppm": &transport.clock_drift_ppm[..placements.len()]},
        "notifications": n_notes,
        "metrics": {
            "cadence_spm": sum.cadence_spm,
            "speed_mps": sum.speed_mps,
            "n_strides": sum.n_strides,
            "n_bouts": sum.n_bouts,
            "walking_time_s": sum.walking_time_s,
            "left": measured_side(&sum.left),
            "right": measured_side(&sum.right),
            "events": {"initial_contact": ic, "final_contact": fc},
        },
        "truth": {
            "cadence_spm": mean(bouts.iter().map(|b| b.cadence_spm)),
            "speed_mps": mean(bouts.iter().map(|b| b.speed_mps)),
            "n_strides": strides.len(),
            "n_bouts": bouts.len(),
            "left": truth_side(Side::Left),
            "right": truth_side(Side::Right),
            "events": {"initial_contact": t_ic, "final_contact": t_events.len() - t_ic},
        },
        "sensors": sensors_json,
    });
    if args.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        eprintln!(
            "summary: cadence {} (truth {}), speed {} (truth {}), strides {} (truth {})",
            fmt_opt(sum.cadence_spm, "/min"),
            fmt_opt(mean(bouts.iter().map(|b| b.cadence_spm)), "/min"),
            fmt_opt(sum.speed_mps, " m/s"),
            fmt_opt(mean(bouts.iter().map(|b| b.speed_mps)), " m/s"),
            sum.n_strides,
            strides.len()
        );
        for s in &snap.sensors {
            eprintln!(
                "  {}: {} received, {} lost ({:.2} % complete), {} gaps",
                s.placement,
                s.received,
                s.lost,
                100.0 * s.completeness,
                s.gaps.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("-".into(), |x| format!("{x:.2}{unit}"))
}

fn unreachable_report() -> steady_analysis::gait::GaitReport {
    steady_analysis::gait::analyze(&[], &Subject::default())
}
