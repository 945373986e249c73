//! The live data path of the binary: notifications → per-sensor receive path (decode, clock
//! sync, gap accounting; `steady_sensors::simulated::SensorPipeline`) → streaming gait
//! analysis (`GaitAnalyzer`) → a [`LiveSnapshot`] a UI polls.
//!
//! [`LivePipeline::push`] takes one notification; [`LivePipeline::snapshot`] is cheap and
//! can be called at any rate; [`LivePipeline::finish`] flushes the analysis. The analysis
//! half alone is [`LiveAnalysis`] (decoded samples in), for sources that decode elsewhere.

use std::collections::VecDeque;

use serde::Serialize;
use steady_analysis::gait::types::{EventKind, GaitEvent, Stride};
use steady_analysis::gait::{GaitAnalyzer, GaitOutput, GaitReport};
use steady_analysis::Subject;
use steady_core::{Gap, ImuSample, Micros, Placement};
use steady_sensors::clock::ClockConfig;
use steady_sensors::simulated::SensorPipeline;

/// How many seconds of signal the snapshot keeps per sensor.
pub const SIGNAL_WINDOW_S: f64 = 5.0;
/// How many recent gait events the snapshot keeps.
pub const RECENT_EVENTS: usize = 32;

/// Link state of one sensor as seen by the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorState {
    /// Nothing received yet.
    Waiting,
    /// Data arriving.
    Streaming,
    /// No data for more than 1 s (of host time).
    Stalled,
}

/// What the UI shows about one sensor.
#[derive(Debug, Clone, Serialize)]
pub struct SensorStatus {
    /// Where it sits.
    pub placement: Placement,
    /// Link state.
    pub state: SensorState,
    /// Nominal rate, Hz.
    pub nominal_rate_hz: f64,
    /// Received samples per second over the session so far.
    pub rate_hz: f64,
    /// Samples received.
    pub received: u64,
    /// Samples lost.
    pub lost: u64,
    /// Lost fraction, percent.
    pub loss_pct: f64,
    /// Received / expected.
    pub completeness: f64,
    /// Estimated host − device clock offset, ms (at the newest sample).
    pub clock_offset_ms: f64,
    /// Estimated device clock drift against the host, ppm.
    pub clock_drift_ppm: f64,
    /// Malformed notifications.
    pub malformed: u64,
    /// Battery percent, when the source reports it.
    pub battery_pct: Option<u8>,
    /// Gaps so far.
    pub gaps: Vec<Gap>,
}

/// Current live metrics (from strides finalised so far).
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveMetrics {
    /// Strides so far.
    pub n_strides: usize,
    /// Events so far.
    pub n_events: usize,
    /// Cadence from the last 10 strides, steps/min.
    pub cadence_spm: Option<f64>,
    /// Mean stance of the last strides, left and right, s.
    pub stance_s: [Option<f64>; 2],
}

/// Everything a UI needs at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSnapshot {
    /// Newest sample time on the session timeline.
    pub t: Micros,
    /// Per sensor, in the order given to [`LivePipeline::new`].
    pub sensors: Vec<SensorStatus>,
    /// The last [`SIGNAL_WINDOW_S`] seconds of samples per sensor (same order).
    pub signals: Vec<(Placement, Vec<ImuSample>)>,
    /// The most recent gait events (with side when known), oldest first.
    pub recent_events: Vec<GaitEvent>,
    /// Current metrics.
    pub metrics: LiveMetrics,
}

struct Slot {
    rx: SensorPipeline,
    last_arrival_host_us: Option<u64>,
    first_t: Option<Micros>,
    battery_pct: Option<u8>,
}

/// The analysis half of the live path: decoded samples (already on the session timeline) in,
/// streaming gait analysis, recent signals, events and live metrics out. Shared by the
/// notification-decoding [`LivePipeline`] and sources that decode elsewhere (the BLE
/// connection manager of `steady daemon`).
pub struct LiveAnalysis {
    placements: Vec<Placement>,
    signals: Vec<VecDeque<ImuSample>>,
    analyzer: Option<GaitAnalyzer>,
    events: VecDeque<GaitEvent>,
    strides: Vec<Stride>,
    n_events: usize,
    newest: Micros,
}

impl LiveAnalysis {
    /// An analysis of sensors `(placement, nominal rate)`; indices follow this list.
    pub fn new(sensors: &[(Placement, f64)], subject: Subject) -> Self {
        LiveAnalysis {
            placements: sensors.iter().map(|s| s.0).collect(),
            signals: sensors.iter().map(|_| VecDeque::new()).collect(),
            analyzer: Some(GaitAnalyzer::new(sensors, subject)),
            events: VecDeque::new(),
            strides: Vec::new(),
            n_events: 0,
            newest: Micros::ZERO,
        }
    }

    /// Feeds decoded samples of sensor `index` (time-ordered, session timeline).
    pub fn push(&mut self, index: usize, samples: &[ImuSample]) {
        let (Some(&placement), Some(signal)) =
            (self.placements.get(index), self.signals.get_mut(index))
        else {
            return;
        };
        let Some(last) = samples.last() else { return };
        let newest = last.t;
        self.newest = self.newest.max(newest);
        signal.extend(samples.iter().copied());
        let keep_from = newest + -(SIGNAL_WINDOW_S * 1e6) as i64;
        while signal.front().is_some_and(|s| s.t < keep_from) {
            signal.pop_front();
        }
        if let Some(a) = self.analyzer.as_mut() {
            if let Ok(outs) = a.push(placement, samples) {
                for o in outs {
                    match o {
                        GaitOutput::Event(e) => {
                            self.n_events += 1;
                            self.events.push_back(e);
                            if self.events.len() > RECENT_EVENTS {
                                self.events.pop_front();
                            }
                        }
                        GaitOutput::Stride(s) => self.strides.push(s),
                        GaitOutput::Bout(_) => {}
                    }
                }
            }
        }
    }

    /// Newest sample time seen.
    pub fn newest(&self) -> Micros {
        self.newest
    }

    /// The last [`SIGNAL_WINDOW_S`] seconds of samples per sensor.
    pub fn signals(&self) -> Vec<(Placement, Vec<ImuSample>)> {
        self.placements
            .iter()
            .zip(&self.signals)
            .map(|(p, s)| (*p, s.iter().copied().collect()))
            .collect()
    }

    /// The most recent gait events, oldest first.
    pub fn recent_events(&self) -> Vec<GaitEvent> {
        self.events.iter().copied().collect()
    }

    /// Current metrics from the strides so far.
    pub fn metrics(&self) -> LiveMetrics {
        let recent: Vec<&Stride> = self.strides.iter().rev().take(10).collect();
        let cadence_spm = if recent.len() >= 2 {
            let mean =
                recent.iter().map(|s| s.end_s - s.start_s).sum::<f64>() / recent.len() as f64;
            Some(120.0 / mean)
        } else {
            None
        };
        let stance = |side| {
            let v: Vec<f64> = recent
                .iter()
                .filter(|s| s.side == Some(side))
                .filter_map(|s| s.stance_s)
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        LiveMetrics {
            n_strides: self.strides.len(),
            n_events: self.n_events,
            cadence_spm,
            stance_s: [
                stance(steady_core::Side::Left),
                stance(steady_core::Side::Right),
            ],
        }
    }

    /// Flushes the analysis and returns the full gait report (once).
    pub fn finish(&mut self) -> Option<GaitReport> {
        self.analyzer.take().map(|a| a.finish())
    }
}

/// The live pipeline (no threads, no clock: arrival times come with the notifications):
/// per-sensor decode, clock sync and gap accounting, then [`LiveAnalysis`].
pub struct LivePipeline {
    slots: Vec<Slot>,
    analysis: LiveAnalysis,
    now_host_us: u64,
}

impl LivePipeline {
    /// A pipeline for sensors `(placement, nominal rate)`, session time zero at host time
    /// `origin_host_us`.
    pub fn new(sensors: &[(Placement, f64)], subject: Subject, origin_host_us: u64) -> Self {
        let clock = ClockConfig {
            session_origin_host_us: origin_host_us,
            ..ClockConfig::default()
        };
        LivePipeline {
            slots: sensors
                .iter()
                .map(|&(p, r)| Slot {
                    rx: SensorPipeline::new(p, r, clock),
                    last_arrival_host_us: None,
                    first_t: None,
                    battery_pct: None,
                })
                .collect(),
            analysis: LiveAnalysis::new(sensors, subject),
            now_host_us: origin_host_us,
        }
    }

    /// Handles one notification of sensor `index` (position in `new`'s list); returns the
    /// samples it produced (already fed to the analysis).
    pub fn push(&mut self, index: usize, bytes: &[u8], arrival_host_us: u64) -> Vec<ImuSample> {
        let Some(slot) = self.slots.get_mut(index) else {
            return Vec::new();
        };
        self.now_host_us = self.now_host_us.max(arrival_host_us);
        slot.last_arrival_host_us = Some(arrival_host_us);
        let samples = slot.rx.push(bytes, arrival_host_us);
        if let Some(first) = samples.first() {
            slot.first_t.get_or_insert(first.t);
            self.analysis.push(index, &samples);
        }
        samples
    }

    #[allow(dead_code)] // for sources that read the battery separately
    /// Sets a sensor’s battery level (from a status frame or a GATT battery read).
    pub fn set_battery(&mut self, index: usize, pct: u8) {
        if let Some(s) = self.slots.get_mut(index) {
            s.battery_pct = Some(pct);
        }
    }

    /// Per-sensor receive state (gaps, clock), e.g. for writing meta.json.
    pub fn receiver(&self, index: usize) -> Option<&SensorPipeline> {
        self.slots.get(index).map(|s| &s.rx)
    }

    /// The current state for a UI.
    pub fn snapshot(&self) -> LiveSnapshot {
        let sensors = self
            .slots
            .iter()
            .map(|s| {
                let g = &s.rx.gaps;
                let span_s = match (s.first_t, s.rx.last_t) {
                    (Some(a), Some(b)) if b > a => (b - a) as f64 * 1e-6,
                    _ => 0.0,
                };
                let state = match s.last_arrival_host_us {
                    None => SensorState::Waiting,
                    Some(t) if self.now_host_us.saturating_sub(t) > 1_000_000 => {
                        SensorState::Stalled
                    }
                    Some(_) => SensorState::Streaming,
                };
                let expected = g.received() + g.lost();
                SensorStatus {
                    placement: s.rx.placement,
                    state,
                    nominal_rate_hz: s.rx.rate_hz,
                    rate_hz: if span_s > 0.0 {
                        g.received() as f64 / span_s
                    } else {
                        0.0
                    },
                    received: g.received(),
                    lost: g.lost(),
                    loss_pct: if expected > 0 {
                        100.0 * g.lost() as f64 / expected as f64
                    } else {
                        0.0
                    },
                    completeness: g.completeness(),
                    clock_offset_ms: s.rx.clock.offset_us(0) * 1e-3,
                    clock_drift_ppm: s.rx.clock.drift_ppm(),
                    malformed: s.rx.malformed,
                    battery_pct: s.battery_pct,
                    gaps: g.gaps().to_vec(),
                }
            })
            .collect();
        LiveSnapshot {
            t: self.analysis.newest(),
            sensors,
            signals: self.analysis.signals(),
            recent_events: self.analysis.recent_events(),
            metrics: self.analysis.metrics(),
        }
    }

    /// Flushes the analysis and returns the full gait report.
    pub fn finish(&mut self) -> Option<GaitReport> {
        self.analysis.finish()
    }
}

/// Counts initial and final contacts of a report.
pub fn count_events(events: &[GaitEvent]) -> (usize, usize) {
    let ic = events
        .iter()
        .filter(|e| e.kind == EventKind::InitialContact)
        .count();
    (ic, events.len() - ic)
}
