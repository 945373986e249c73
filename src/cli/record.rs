//! `steady record`: raw data from the sensors into a recording folder (`meta.json` +
//! `imu_<placement>.csv` per sensor at its native rate, holes never filled, gaps listed in
//! `meta.json`), readable by `steady analyze`.
//!
//! Sources: the registered BLE sensors (default: found by a short scan, connected, configured
//! and decoded by `steady_sensors::ble::Manager`, with a live per-sensor line of state, rate,
//! loss, battery and malformed count on stderr), or `--simulate` (the simulated sensors of
//! `steady demo`, through [`Source`]: `(sensor index, bytes, arrival host µs)`).
//!
//! Crash-safety: CSV rows are flushed every second and `meta.json` is rewritten (via a
//! temporary file and rename) every 5 s, so an interrupted recording keeps what was written;
//! a failing write stops with an error naming the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use steady_analysis::Subject;
use steady_core::{Gap, Placement};
use steady_sensors::ble::manager::{Manager, ManagerConfig, SensorStatus};
use steady_sensors::ble::transport::BleCentral;
use steady_sensors::ble::{RegisteredDevice, Registry};
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
    /// Sample rate asked of BLE sensors, Hz (each family uses its nearest supported rate).
    #[arg(long, default_value_t = 100)]
    pub rate_hz: u32,
    /// How long to look for the registered BLE sensors before recording.
    #[arg(long, default_value = "10s", value_parser = super::common::parse_duration_s)]
    pub find_timeout: f64,
    #[command(flatten)]
    pub data_dir: super::common::DataDirArg,
}

/// A stream of notifications: `(sensor index, bytes, arrival host µs)`; the seam for the
/// BLE source.
pub type Source<'a> = Box<dyn Iterator<Item = (usize, Vec<u8>, u64)> + 'a>;

struct Writer {
    path: PathBuf,
    out: BufWriter<File>,
}

/// What `meta.json` lists about one sensor.
struct MetaSensor {
    placement: Placement,
    received: u64,
    lost: u64,
    completeness: f64,
    malformed: u64,
    gaps: Vec<Gap>,
    /// Extra keys of the sensor's entry (vendor, address, nominal rate).
    extra: serde_json::Map<String, serde_json::Value>,
}

fn write_meta_json(
    dir: &Path,
    rate_hz: Option<f64>,
    list: &[MetaSensor],
    done: bool,
    source: &str,
) -> anyhow::Result<()> {
    let mut gaps = serde_json::Map::new();
    let mut sensors = serde_json::Map::new();
    let mut completeness = serde_json::Map::new();
    for s in list {
        let g: Vec<_> = s
            .gaps
            .iter()
            .map(|g| json!({"start_s": g.start.as_secs_f64(), "end_s": g.end.as_secs_f64(), "lost_samples": g.lost_samples}))
            .collect();
        gaps.insert(s.placement.as_str().into(), g.into());
        let mut entry = serde_json::Map::new();
        entry.insert(
            "file".into(),
            steady_recording::sensor_file_name(s.placement).into(),
        );
        entry.insert("axes".into(), "sensor axes as strapped on".into());
        entry.extend(s.extra.clone());
        sensors.insert(s.placement.as_str().into(), entry.into());
        completeness.insert(
            s.placement.as_str().into(),
            json!({"received": s.received, "lost": s.lost, "completeness": s.completeness, "malformed": s.malformed}),
        );
    }
    let mut meta = json!({
        "test": "walk",
        "sensors": sensors,
        "gaps": gaps,
        "completeness": completeness,
        "complete": done,
        "source": source,
    });
    if let Some(r) = rate_hz {
        meta["sampling_rate_hz"] = json!(r);
    }
    let tmp = dir.join("meta.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&meta)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, dir.join("meta.json"))
        .with_context(|| format!("writing {}", dir.join("meta.json").display()))?;
    Ok(())
}

fn write_meta(
    dir: &Path,
    live: &LivePipeline,
    placements: &[(Placement, f64)],
    done: bool,
) -> anyhow::Result<()> {
    let snap = live.snapshot();
    let list: Vec<MetaSensor> = snap
        .sensors
        .iter()
        .map(|s| MetaSensor {
            placement: s.placement,
            received: s.received,
            lost: s.lost,
            completeness: s.completeness,
            malformed: s.malformed,
            gaps: s.gaps.clone(),
            extra: serde_json::Map::new(),
        })
        .collect();
    write_meta_json(
        dir,
        placements.first().map(|p| p.1),
        &list,
        done,
        "steady record",
    )
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
    if args.out.join("meta.json").exists() {
        anyhow::bail!("{} already holds a recording", args.out.display());
    }
    if !args.simulate {
        return run_ble(&args);
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

fn new_csv(dir: &Path, p: Placement) -> anyhow::Result<Writer> {
    let path = dir.join(steady_recording::sensor_file_name(p));
    let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(f);
    writeln!(out, "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z")
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(Writer { path, out })
}

fn status_line(t_s: f64, states: &[SensorStatus]) -> String {
    let parts: Vec<String> = states
        .iter()
        .map(|s| {
            format!(
                "{} {} {:.0}/{:.0} Hz loss {:.1}% battery {} malformed {}",
                s.placement,
                serde_json::to_value(s.state)
                    .ok()
                    .and_then(|v| v
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_object().and_then(|o| o.keys().next().cloned())))
                    .unwrap_or_default(),
                s.rate_hz,
                s.nominal_rate_hz,
                s.loss_pct(),
                s.battery_pct.map_or("-".into(), |b| format!("{b}%")),
                s.malformed
            )
        })
        .collect();
    format!("t={t_s:5.1}s | {}", parts.join(" | "))
}

fn ble_meta(states: &[SensorStatus], gaps: &[Vec<Gap>]) -> (Option<f64>, Vec<MetaSensor>) {
    let list = states
        .iter()
        .zip(gaps)
        .map(|(s, g)| {
            let mut extra = serde_json::Map::new();
            extra.insert("vendor".into(), s.vendor.as_str().into());
            extra.insert("address".into(), s.address.to_string().into());
            extra.insert("nominal_rate_hz".into(), s.nominal_rate_hz.into());
            MetaSensor {
                placement: s.placement,
                received: s.received,
                lost: s.lost,
                completeness: s.completeness,
                malformed: s.malformed,
                gaps: g.clone(),
                extra,
            }
        })
        .collect();
    let rate = states.first().map(|s| s.nominal_rate_hz);
    let same = states.iter().all(|s| Some(s.nominal_rate_hz) == rate);
    (if same { rate } else { None }, list)
}

/// Waits (up to `timeout_s`) until the stack has seen the registered devices; returns the
/// ones seen. Errors when none of them is.
async fn find_registered<C: BleCentral>(
    central: &C,
    devices: &[RegisteredDevice],
    timeout_s: f64,
) -> anyhow::Result<Vec<RegisteredDevice>> {
    central
        .start_scan()
        .await
        .context("starting a Bluetooth scan")?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(timeout_s);
    let found = loop {
        let seen = central.adverts().await.context("listing nearby devices")?;
        let found: Vec<RegisteredDevice> = devices
            .iter()
            .filter(|d| seen.iter().any(|a| a.address == Some(d.address)))
            .cloned()
            .collect();
        if found.len() == devices.len() || tokio::time::Instant::now() >= deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    if found.is_empty() {
        let list: Vec<String> = devices
            .iter()
            .map(|d| format!("{} ({}, {})", d.address, d.vendor.as_str(), d.placement))
            .collect();
        anyhow::bail!(
            "none of the registered sensors was found nearby: {}; are they switched on, charged \
             and not connected to another phone or computer?",
            list.join(", ")
        );
    }
    for d in devices.iter().filter(|d| !found.contains(d)) {
        eprintln!(
            "warning: {} ({}) not seen yet; it will be connected if it appears",
            d.address, d.placement
        );
    }
    Ok(found)
}

/// Records the registered `devices` through the connection manager into `dir` until `stop`
/// completes; returns the final per-sensor status.
async fn record_ble<C: BleCentral>(
    central: Arc<C>,
    devices: Vec<RegisteredDevice>,
    dir: &Path,
    rate_hz: u32,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<Vec<SensorStatus>> {
    let mut writers = devices
        .iter()
        .map(|d| new_csv(dir, d.placement))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let config = ManagerConfig {
        rate_hz,
        ..ManagerConfig::default()
    };
    let (manager, mut rx) = Manager::start(central, devices.clone(), config)
        .await
        .context("starting the sensor connection manager")?;
    let states = manager.states();
    let mut gaps: Vec<Vec<Gap>> = vec![Vec::new(); devices.len()];
    {
        let (rate, list) = ble_meta(&states.borrow(), &gaps);
        write_meta_json(dir, rate, &list, false, "steady record (ble)")?;
    }
    let write = |writers: &mut Vec<Writer>, d: &steady_sensors::ble::SensorData| {
        if let Some(w) = writers.get_mut(d.index) {
            for s in &d.samples {
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
        anyhow::Ok(())
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut ticks = 0u64;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            d = rx.recv() => {
                let Some(d) = d else { break };
                write(&mut writers, &d)?;
                if let Some(g) = gaps.get_mut(d.index) {
                    g.extend(d.gaps);
                }
            }
            _ = tick.tick() => {
                ticks += 1;
                for w in &mut writers {
                    w.out.flush().with_context(|| format!("writing {}", w.path.display()))?;
                }
                let now = states.borrow().clone();
                eprintln!("{}", status_line(ticks as f64, &now));
                if ticks.is_multiple_of(5) {
                    let (rate, list) = ble_meta(&now, &gaps);
                    write_meta_json(dir, rate, &list, false, "steady record (ble)")?;
                }
            }
        }
    }
    // Stop, keep what already arrived, then disconnect.
    let last = states.borrow().clone();
    while let Ok(d) = rx.try_recv() {
        write(&mut writers, &d)?;
        if let Some(g) = gaps.get_mut(d.index) {
            g.extend(d.gaps);
        }
    }
    drop(rx);
    manager.shutdown().await;
    for w in &mut writers {
        w.out
            .flush()
            .with_context(|| format!("writing {}", w.path.display()))?;
    }
    let (rate, list) = ble_meta(&last, &gaps);
    write_meta_json(dir, rate, &list, true, "steady record (ble)")?;
    Ok(last)
}

fn run_ble(args: &Args) -> anyhow::Result<ExitCode> {
    let data_dir = args.data_dir.resolve()?;
    let registry = Registry::load(&data_dir)?;
    let devices = registry.devices().to_vec();
    if devices.is_empty() {
        anyhow::bail!(
            "no sensors registered in {}: find them with `steady sensors scan` and register each \
             with `steady sensors add <address> --placement lower-back` (or record the simulated \
             sensors with --simulate)",
            data_dir.display()
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let out = args.out.clone();
    let (duration, rate_hz, find_timeout) = (args.duration, args.rate_hz, args.find_timeout);
    let last = rt.block_on(async move {
        let central = steady_sensors::ble::bluez::BluezCentral::new()
            .await
            .context("opening the Bluetooth adapter (BlueZ over D-Bus)")?;
        let found = find_registered(&central, &devices, find_timeout).await?;
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        let stop = async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs_f64(duration)) => {}
                _ = tokio::signal::ctrl_c() => eprintln!("interrupted: finishing the recording"),
            }
        };
        // Every registered sensor is managed (a late one is connected when it appears).
        let _ = found;
        record_ble(Arc::new(central), devices, &out, rate_hz, stop).await
    })?;
    for s in &last {
        eprintln!(
            "  {} ({}): {} samples, {} lost ({:.2} % complete), {} malformed",
            s.placement,
            s.vendor.as_str(),
            s.received,
            s.lost,
            100.0 * s.completeness,
            s.malformed
        );
    }
    eprintln!("recorded into {}", args.out.display());
    if last.iter().all(|s| s.received == 0) {
        anyhow::bail!("no data arrived from any sensor (see the states above)");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_protocol::vendors::witmotion;
    use steady_sensors::ble::mock::{MockCentral, MockDevice};
    use steady_sensors::ble::transport::{Address, Advert, CharInfo};
    use steady_sensors::ble::vendor::{Vendor, STEADY_CONTROL, STEADY_DATA, STEADY_SERVICE};
    use steady_sensors::vendor_sim::VendorEncoder;

    fn device(
        central: &MockCentral,
        last: u8,
        service: u128,
        chars: &[(u128, bool)],
    ) -> MockDevice {
        central.add_device(
            Advert {
                address: Some(Address([0xAB, 0, 0, 0, 0, last])),
                services: vec![service],
                ..Advert::default()
            },
            chars
                .iter()
                .map(|&(uuid, notify)| CharInfo {
                    service,
                    uuid,
                    notify,
                    write: !notify,
                    read: false,
                })
                .collect(),
        )
    }

    fn feed(dev: MockDevice, vendor: Vendor, placement: Placement) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let enc = VendorEncoder::new(vendor, 100);
            let mut cfg = steady_sim::SensorConfig::new(&[placement]);
            cfg.rate_hz = enc.rate_hz();
            let sim = steady_sim::simulate(
                &steady_sim::Scenario::new().walk(steady_sim::WalkParams::default(), 6.0),
                &cfg,
                5,
            );
            let src = &sim.streams[0].1;
            let per = enc.samples_per_notification();
            while !dev.subscribed(vendor.data_char()) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let t0 = tokio::time::Instant::now();
            for b in 0..src.len() / per {
                let k = b * per;
                let due = Duration::from_secs_f64((k + per - 1) as f64 / enc.rate_hz());
                tokio::time::sleep_until(t0 + due).await;
                for (u, v) in enc.encode(k as u64, &src[k..k + per]) {
                    dev.notify(u, &v);
                }
            }
        })
    }

    fn registered(last: u8, vendor: Vendor, placement: Placement) -> RegisteredDevice {
        RegisteredDevice {
            address: Address([0xAB, 0, 0, 0, 0, last]),
            vendor,
            placement,
            name: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn records_registered_ble_sensors_into_a_readable_recording() {
        let central = MockCentral::new();
        let back = device(
            &central,
            1,
            STEADY_SERVICE,
            &[(STEADY_DATA, true), (STEADY_CONTROL, false)],
        );
        let shank = device(
            &central,
            2,
            witmotion::SERVICE_UUID,
            &[
                (witmotion::NOTIFY_UUID, true),
                (witmotion::WRITE_UUID, false),
            ],
        );
        let devices = vec![
            registered(1, Vendor::Steady, Placement::LowerBack),
            registered(2, Vendor::WitMotion, Placement::LeftShank),
            registered(3, Vendor::MovellaDot, Placement::RightShank), // not in the room
        ];
        let found = find_registered(&central, &devices, 1.0).await.unwrap();
        assert_eq!(found.len(), 2);
        let dir = std::env::temp_dir().join(format!("steady-record-ble-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let f1 = feed(back.clone(), Vendor::Steady, Placement::LowerBack);
        let f2 = feed(shank.clone(), Vendor::WitMotion, Placement::LeftShank);
        let last = record_ble(
            Arc::new(central.clone()),
            devices,
            &dir,
            100,
            tokio::time::sleep(Duration::from_secs(4)),
        )
        .await
        .unwrap();
        f1.abort();
        f2.abort();
        let rec = steady_recording::read_recording(&dir).expect("readable recording");
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
        assert_eq!(meta["complete"], true);
        for (i, p) in [Placement::LowerBack, Placement::LeftShank]
            .into_iter()
            .enumerate()
        {
            let s = rec.sensor(p).expect("sensor file");
            // ~4 s at 100 Hz, minus connection set-up.
            assert!(s.samples.len() > 300, "{p}: {}", s.samples.len());
            assert_eq!(
                meta["completeness"][p.as_str()]["received"]
                    .as_u64()
                    .unwrap(),
                s.samples.len() as u64
            );
            assert_eq!(last[i].received, s.samples.len() as u64);
            assert!(s.samples.windows(2).all(|w| w[1].t > w[0].t));
            // At rest the first samples read gravity-ish specific force, in m/s².
            let g: f64 = s.samples[0]
                .acc_mps2
                .iter()
                .map(|a| a * a)
                .sum::<f64>()
                .sqrt();
            assert!(g > 5.0 && g < 20.0, "{p}: |acc| {g}");
        }
        assert_eq!(meta["sensors"]["left_shank"]["vendor"], "witmotion");
        // The absent sensor has an (empty) file and zero received.
        assert_eq!(last[2].received, 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn no_registered_sensor_in_range_is_a_clear_error() {
        let central = MockCentral::new();
        let e = find_registered(
            &central,
            &[registered(7, Vendor::Thingy52, Placement::LowerBack)],
            2.0,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("none of the registered sensors was found"),
            "{e}"
        );
        assert!(e.contains("AB:00:00:00:00:07"), "{e}");
    }

    #[test]
    fn no_registered_sensors_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("steady-record-noreg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let args = Args {
            duration: 1.0,
            out: dir.join("rec"),
            simulate: false,
            realtime: false,
            loss_pct: 0.0,
            seed: 1,
            rate_hz: 100,
            find_timeout: 1.0,
            data_dir: super::super::common::DataDirArg {
                data_dir: Some(dir.clone()),
            },
        };
        let e = run(args).unwrap_err().to_string();
        assert!(e.contains("no sensors registered"), "{e}");
        assert!(!dir.join("rec").exists(), "nothing created");
    }
}
