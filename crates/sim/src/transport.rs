//! Transport level: a sensor's sample stream cut into frames, encoded, and delivered like BLE
//! notifications — with packet loss (independent and in bursts), notification delay (always
//! late, never early; in order per sensor as the BLE link layer guarantees), device clock drift
//! (ppm) and offset. Output is one list (or a lazy stream) of [`Notification`]s in arrival order
//! across sensors.
//!
//! Timing model per sensor `i` and frame `f` (samples `f·n .. f·n + n − 1`, `n` per frame):
//! - device time of sample `k`: `offset_i + t_k · (1 + ppm_i · 1e-6)` (µs; `t_k = k / rate`);
//! - sent at the true time of its last sample plus `send_latency_us`;
//! - arrival = max(previous arrival of this sensor, send + delay), delay = `delay_min_ms` plus
//!   an exponential tail with mean `delay_mean_extra_ms`, capped at `delay_max_ms`;
//! - lost with probability `loss_pct` (independent) or while a loss burst is running (bursts
//!   start at `bursts_per_min`, last a geometric number of frames with mean `burst_mean_frames`).
//!
//! Host times are session µs plus `host_epoch_us`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use steady_core::{ImuSample, Placement};

use crate::{Simulation, Simulator};

/// Link and clock imperfections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransportConfig {
    /// Samples packed into one notification.
    pub samples_per_frame: usize,
    /// Independent frame loss, percent.
    pub loss_pct: f64,
    /// Loss bursts started per minute of streaming (per sensor).
    pub bursts_per_min: f64,
    /// Mean burst length in frames.
    pub burst_mean_frames: f64,
    /// Minimum notification delay, ms (one 7.5 ms connection interval).
    pub delay_min_ms: f64,
    /// Mean of the exponential extra delay, ms.
    pub delay_mean_extra_ms: f64,
    /// Cap of the delay, ms.
    pub delay_max_ms: f64,
    /// Firmware latency from the last sample of a frame to the radio, µs.
    pub send_latency_us: u64,
    /// Device clock drift per sensor, ppm (missing entries use 0).
    pub clock_drift_ppm: Vec<f64>,
    /// Device clock value at session time 0 per sensor, µs (missing entries use 0).
    pub clock_offset_us: Vec<u64>,
    /// Host clock value at session time 0, µs.
    pub host_epoch_us: u64,
}

impl Default for TransportConfig {
    /// A healthy link: 1 % loss, rare short bursts, 7.5–50 ms delay, ±20 ppm clocks.
    fn default() -> Self {
        TransportConfig {
            samples_per_frame: 4,
            loss_pct: 1.0,
            bursts_per_min: 0.5,
            burst_mean_frames: 5.0,
            delay_min_ms: 7.5,
            delay_mean_extra_ms: 8.0,
            delay_max_ms: 50.0,
            send_latency_us: 500,
            clock_drift_ppm: vec![20.0, -15.0, 8.0, -25.0, 12.0, -5.0, 30.0],
            clock_offset_us: vec![
                1_000_000, 52_345_678, 7_000_123, 3_210_000, 0, 99_999, 424_242,
            ],
            host_epoch_us: 0,
        }
    }
}

impl TransportConfig {
    /// No loss, constant minimum delay, ideal clocks (for plumbing tests).
    pub fn ideal() -> TransportConfig {
        TransportConfig {
            loss_pct: 0.0,
            bursts_per_min: 0.0,
            delay_mean_extra_ms: 0.0,
            clock_drift_ppm: Vec::new(),
            clock_offset_us: Vec::new(),
            ..TransportConfig::default()
        }
    }
}

/// What one frame carries, handed to a [`FrameEncoder`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameContent<'a> {
    /// Index of the sensor in the `SensorConfig`.
    pub sensor_index: usize,
    /// Frame sequence number of this sensor (counts lost frames too).
    pub frame_seq: u64,
    /// Index of the first sample in the sensor's stream.
    pub first_sample: u64,
    /// Device clock at the first sample, µs.
    pub device_time_us: u64,
    /// Sample interval on the device clock, µs (drift included).
    pub device_interval_us: f64,
    /// The samples (times on the true session timeline).
    pub samples: &'a [ImuSample],
}

/// Turns frame contents into wire bytes.
pub trait FrameEncoder {
    /// Encode one frame.
    fn encode(&mut self, frame: &FrameContent<'_>) -> Vec<u8>;
}

/// One BLE notification as the host receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Index of the sensor in the `SensorConfig`.
    pub sensor_index: usize,
    /// Where that sensor sits.
    pub placement: Placement,
    /// Host clock at arrival, µs.
    pub arrival_host_us: u64,
    /// Host clock when the device sent it (truth, not visible to a real host), µs.
    pub sent_host_us: u64,
    /// Frame sequence number (truth; the wire may carry a wrapped counter).
    pub frame_seq: u64,
    /// Index of the first sample it carries (truth).
    pub first_sample: u64,
    /// Device clock at the first sample (truth of what was encoded), µs.
    pub device_time_us: u64,
    /// The encoded frame.
    pub bytes: Vec<u8>,
}

/// Per-sensor frame generator (sequential RNG, so deterministic per sensor).
struct Link {
    sensor_index: usize,
    placement: Placement,
    rng: ChaCha8Rng,
    next_frame: u64,
    n_samples: u64,
    rate_hz: f64,
    drift: f64,
    offset_us: u64,
    burst_left: u64,
    last_arrival: u64,
}

impl Link {
    fn new(
        sensor_index: usize,
        placement: Placement,
        n_samples: u64,
        rate_hz: f64,
        cfg: &TransportConfig,
        seed: u64,
    ) -> Link {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7EA5_1157);
        rng.set_stream(sensor_index as u64 + 1);
        Link {
            sensor_index,
            placement,
            rng,
            next_frame: 0,
            n_samples,
            rate_hz,
            drift: cfg
                .clock_drift_ppm
                .get(sensor_index)
                .copied()
                .unwrap_or(0.0)
                * 1e-6,
            offset_us: cfg.clock_offset_us.get(sensor_index).copied().unwrap_or(0),
            burst_left: 0,
            last_arrival: 0,
        }
    }

    /// Next delivered notification of this link, if any (lost frames are skipped).
    fn next(
        &mut self,
        cfg: &TransportConfig,
        sample: &dyn Fn(u64) -> ImuSample,
        enc: &mut dyn FrameEncoder,
    ) -> Option<Notification> {
        let n = cfg.samples_per_frame.max(1) as u64;
        loop {
            let f = self.next_frame;
            let first = f * n;
            if first >= self.n_samples {
                return None;
            }
            self.next_frame += 1;
            let last = (first + n).min(self.n_samples) - 1;
            // Random numbers are drawn in the same order whether or not the frame is lost.
            let u_loss: f64 = self.rng.gen();
            let u_burst: f64 = self.rng.gen();
            let u_len: f64 = self.rng.gen();
            let u_delay: f64 = self.rng.gen();
            let frame_s = n as f64 / self.rate_hz;
            let lost_burst = if self.burst_left > 0 {
                self.burst_left -= 1;
                true
            } else if u_burst < cfg.bursts_per_min / 60.0 * frame_s {
                // Geometric length with the configured mean (at least one frame).
                let p = 1.0 / cfg.burst_mean_frames.max(1.0);
                let len = if p >= 1.0 {
                    1
                } else {
                    1 + ((1.0 - u_len).max(1e-300).ln() / (1.0 - p).ln()).floor() as u64
                };
                self.burst_left = len - 1;
                true
            } else {
                false
            };
            if lost_burst || u_loss * 100.0 < cfg.loss_pct {
                continue;
            }
            let t_last_us = (last as f64 / self.rate_hz * 1e6).round() as u64;
            let sent = cfg.host_epoch_us + t_last_us + cfg.send_latency_us;
            let extra_ms = if cfg.delay_mean_extra_ms > 0.0 {
                -cfg.delay_mean_extra_ms * (1.0 - u_delay).max(1e-300).ln()
            } else {
                0.0
            };
            let delay_ms =
                (cfg.delay_min_ms + extra_ms).min(cfg.delay_max_ms.max(cfg.delay_min_ms));
            let arrival = (sent + (delay_ms * 1e3).round().max(0.0) as u64).max(self.last_arrival);
            self.last_arrival = arrival;
            let samples: Vec<ImuSample> = (first..=last).map(sample).collect();
            let t_first_s = first as f64 / self.rate_hz;
            let device_time_us =
                self.offset_us + (t_first_s * 1e6 * (1.0 + self.drift)).round() as u64;
            let content = FrameContent {
                sensor_index: self.sensor_index,
                frame_seq: f,
                first_sample: first,
                device_time_us,
                device_interval_us: 1e6 / self.rate_hz * (1.0 + self.drift),
                samples: &samples,
            };
            let bytes = enc.encode(&content);
            return Some(Notification {
                sensor_index: self.sensor_index,
                placement: self.placement,
                arrival_host_us: arrival,
                sent_host_us: sent,
                frame_seq: f,
                first_sample: first,
                device_time_us,
                bytes,
            });
        }
    }
}

/// Lazily yields notifications of a [`Simulator`] in arrival order (memory: one pending
/// notification per sensor), for long live demos.
pub struct NotificationStream<'a, E: FrameEncoder> {
    sim: &'a Simulator,
    cfg: TransportConfig,
    links: Vec<Link>,
    pending: BinaryHeap<Reverse<(u64, usize, u64)>>,
    slots: Vec<Option<Notification>>,
    enc: E,
}

impl<'a, E: FrameEncoder> NotificationStream<'a, E> {
    /// Stream `sim`'s sensors through `cfg`, encoding with `enc`; deterministic from `seed`.
    pub fn new(sim: &'a Simulator, cfg: &TransportConfig, seed: u64, enc: E) -> Self {
        let n = sim.n_samples();
        let rate = sim.config().rate_hz;
        let links: Vec<Link> = sim
            .config()
            .sensors
            .iter()
            .enumerate()
            .map(|(i, s)| Link::new(i, s.placement, n, rate, cfg, seed))
            .collect();
        let mut s = NotificationStream {
            sim,
            cfg: cfg.clone(),
            slots: vec![None; links.len()],
            links,
            pending: BinaryHeap::new(),
            enc,
        };
        for i in 0..s.links.len() {
            s.refill(i);
        }
        s
    }

    fn refill(&mut self, i: usize) {
        let sim = self.sim;
        let f = move |k: u64| sim.sample(i, k);
        if let Some(n) = self.links[i].next(&self.cfg, &f, &mut self.enc) {
            self.pending
                .push(Reverse((n.arrival_host_us, i, n.frame_seq)));
            self.slots[i] = Some(n);
        }
    }
}

impl<E: FrameEncoder> Iterator for NotificationStream<'_, E> {
    type Item = Notification;
    fn next(&mut self) -> Option<Notification> {
        let Reverse((_, i, _)) = self.pending.pop()?;
        let out = self.slots[i].take();
        self.refill(i);
        out
    }
}

/// Encode a finished [`Simulation`] with `enc`: all notifications in arrival order (ties by
/// sensor index). Equal to collecting a [`NotificationStream`] of the same scenario and seed.
pub fn encode_with<E: FrameEncoder>(
    sim: &Simulation,
    cfg: &TransportConfig,
    seed: u64,
    mut enc: E,
) -> Vec<Notification> {
    let mut out = Vec::new();
    for (i, (placement, samples)) in sim.streams.iter().enumerate() {
        let mut link = Link::new(i, *placement, samples.len() as u64, sim.rate_hz, cfg, seed);
        let f = |k: u64| samples[k as usize];
        while let Some(n) = link.next(cfg, &f, &mut enc) {
            out.push(n);
        }
    }
    out.sort_by_key(|n| (n.arrival_host_us, n.sensor_index, n.frame_seq));
    out
}
