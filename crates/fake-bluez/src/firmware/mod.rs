//! Simulated sensor firmware: what a device does with writes, reads and subscriptions, and
//! the notifications it sends. One module per vendor, each with the vendor's real UUIDs and
//! byte formats (encoders from `steady_protocol::vendors`, facts in `shared/research/sensors.md`),
//! driven by the gait simulator of `steady_sim`.
//!
//! Time comes in as `now_s` (seconds since the fake started); nothing here reads a clock.

pub mod dot;
pub mod metawear;
pub mod polar;
pub mod steady;
pub mod thingy;
pub mod witmotion;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use steady_sim::{Scenario, SensorConfig, Simulator, WalkParams};

use crate::value::Uuid;

/// Notifications a firmware wants to send: (characteristic UUID, value).
pub type Out = Vec<(Uuid, Vec<u8>)>;

/// One contiguous run of samples the firmware produced while streaming (ground truth for gap
/// accounting: samples between two runs were never sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRun {
    /// Index of the first sample on the device's sample clock (`device_time · rate`).
    pub first_sample: u64,
    /// Samples produced in this run.
    pub samples: u64,
    /// The rate of this run, Hz.
    pub rate_hz: u32,
}

/// What a firmware reports about itself to tests.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmwareStatus {
    /// Data is being produced.
    pub streaming: bool,
    /// Current output rate, Hz.
    pub rate_hz: f64,
    /// Every streaming run so far (the accelerometer's, for families that stream acc and
    /// gyro separately).
    pub runs: Vec<SampleRun>,
    /// The gyroscope's runs for families that stream it separately (MetaWear, Polar); empty
    /// when one stream carries both.
    pub gyr_runs: Vec<SampleRun>,
}

/// The behaviour of one simulated device behind its GATT table.
pub trait Firmware: Send {
    /// The link came up.
    fn on_connect(&mut self, _now_s: f64) {}
    /// The link went down (host disconnect or link loss): the firmware stops streaming.
    fn on_link_down(&mut self, now_s: f64);
    /// Notifications on `uuid` were enabled or disabled.
    fn on_notify(&mut self, now_s: f64, uuid: Uuid, enabled: bool, out: &mut Out);
    /// A write to `uuid`.
    fn on_write(&mut self, now_s: f64, uuid: Uuid, value: &[u8], out: &mut Out);
    /// A read of `uuid` (`None`: the characteristic's stored value).
    fn on_read(&mut self, _now_s: f64, _uuid: Uuid) -> Option<Vec<u8>> {
        None
    }
    /// Produce what is due at `now_s`.
    fn poll(&mut self, now_s: f64, out: &mut Out);
    /// State for tests.
    fn status(&self) -> FirmwareStatus;
}

/// A firmware that does nothing (devices that are not sensors).
#[derive(Debug, Clone, Copy, Default)]
pub struct Inert;

impl Firmware for Inert {
    fn on_link_down(&mut self, _now_s: f64) {}
    fn on_notify(&mut self, _now_s: f64, _uuid: Uuid, _enabled: bool, _out: &mut Out) {}
    fn on_write(&mut self, _now_s: f64, _uuid: Uuid, _value: &[u8], _out: &mut Out) {}
    fn poll(&mut self, _now_s: f64, _out: &mut Out) {}
    fn status(&self) -> FirmwareStatus {
        FirmwareStatus {
            streaming: false,
            rate_hz: 0.0,
            runs: Vec::new(),
            gyr_runs: Vec::new(),
        }
    }
}

/// The device's own clock: `offset_s + now_s · (1 + drift_ppm · 1e-6)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviceClock {
    /// Device time when the fake started, s.
    pub offset_s: f64,
    /// Rate error, parts per million.
    pub drift_ppm: f64,
}

impl DeviceClock {
    /// The clock of simulated sensor `index` ([`crate::SimSensor::new`]): offsets staggered
    /// by 1.7 s per index from 3 s, no drift.
    pub fn staggered(index: usize) -> Self {
        DeviceClock {
            offset_s: 3.0 + 1.7 * index as f64,
            drift_ppm: 0.0,
        }
    }

    /// Device time at host time `now_s`, s.
    pub fn at(&self, now_s: f64) -> f64 {
        self.offset_s + now_s * (1.0 + self.drift_ppm * 1e-6)
    }

    /// Host time at device time `device_s` (the inverse of [`DeviceClock::at`]), s.
    pub fn host_s(&self, device_s: f64) -> f64 {
        (device_s - self.offset_s) / (1.0 + self.drift_ppm * 1e-6)
    }
}

/// Sample scheduling at a fixed rate on the device clock: sample `k` is taken at device time
/// `k / rate`. Records each streaming run.
#[derive(Debug, Clone)]
pub struct Streamer {
    rate_hz: f64,
    clock: DeviceClock,
    next: Option<u64>,
    runs: Vec<SampleRun>,
}

impl Streamer {
    /// A stopped streamer at `rate_hz`.
    pub fn new(rate_hz: f64, clock: DeviceClock) -> Self {
        Streamer {
            rate_hz,
            clock,
            next: None,
            runs: Vec::new(),
        }
    }

    /// Starts (no-op when running): the first sample is the next one on the device clock.
    pub fn start(&mut self, now_s: f64) {
        if self.next.is_some() {
            return;
        }
        let k = (self.clock.at(now_s) * self.rate_hz).ceil().max(0.0) as u64;
        self.next = Some(k);
        self.runs.push(SampleRun {
            first_sample: k,
            samples: 0,
            rate_hz: self.rate_hz.round() as u32,
        });
    }

    /// Stops.
    pub fn stop(&mut self) {
        self.next = None;
    }

    /// Whether it is running.
    pub fn running(&self) -> bool {
        self.next.is_some()
    }

    /// Current rate, Hz.
    pub fn rate_hz(&self) -> f64 {
        self.rate_hz
    }

    /// Changes the rate; a running stream continues as a new run at the new rate.
    pub fn set_rate(&mut self, now_s: f64, rate_hz: f64) {
        if (rate_hz - self.rate_hz).abs() < 1e-9 {
            return;
        }
        let running = self.running();
        self.stop();
        self.rate_hz = rate_hz;
        if running {
            self.start(now_s);
        }
    }

    /// The samples due by `now_s`, in whole batches of `batch` (≥ 1).
    pub fn due(&mut self, now_s: f64, batch: u64) -> Range<u64> {
        let Some(next) = self.next else {
            return 0..0;
        };
        let batch = batch.max(1);
        let end = (self.clock.at(now_s) * self.rate_hz).floor().max(0.0) as u64 + 1;
        let n = end.saturating_sub(next) / batch * batch;
        self.next = Some(next + n);
        if let Some(run) = self.runs.last_mut() {
            run.samples += n;
        }
        next..next + n
    }

    /// Device time of sample `k`, s.
    pub fn time_s(&self, k: u64) -> f64 {
        k as f64 / self.rate_hz
    }

    /// The runs so far.
    pub fn runs(&self) -> &[SampleRun] {
        &self.runs
    }

    /// Status for tests.
    pub fn status(&self) -> FirmwareStatus {
        FirmwareStatus {
            streaming: self.running(),
            rate_hz: self.rate_hz,
            runs: self.runs.clone(),
            gyr_runs: Vec::new(),
        }
    }
}

/// Where a simulated sensor's motion comes from: one sensor of a shared walking simulation.
/// The body moves on host time (every sensor of one body sees the same instant of the walk at
/// the same host time, whatever its device clock says); samples are asked for by device time.
#[derive(Debug, Clone)]
pub struct Motion {
    sim: Arc<Simulator>,
    index: usize,
    clock: DeviceClock,
}

fn shared_simulation() -> Arc<Simulator> {
    static SIM: OnceLock<Arc<Simulator>> = OnceLock::new();
    SIM.get_or_init(|| {
        let scenario = Scenario::new()
            .stand(2.0)
            .walk(WalkParams::default(), 60.0)
            .stand(2.0);
        Arc::new(Simulator::new(&scenario, &SensorConfig::default(), 5))
    })
    .clone()
}

impl Motion {
    /// Sensor `index` (mod the simulation's sensor count) of the shared walk, on the device
    /// clock [`crate::SimSensor::new`] gives that index ([`DeviceClock::staggered`]).
    pub fn new(index: usize) -> Self {
        Motion::on_clock(index, DeviceClock::staggered(index))
    }

    /// Sensor `index` (mod the simulation's sensor count) of the shared walk, on `clock`.
    pub fn on_clock(index: usize, clock: DeviceClock) -> Self {
        let sim = shared_simulation();
        let n = sim.config().sensors.len().max(1);
        Motion {
            sim,
            index: index % n,
            clock,
        }
    }

    /// Specific force (m/s²) and angular rate (deg/s) at device time `t_s`: the body at the
    /// host time the device clock maps it to (the walk loops).
    pub fn at(&self, t_s: f64) -> ([f32; 3], [f32; 3]) {
        let d = self.sim.truth().duration_s.max(1.0);
        let body_s = self.clock.host_s(t_s);
        let (a, g) = self.sim.exact(self.index, body_s.rem_euclid(d));
        (a.map(|x| x as f32), g.map(|x| x as f32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamer_emits_every_sample_once_in_batches() {
        let clock = DeviceClock {
            offset_s: 0.0,
            drift_ppm: 0.0,
        };
        let mut s = Streamer::new(100.0, clock);
        assert_eq!(s.due(1.0, 1), 0..0, "stopped");
        s.start(0.005);
        assert_eq!(s.due(0.005, 1), 1..1);
        assert_eq!(s.due(0.0301, 1), 1..4);
        assert_eq!(s.due(0.0701, 2), 4..8);
        s.stop();
        s.start(1.0);
        assert_eq!(s.due(1.0, 1), 100..101);
        assert_eq!(
            s.runs(),
            &[
                SampleRun {
                    first_sample: 1,
                    samples: 7,
                    rate_hz: 100
                },
                SampleRun {
                    first_sample: 100,
                    samples: 1,
                    rate_hz: 100
                }
            ]
        );
    }

    #[test]
    fn motion_shows_gravity_at_rest() {
        let m = Motion::new(0);
        let (a, _) = m.at(0.5);
        let norm = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        assert!((norm - 9.81).abs() < 0.2, "{norm}");
    }
}
