//! The daemon's subscription stream (`tick` lines, see `src/daemon/PROTOCOL.md`) turned into
//! the dashboard model: sensor rows, signal traces, the stance/swing timeline per leg and the
//! live gait metrics; and [`LiveGuides`], the guided tests of the "Other" screen run on the
//! samples of the ticks. Pure: ticks in, [`DashboardModel`] out; no socket, no clock.

use super::guided::GuideSet;
use serde::Deserialize;
use std::collections::BTreeMap;
use steady_analysis::gait::types::{EventKind, GaitEvent};
use steady_analysis::Subject;
use steady_balance::protocol::{
    EndReason as SlsEndReason, ProtocolConfig, SlsProtocol, Step as SlsStep,
};
use steady_balance::sls::EndedBy;
use steady_core::{ImuSample, Micros, Placement, Side};
use steady_dashboard::model::{
    AsymmetryGauge, BalancePhase, BalanceView, DashboardModel, EndReason as BalanceEnd, GaitLive,
    GuidedTestView, LegTimeline, SensorRow, SensorState, SignalTrace, TrialResult,
};

/// Seconds of signal kept for the charts.
pub const TRACE_S: f64 = 6.0;
/// Seconds of gait events kept for the timeline.
const EVENTS_S: f64 = 12.0;
/// A sensor stalled this long (daemon time) is shown as lost.
pub const LOST_AFTER_S: f64 = 3.0;
/// The daemon decimates the samples of a tick by this factor (`src/daemon/PROTOCOL.md`).
pub const TICK_DECIMATION: f64 = 4.0;

/// One `tick` message of the subscription.
#[derive(Debug, Clone, Deserialize)]
pub struct Tick {
    /// The daemon's status (as in the `status` response).
    pub status: Status,
    /// Recent gait events, daemon timeline.
    #[serde(default)]
    pub recent_events: Vec<GaitEvent>,
    /// Decimated samples since the previous tick, per sensor.
    #[serde(default)]
    pub samples: Vec<TickSamples>,
}

/// The daemon's status.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    /// Sensor source (`simulated`, `ble`).
    #[serde(default)]
    pub source: String,
    /// Daemon timeline, s.
    #[serde(default)]
    pub t_s: f64,
    /// Per sensor.
    #[serde(default)]
    pub sensors: Vec<SensorJson>,
    /// Supported sensors nearby that are not registered.
    #[serde(default)]
    pub nearby: Vec<NearbyJson>,
    /// A message about the daemon's sensor source (e.g. no sensor registered).
    #[serde(default)]
    pub notice: Option<String>,
    /// Live metrics.
    #[serde(default)]
    pub metrics: MetricsJson,
    /// The session being recorded.
    #[serde(default)]
    pub session: Option<SessionJson>,
}

/// One sensor of the status.
#[derive(Debug, Clone, Deserialize)]
pub struct SensorJson {
    /// Where it sits.
    pub placement: Placement,
    /// `waiting`, `connecting`, `streaming`, `stalled`, `reconnecting` or `lost`.
    pub state: String,
    /// Device address (absent from older daemons).
    #[serde(default)]
    pub address: Option<String>,
    /// Sensor family.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Advertised name.
    #[serde(default)]
    pub name: Option<String>,
    /// Signal strength, dBm.
    #[serde(default)]
    pub rssi_dbm: Option<i16>,
    /// Measured rate, Hz.
    #[serde(default)]
    pub rate_hz: f64,
    /// Lost, percent.
    #[serde(default)]
    pub loss_pct: f64,
    /// Received / expected, 0..1.
    #[serde(default)]
    pub completeness: f64,
    /// Host − device clock offset, ms.
    #[serde(default)]
    pub clock_offset_ms: Option<f64>,
    /// Battery, percent.
    #[serde(default)]
    pub battery_pct: Option<u8>,
}

/// A nearby, unregistered sensor of the status.
#[derive(Debug, Clone, Deserialize)]
pub struct NearbyJson {
    /// Device address.
    pub address: String,
    /// Sensor family.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Advertised name.
    #[serde(default)]
    pub name: Option<String>,
    /// Signal strength, dBm.
    #[serde(default)]
    pub rssi_dbm: Option<i16>,
}

/// Live metrics of the status.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricsJson {
    /// Strides so far.
    #[serde(default)]
    pub n_strides: u32,
    /// Cadence, steps/min.
    #[serde(default)]
    pub cadence_spm: Option<f64>,
    /// Mean stance, s, (left, right).
    #[serde(default)]
    pub stance_s: [Option<f64>; 2],
}

/// The session being recorded.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionJson {
    /// Session id.
    pub id: i64,
    /// Patient pseudonym.
    pub patient: String,
    /// Test name.
    pub test: String,
    /// Seconds recorded.
    #[serde(default)]
    pub elapsed_s: f64,
    /// Samples committed to the store.
    #[serde(default)]
    pub committed_samples: u64,
    /// The last write error, if any.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// Decimated samples of one sensor.
#[derive(Debug, Clone, Deserialize)]
pub struct TickSamples {
    /// Where it sits.
    pub placement: Placement,
    /// `[t_s, acc x, y, z (m/s²), gyr x, y, z (deg/s)]`.
    pub samples: Vec<[f64; 7]>,
}

/// Parses one stream line; `None` for lines that are not ticks.
pub fn parse_tick(line: &str) -> Result<Option<Tick>, serde_json::Error> {
    let v: serde_json::Value = serde_json::from_str(line)?;
    if v["type"] != "tick" {
        return Ok(None);
    }
    serde_json::from_value(v).map(Some)
}

/// What is plotted for a placement: vertical acceleration at the back, sagittal angular
/// velocity at the legs (the same choice as `steady demo`).
fn trace_value(p: Placement, s: &[f64; 7]) -> f64 {
    match p {
        Placement::LowerBack => s[1],
        _ => s[6],
    }
}

fn trace_label(p: Placement) -> &'static str {
    match p {
        Placement::LowerBack => "acc vertical, m/s²",
        _ => "gyro sagittal, deg/s",
    }
}

/// The accumulated view of the stream.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    last: Option<Status>,
    traces: BTreeMap<Placement, Vec<(f64, f64)>>,
    events: Vec<GaitEvent>,
    stalled_since: BTreeMap<Placement, f64>,
    /// Row id per device address, given on first sight (stable while the dashboard runs).
    ids: BTreeMap<String, u16>,
    ticks: u64,
}

/// The address tail shown as a name when a device has none.
fn short_name(address: &str) -> String {
    let tail: Vec<&str> = address.rsplit(':').take(2).collect();
    format!("…{}", tail.into_iter().rev().collect::<Vec<_>>().join(":"))
}

impl Feed {
    /// An empty feed.
    pub fn new() -> Feed {
        Feed::default()
    }

    /// Ticks applied so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// The session the daemon is recording, if any.
    pub fn session(&self) -> Option<&SessionJson> {
        self.last.as_ref().and_then(|s| s.session.as_ref())
    }

    /// The daemon's message about its sensor source, if any.
    pub fn notice(&self) -> Option<&str> {
        self.last.as_ref().and_then(|s| s.notice.as_deref())
    }

    /// The device address of sensor row `id` (registered or nearby), if known.
    pub fn address(&self, id: u16) -> Option<&str> {
        self.ids
            .iter()
            .find(|(_, v)| **v == id)
            .map(|(a, _)| a.as_str())
    }

    /// The placement `p` on the Sensors screen assigns to row `id`: the next placement in
    /// [`Placement::ALL`] order after its current one that no other registered sensor holds.
    pub fn next_placement(&self, id: u16) -> Result<(String, Placement), String> {
        let address = self
            .address(id)
            .ok_or("this sensor has no address; it cannot be assigned")?
            .to_string();
        let st = self.last.as_ref().ok_or("no update from the daemon yet")?;
        let current = st
            .sensors
            .iter()
            .find(|s| s.address.as_deref() == Some(address.as_str()))
            .map(|s| s.placement);
        // Every registered sensor's placement, this one's included: a new one is wanted.
        let taken: Vec<Placement> = st.sensors.iter().map(|s| s.placement).collect();
        Placement::next_free(current, &taken)
            .map(|p| (address, p))
            .ok_or_else(|| "every other placement is taken".to_string())
    }

    fn id_for(&mut self, address: &str) -> u16 {
        let next = self.ids.len() as u16;
        *self.ids.entry(address.to_string()).or_insert(next)
    }

    /// Applies one tick.
    pub fn apply(&mut self, tick: Tick) {
        let now = tick.status.t_s;
        for a in tick
            .status
            .sensors
            .iter()
            .filter_map(|s| s.address.as_deref())
            .chain(tick.status.nearby.iter().map(|n| n.address.as_str()))
        {
            self.id_for(a);
        }
        for ts in &tick.samples {
            let tr = self.traces.entry(ts.placement).or_default();
            // A new simulation lap or a daemon restart steps the clock back: start over.
            if ts
                .samples
                .first()
                .is_some_and(|s| tr.last().is_some_and(|(t, _)| s[0] < *t - 1.0))
            {
                tr.clear();
            }
            tr.extend(
                ts.samples
                    .iter()
                    .map(|s| (s[0], trace_value(ts.placement, s))),
            );
            let cut = tr.partition_point(|(t, _)| *t < now - TRACE_S);
            tr.drain(..cut);
        }
        let newest = self.events.last().map_or(f64::NEG_INFINITY, |e| e.t_s);
        if tick
            .recent_events
            .last()
            .is_some_and(|e| e.t_s < newest - 1.0)
        {
            self.events.clear();
        }
        let newest = self.events.last().map_or(f64::NEG_INFINITY, |e| e.t_s);
        self.events
            .extend(tick.recent_events.iter().filter(|e| e.t_s > newest));
        self.events.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        let cut = self.events.partition_point(|e| e.t_s < now - EVENTS_S);
        self.events.drain(..cut);
        for s in &tick.status.sensors {
            if s.state == "stalled" {
                self.stalled_since.entry(s.placement).or_insert(now);
            } else {
                self.stalled_since.remove(&s.placement);
            }
        }
        self.last = Some(tick.status);
        self.ticks += 1;
    }

    fn sensor_rows(&self, st: &Status) -> Vec<SensorRow> {
        let source = if st.source.is_empty() {
            "daemon"
        } else {
            st.source.as_str()
        };
        let mut rows: Vec<SensorRow> = st
            .sensors
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let state = match s.state.as_str() {
                    "streaming" => SensorState::Streaming,
                    "stalled" => {
                        let since = self.stalled_since.get(&s.placement).copied();
                        if since.is_some_and(|t0| st.t_s - t0 >= LOST_AFTER_S) {
                            SensorState::Lost
                        } else {
                            SensorState::Stalled
                        }
                    }
                    "reconnecting" => SensorState::Reconnecting,
                    "lost" => SensorState::Lost,
                    _ => SensorState::Connecting,
                };
                let id = s.address.as_ref().and_then(|a| self.ids.get(a).copied());
                SensorRow {
                    id: id.unwrap_or(i as u16),
                    name: match (&s.name, &s.address) {
                        (Some(n), _) => n.clone(),
                        (None, Some(a)) => short_name(a),
                        (None, None) => format!("{}-{}", &source[..source.len().min(3)], i + 1),
                    },
                    placement: Some(s.placement),
                    vendor: s.vendor.clone().unwrap_or_else(|| source.to_string()),
                    state,
                    battery_pct: s.battery_pct,
                    rssi_dbm: s.rssi_dbm,
                    rate_hz: s.rate_hz,
                    loss_pct: s.loss_pct,
                    clock_offset_ms: s.clock_offset_ms,
                }
            })
            .collect();
        rows.extend(st.nearby.iter().map(|n| SensorRow {
            id: self.ids.get(&n.address).copied().unwrap_or(u16::MAX),
            name: n.name.clone().unwrap_or_else(|| short_name(&n.address)),
            placement: None,
            vendor: n.vendor.clone().unwrap_or_default(),
            state: SensorState::Discovered,
            battery_pct: None,
            rssi_dbm: n.rssi_dbm,
            rate_hz: 0.0,
            loss_pct: 0.0,
            clock_offset_ms: None,
        }));
        rows
    }

    fn legs(&self) -> Vec<LegTimeline> {
        Side::BOTH
            .iter()
            .map(|&side| {
                let contacts = self
                    .events
                    .iter()
                    .filter(|e| e.side == Some(side) && e.kind == EventKind::InitialContact)
                    .count() as u32;
                LegTimeline::from_events(side, &self.events, contacts.saturating_sub(1))
            })
            .collect()
    }

    /// Mean time between initial contacts of one leg in the kept events, s.
    fn stride_s(&self, side: Side) -> Option<f64> {
        let ic: Vec<f64> = self
            .events
            .iter()
            .filter(|e| e.side == Some(side) && e.kind == EventKind::InitialContact)
            .map(|e| e.t_s)
            .collect();
        (ic.len() >= 2).then(|| (ic[ic.len() - 1] - ic[0]) / (ic.len() - 1) as f64)
    }

    fn gait(&self, st: &Status) -> GaitLive {
        let m = &st.metrics;
        let stride = [self.stride_s(Side::Left), self.stride_s(Side::Right)];
        let stance_pct = [0, 1].map(|i| match (m.stance_s[i], stride[i]) {
            (Some(st), Some(sd)) if sd > 0.0 => Some(100.0 * st / sd),
            _ => None,
        });
        // Single support of one leg = swing of the other leg.
        let single_support_s = [1, 0].map(|other| match (m.stance_s[other], stride[other]) {
            (Some(st), Some(sd)) if sd > st => Some(sd - st),
            _ => None,
        });
        let mut asymmetry = Vec::new();
        if let [Some(l), Some(r)] = m.stance_s {
            if l > 0.0 && r > 0.0 {
                asymmetry.push(AsymmetryGauge {
                    name: "stance".into(),
                    value_pct: 100.0 * (l.max(r) / l.min(r) - 1.0),
                    normal_max_pct: steady_balance::fall_risk::STANCE_ASYMMETRY_PCT,
                });
            }
        }
        let comp: Vec<f64> = st.sensors.iter().map(|s| s.completeness).collect();
        GaitLive {
            recording: st.session.is_some(),
            elapsed_s: st.session.as_ref().map_or(0.0, |s| s.elapsed_s),
            cadence_spm: m.cadence_spm,
            speed_mps: None,
            stance_pct,
            single_support_s,
            asymmetry,
            stride_count: m.n_strides,
            completeness_pct: if comp.is_empty() {
                0.0
            } else {
                100.0 * comp.iter().sum::<f64>() / comp.len() as f64
            },
            result: None,
        }
    }

    /// The live part of the dashboard model (summary, history, status and alert are the
    /// caller's).
    pub fn model(&self) -> DashboardModel {
        let Some(st) = &self.last else {
            return DashboardModel {
                status: Some("waiting for the daemon's first update…".into()),
                ..DashboardModel::default()
            };
        };
        let traces = st
            .sensors
            .iter()
            .map(|s| SignalTrace {
                placement: Some(s.placement),
                label: trace_label(s.placement).into(),
                points: self.traces.get(&s.placement).cloned().unwrap_or_default(),
            })
            .collect();
        DashboardModel {
            now_s: st.t_s,
            patient: st.session.as_ref().map(|s| s.patient.clone()),
            sensors: self.sensor_rows(st),
            traces,
            legs: self.legs(),
            gait: self.gait(st),
            ..DashboardModel::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tick(t_s: f64, states: [&str; 3], events: serde_json::Value) -> Tick {
        let placements = ["lower_back", "left_shank", "right_shank"];
        let sensors: Vec<_> = placements
            .iter()
            .zip(states)
            .map(|(p, s)| {
                json!({"placement": p, "state": s, "nominal_rate_hz": 100.0, "rate_hz": 99.5,
                       "received": 100, "lost": 1, "loss_pct": 1.0, "completeness": 0.99,
                       "clock_offset_ms": 2.5, "clock_drift_ppm": 0.0, "malformed": 0,
                       "battery_pct": 80, "gaps": []})
            })
            .collect();
        let samples: Vec<_> = placements
            .iter()
            .map(|p| {
                let pts: Vec<_> = (0..25)
                    .map(|k| {
                        let t = t_s - 1.0 + k as f64 / 25.0;
                        json!([t, 9.8 + t, 0.0, 0.0, 0.0, 0.0, 100.0 * t])
                    })
                    .collect();
                json!({"placement": p, "samples": pts})
            })
            .collect();
        let line = json!({
            "type": "tick",
            "status": {"pid": 7, "source": "simulated", "speed": 1.0, "uptime_s": t_s, "t_s": t_s,
                       "sensors": sensors,
                       "metrics": {"n_strides": 4, "n_events": 9, "cadence_spm": 110.0,
                                   "stance_s": [0.66, 0.60]},
                       "session": {"id": 3, "patient": "P1", "test": "walk", "elapsed_s": 5.0,
                                   "samples": 10, "committed_samples": 8, "last_error": null}},
            "recent_events": events,
            "samples": samples,
        })
        .to_string();
        parse_tick(&line).unwrap().unwrap()
    }

    fn ev(kind: &str, side: &str, t: f64) -> serde_json::Value {
        json!({"kind": kind, "side": side, "t_s": t})
    }

    #[test]
    fn ticks_become_sensor_rows_traces_timeline_and_metrics() {
        let mut f = Feed::new();
        assert!(parse_tick(r#"{"ok":true}"#).unwrap().is_none());
        let events = json!([
            ev("initial_contact", "left", 1.0),
            ev("initial_contact", "right", 1.55),
            ev("final_contact", "left", 1.66),
            ev("initial_contact", "left", 2.1),
            ev("final_contact", "right", 2.15),
            ev("initial_contact", "right", 2.65),
            ev("final_contact", "left", 2.76),
            ev("initial_contact", "left", 3.2),
        ]);
        f.apply(tick(4.0, ["streaming"; 3], events.clone()));
        // The same events again in the next tick are not duplicated.
        f.apply(tick(5.0, ["streaming"; 3], events));
        let m = f.model();
        assert_eq!(m.now_s, 5.0);
        assert_eq!(m.patient.as_deref(), Some("P1"));
        assert_eq!(m.sensors.len(), 3);
        let r = &m.sensors[2];
        assert_eq!(r.placement, Some(Placement::RightShank));
        assert_eq!(r.state, SensorState::Streaming);
        assert_eq!(
            (r.rate_hz, r.loss_pct, r.clock_offset_ms, r.battery_pct),
            (99.5, 1.0, Some(2.5), Some(80))
        );
        // Two ticks of 25 samples each, all within the 6 s window; lower back plots acc x (vertical).
        assert_eq!(m.traces[0].points.len(), 50);
        assert!((m.traces[0].points[0].1 - (9.8 + 3.0)).abs() < 1e-9);
        assert!((m.traces[1].points[0].1 - 300.0).abs() < 1e-9);
        let left = &m.legs[0];
        assert_eq!(left.side, Side::Left);
        assert_eq!(left.bars.len(), 4);
        assert!(left.bars[0].stance && !left.bars[1].stance);
        assert_eq!(left.strides, 2);
        // Stride left (3.2 − 1.0)/2 = 1.1 s, stance 0.66 s → 60 %.
        assert!((m.gait.stance_pct[0].unwrap() - 60.0).abs() < 1e-9);
        // Single support left = swing right = 1.1 − 0.60 = 0.50 s.
        assert!((m.gait.single_support_s[0].unwrap() - 0.5).abs() < 1e-9);
        assert!(m.gait.recording);
        assert_eq!(m.gait.stride_count, 4);
        assert!((m.gait.completeness_pct - 99.0).abs() < 1e-9);
        // Stance 0.66 vs 0.60: 10 % asymmetry, beyond the 5 % limit.
        assert!((m.gait.asymmetry[0].value_pct - 10.0).abs() < 1e-6);
    }

    #[test]
    fn a_stalled_sensor_turns_lost_and_recovers() {
        let mut f = Feed::new();
        f.apply(tick(10.0, ["streaming", "streaming", "stalled"], json!([])));
        assert_eq!(f.model().sensors[2].state, SensorState::Stalled);
        f.apply(tick(12.0, ["streaming", "streaming", "stalled"], json!([])));
        assert_eq!(f.model().sensors[2].state, SensorState::Stalled);
        f.apply(tick(13.0, ["streaming", "streaming", "stalled"], json!([])));
        assert_eq!(f.model().sensors[2].state, SensorState::Lost);
        f.apply(tick(14.0, ["streaming"; 3], json!([])));
        assert_eq!(f.model().sensors[2].state, SensorState::Streaming);
    }

    #[test]
    fn registered_and_nearby_sensors_become_rows_with_stable_ids_and_free_placements() {
        let line = |nearby: serde_json::Value, state: &str| {
            json!({"type": "tick", "status": {"source": "ble", "t_s": 3.0,
                "notice": null,
                "sensors": [
                    {"placement": "lower_back", "state": state, "address": "C5:7E:AD:00:40:01",
                     "vendor": "steady", "name": "steady-2001", "rssi_dbm": -58, "rate_hz": 99.0,
                     "loss_pct": 0.5, "clock_offset_ms": 12.0, "battery_pct": 77},
                    {"placement": "left_shank", "state": "lost", "address": "E1:0A:00:00:30:02",
                     "vendor": "witmotion", "rate_hz": 0.0}],
                "nearby": nearby}})
            .to_string()
        };
        let mut f = Feed::new();
        f.apply(
            parse_tick(&line(
                json!([{"address": "E9:7B:00:00:40:03", "vendor": "thingy52", "name": "Thingy",
                        "rssi_dbm": -70}]),
                "reconnecting",
            ))
            .unwrap()
            .unwrap(),
        );
        let rows = f.model().sensors;
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (
                rows[0].name.as_str(),
                rows[0].vendor.as_str(),
                rows[0].state
            ),
            ("steady-2001", "steady", SensorState::Reconnecting)
        );
        assert_eq!(
            (rows[0].rssi_dbm, rows[0].battery_pct),
            (Some(-58), Some(77))
        );
        assert_eq!(rows[1].state, SensorState::Lost);
        assert_eq!(rows[1].name, "…30:02", "address tail without a name");
        let near = &rows[2];
        assert_eq!(near.state, SensorState::Discovered);
        assert_eq!(near.placement, None);
        assert_eq!(
            (near.vendor.as_str(), near.rssi_dbm),
            ("thingy52", Some(-70))
        );
        assert_eq!(f.address(near.id), Some("E9:7B:00:00:40:03"));
        // The nearby sensor's first free placement skips the two taken ones.
        assert_eq!(
            f.next_placement(near.id),
            Ok(("E9:7B:00:00:40:03".into(), Placement::LeftFoot))
        );
        // A registered sensor cycles to the next placement nobody else holds.
        assert_eq!(f.next_placement(rows[0].id).unwrap().1, Placement::LeftFoot);
        assert_eq!(
            f.next_placement(rows[1].id).unwrap().1,
            Placement::RightShank
        );
        // Once assigned, the same device keeps its id as a registered row.
        let id = near.id;
        let mut second = parse_tick(&line(json!([]), "streaming")).unwrap().unwrap();
        second.status.sensors.push(SensorJson {
            placement: Placement::LeftFoot,
            state: "connecting".into(),
            address: Some("E9:7B:00:00:40:03".into()),
            vendor: Some("thingy52".into()),
            name: None,
            rssi_dbm: None,
            rate_hz: 0.0,
            loss_pct: 0.0,
            completeness: 1.0,
            clock_offset_ms: None,
            battery_pct: None,
        });
        f.apply(second);
        let rows = f.model().sensors;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].id, id);
        assert_eq!(rows[2].placement, Some(Placement::LeftFoot));
        assert_eq!(rows[0].state, SensorState::Streaming);
    }

    #[test]
    fn before_the_first_tick_the_model_says_it_waits() {
        let m = Feed::new().model();
        assert!(m.status.unwrap().contains("waiting"));
        assert!(m.sensors.is_empty());
    }
}

/// The guided tests of the "Other" screen (4-stage, TUG, chair stand) run by the dashboard
/// itself on the live samples of the ticks (the TUG's current phase included, provisional):
/// the daemon guides nothing, it streams. The samples
/// are the daemon's display stream — decimated by [`TICK_DECIMATION`] (25 Hz from 100 Hz) and
/// one tick per second — so timers advance in 1 s steps, a test ends up to a second after
/// the movement, and the guides' detectors run at the decimated rate. The samples the daemon
/// records are complete; `steady analyze` of the stored session is the full-rate result.
#[derive(Debug, Clone, Default)]
pub struct LiveGuides {
    set: Option<GuideSet>,
    subject: Subject,
    now_s: f64,
}

impl LiveGuides {
    /// No guides yet: they are made for the sensors of the first tick.
    pub fn new(subject: Subject) -> LiveGuides {
        LiveGuides {
            set: None,
            subject,
            now_s: 0.0,
        }
    }

    /// Feeds one tick (after [`Feed::apply`]); `lost` are the sensors now shown as lost.
    pub fn apply(&mut self, tick: &Tick, lost: &[Placement]) {
        self.now_s = self.now_s.max(tick.status.t_s);
        let subject = self.subject;
        let set = self.set.get_or_insert_with(|| {
            let sensors: Vec<(Placement, f64)> = tick
                .status
                .sensors
                .iter()
                .map(|s| {
                    let hz = if s.rate_hz > 0.0 { s.rate_hz } else { 100.0 };
                    (s.placement, hz / TICK_DECIMATION)
                })
                .collect();
            GuideSet::new(&sensors, subject)
        });
        for ts in &tick.samples {
            let x: Vec<ImuSample> = ts.samples.iter().map(sample_of).collect();
            set.push(ts.placement, &x);
        }
        for &p in lost {
            set.guide_mut().sensor_lost(p, self.now_s);
        }
        set.guide_mut().tick(self.now_s);
    }

    /// What the "Other" screen shows (`None` before the first tick).
    pub fn view(&self) -> Option<GuidedTestView> {
        self.set.as_ref().map(|s| s.guide().view(self.now_s))
    }

    /// Space: start the current test (or its next stage); on a finished test, the next test.
    pub fn advance(&mut self) {
        let now = self.now_s;
        if let Some(set) = self.set.as_mut() {
            if set.guide().finished() {
                set.next(now);
            } else {
                set.guide_mut().advance(now);
            }
        }
    }

    /// s: the clinician stops the current test.
    pub fn stop(&mut self) {
        let now = self.now_s;
        if let Some(set) = self.set.as_mut() {
            set.guide_mut().stop(now);
        }
    }

    /// n: the next test; `false` after the last one.
    pub fn next(&mut self) -> bool {
        let now = self.now_s;
        self.set.as_mut().is_some_and(|s| s.next(now))
    }
}

/// The guided single-leg stance test (screen 3) when attached to the daemon: steady_balance's
/// [`SlsProtocol`] run on the ticks' samples (merged in time order across sensors), with the
/// same limits as [`LiveGuides`] (25 Hz samples, 1 s steps). The sway trace is
/// steady_balance's own ([`SlsProtocol::sway_trace`], the window the trial's sway metrics use)
/// computed at the stream's 25 Hz: it grows by a second's worth at each tick (jumpy, not
/// smooth), and as it is low-passed zero-lag and mean-removed over the hold so far, its last
/// fraction of a second settles at the next tick. The ended trial's trace stays until the next
/// trial's countdown.
#[derive(Debug, Clone, Default)]
pub struct LiveSls {
    /// The protocol's settings (trials per side, time limit, order).
    config: ProtocolConfig,
    protocol: Option<SlsProtocol>,
    /// Why the test cannot run with the sensors worn (no leg or lower-back sensor).
    unavailable: Option<String>,
    now_s: f64,
    /// The sway trace of the current (or the just ended) hold, (ML, AP) mm.
    sway_mm: Vec<(f64, f64)>,
}

impl LiveSls {
    /// Feeds one tick.
    pub fn apply(&mut self, tick: &Tick) {
        self.now_s = self.now_s.max(tick.status.t_s);
        if self.protocol.is_none() && self.unavailable.is_none() {
            let placements: Vec<Placement> =
                tick.status.sensors.iter().map(|s| s.placement).collect();
            match SlsProtocol::new(self.config.clone(), &placements) {
                Ok(p) => self.protocol = Some(p),
                Err(e) => self.unavailable = Some(format!("single-leg stance: {e}")),
            }
        }
        let Some(p) = self.protocol.as_mut() else {
            return;
        };
        let mut merged: Vec<(Placement, ImuSample)> = tick
            .samples
            .iter()
            .flat_map(|ts| ts.samples.iter().map(move |v| (ts.placement, sample_of(v))))
            .collect();
        merged.sort_by_key(|(_, x)| x.t);
        for (placement, x) in &merged {
            p.push(*placement, x);
        }
        p.tick(self.now_s);
        match p.step() {
            SlsStep::Ready | SlsStep::Instruct { .. } | SlsStep::Countdown { .. } => {
                self.sway_mm.clear();
            }
            _ => {
                if let Some(tr) = p.sway_trace() {
                    self.sway_mm = tr.tilt_mm();
                }
            }
        }
    }

    /// Space: start, confirm the patient is ready, or end the rest.
    pub fn advance(&mut self) -> Option<String> {
        let now = self.now_s;
        let Some(p) = self.protocol.as_mut() else {
            return self.unavailable.clone();
        };
        match p.step() {
            SlsStep::Ready => {
                p.start(now);
            }
            SlsStep::Instruct { .. } => {
                p.confirm(now);
            }
            SlsStep::Rest { .. } => {
                p.skip_rest(now);
            }
            _ => {}
        }
        None
    }

    /// s: the clinician stops the trial.
    pub fn stop(&mut self) {
        let now = self.now_s;
        if let Some(p) = self.protocol.as_mut() {
            p.operator_stop(now);
        }
    }

    /// What the balance screen shows (`None` before the first tick or without the sensors).
    pub fn view(&self) -> Option<BalanceView> {
        let p = self.protocol.as_ref()?;
        let cfg = &self.config;
        let reason = |why: &SlsEndReason| match why {
            SlsEndReason::Detected(EndedBy::TouchDown) => BalanceEnd::FootDown,
            SlsEndReason::Detected(EndedBy::Hop) => BalanceEnd::Hop,
            SlsEndReason::Detected(EndedBy::TimeLimit) => BalanceEnd::TimeLimit,
            SlsEndReason::Operator | SlsEndReason::NoLiftOff => BalanceEnd::Stopped,
        };
        let (phase, lift, trial) = match p.step() {
            SlsStep::Ready => (BalancePhase::Ready, None, 1),
            SlsStep::Instruct { lift, trial } => (BalancePhase::Lift, Some(*lift), *trial),
            SlsStep::Countdown {
                lift,
                trial,
                remaining_s,
            } => (
                BalancePhase::Countdown {
                    remaining_s: *remaining_s,
                },
                Some(*lift),
                *trial,
            ),
            SlsStep::Holding {
                lift,
                trial,
                elapsed_s,
                ..
            } => (
                BalancePhase::Holding {
                    elapsed_s: *elapsed_s,
                },
                Some(*lift),
                *trial,
            ),
            SlsStep::Ended {
                lift,
                trial,
                hold_s,
                why,
            } => (
                BalancePhase::Ended {
                    held_s: *hold_s,
                    reason: reason(why),
                },
                Some(*lift),
                *trial,
            ),
            SlsStep::Rest { remaining_s } => (
                BalancePhase::Rest {
                    remaining_s: *remaining_s,
                },
                None,
                0,
            ),
            SlsStep::Summary => (BalancePhase::Summary, None, 0),
        };
        let last = p.trials().last();
        Some(BalanceView {
            phase,
            stance: lift
                .or(last.map(|t| t.lift))
                .or(cfg.lift_order.first().copied())
                .map(Side::opposite),
            trial: u8::try_from(trial.max(1)).unwrap_or(u8::MAX),
            trials_per_side: u8::try_from(cfg.trials_per_side).unwrap_or(u8::MAX),
            time_limit_s: cfg.detector.max_hold_s,
            sway_mm: self.sway_mm.clone(),
            results: p
                .trials()
                .iter()
                .map(|t| TrialResult {
                    stance: t.lift.opposite(),
                    held_s: t.hold_s,
                    reason: reason(&t.why),
                    sway_rms_mm: t
                        .result
                        .as_ref()
                        .and_then(|r| r.sway.as_ref())
                        .map(|m| m.tilt_rms_mm()),
                })
                .collect(),
            norm: None,
        })
    }
}

fn sample_of(v: &[f64; 7]) -> ImuSample {
    ImuSample {
        t: Micros((v[0] * 1e6).round() as i64),
        acc_mps2: [v[1], v[2], v[3]],
        gyr_dps: [v[4], v[5], v[6]],
    }
}

#[cfg(test)]
mod live_guide_tests {
    use super::*;
    use serde_json::json;
    use steady_sim::{simulate, ChairStandParams, Scenario, SensorConfig, Simulation, TugParams};

    /// The daemon's ticks of a simulated recording: one per second, samples decimated by 4
    /// as the daemon does (block means).
    fn ticks(s: &Simulation) -> Vec<Tick> {
        let end = s.streams[0].1.last().unwrap().t_s();
        let mut out = Vec::new();
        let mut t = 1.0;
        while t < end + 1.0 {
            let samples: Vec<_> = s
                .streams
                .iter()
                .map(|(p, x)| {
                    // The daemon's decimation: block means of 4 (frames of 4 samples).
                    let second: Vec<ImuSample> = x
                        .iter()
                        .filter(|smp| smp.t_s() >= t - 1.0 && smp.t_s() < t)
                        .copied()
                        .collect();
                    let v: Vec<[f64; 7]> = steady_analysis::dsp::block_mean(&second, 4)
                        .iter()
                        .map(|m| {
                            let (a, g) = (m.acc_mps2, m.gyr_dps);
                            [m.t_s(), a[0], a[1], a[2], g[0], g[1], g[2]]
                        })
                        .collect();
                    json!({"placement": p, "samples": v})
                })
                .collect();
            let sensors: Vec<_> = s
                .streams
                .iter()
                .map(|(p, _)| json!({"placement": p, "state": "streaming", "rate_hz": s.rate_hz}))
                .collect();
            let line = json!({"type": "tick", "status": {"t_s": t, "sensors": sensors},
                "samples": samples})
            .to_string();
            out.push(parse_tick(&line).unwrap().unwrap());
            t += 1.0;
        }
        out
    }

    /// Plays the ticks; Space at the first tick at or after `space_s`. Returns the hint line
    /// shown after each tick.
    fn play(g: &mut LiveGuides, ticks: &[Tick], space_s: f64) -> Vec<String> {
        let mut pressed = false;
        let mut shown = Vec::new();
        for t in ticks {
            g.apply(t, &[]);
            if !pressed && t.status.t_s >= space_s {
                g.advance();
                pressed = true;
            }
            shown.extend(g.view().and_then(|v| v.result));
        }
        shown
    }

    #[test]
    fn attached_dashboard_runs_the_tug_and_the_chair_stand_on_the_daemons_ticks() {
        let s = simulate(
            &Scenario::new()
                .stand(3.0)
                .tug(TugParams::default())
                .stand(2.0),
            &SensorConfig::default(),
            41,
        );
        let truth = &s.truth.tugs[0];
        let mut g = LiveGuides::new(Subject::default());
        g.apply(&ticks(&s)[0], &[]);
        assert!(g.view().unwrap().result.unwrap().contains("Space to start"));
        assert!(g.next(), "n: on to the TUG");
        let mut g2 = g.clone();
        // Space one tick before the patient starts sitting down (the countdown covers it).
        let shown = play(&mut g, &ticks(&s), truth.start_s - 4.5);
        // The phases live, from the 25 Hz ticks (a short turn may fall between two ticks).
        for word in ["WALK OUT", "WALK BACK", "TURN TO SIT"] {
            let want = format!("now: {word} (provisional)");
            assert!(shown.iter().any(|l| l.contains(&want)), "{want}: {shown:?}");
        }
        let v = g.view().unwrap();
        assert_eq!(
            v.ended.as_deref(),
            Some("seated again — test over"),
            "{v:?}"
        );
        let total = v.elapsed_s;
        let want = truth.end_s - truth.start_s;
        assert!((total - want).abs() < 0.5, "TUG {total} vs truth {want}");
        assert!(v.verdict.is_some());

        // The chair stand, after n from the TUG.
        let s = simulate(
            &Scenario::new()
                .stand(3.0)
                .chair_stand_30s(ChairStandParams::default())
                .stand(2.0),
            &SensorConfig::default(),
            42,
        );
        let truth = &s.truth.chair_stands[0];
        assert!(g2.next(), "n: on to the chair stand");
        play(&mut g2, &ticks(&s), truth.start_s - 4.5);
        let v = g2.view().unwrap();
        assert_eq!(v.ended.as_deref(), Some("time is up (30 s)"), "{v:?}");
        let n = v.count.unwrap();
        assert!(
            (i64::from(n) - i64::from(truth.completed)).abs() <= 1,
            "count {n} vs truth {}",
            truth.completed
        );
        // no age and sex from the daemon: no cut-off is claimed
        assert!(v.verdict.unwrap().text.contains("no cut-off"));
        assert!(!g2.next(), "the chair stand is the last test");
    }

    #[test]
    fn attached_dashboard_runs_the_single_leg_stance_on_the_daemons_ticks() {
        use steady_sim::{SlsOutcome, SlsParams};
        // Lift the LEFT foot first (the protocol's order): stand on the right leg.
        let s = simulate(
            &Scenario::new()
                .stand(3.0)
                .single_leg_stance(SlsParams {
                    stance: Side::Right,
                    outcome: SlsOutcome::TouchDown { after_s: 6.0 },
                    ..SlsParams::default()
                })
                .stand(3.0),
            &SensorConfig::default(),
            44,
        );
        let truth = s.truth.balance_trials[0];
        let ts = ticks(&s);
        let mut sls = LiveSls::default();
        assert!(sls.view().is_none(), "nothing before the first tick");
        sls.apply(&ts[0]);
        assert_eq!(sls.view().unwrap().phase, BalancePhase::Ready);
        assert_eq!(sls.advance(), None);
        let v = sls.view().unwrap();
        assert_eq!(v.phase, BalancePhase::Lift);
        assert_eq!(v.stance, Some(Side::Right));
        sls.advance(); // the patient is ready: countdown
        assert!(matches!(
            sls.view().unwrap().phase,
            BalancePhase::Countdown { .. }
        ));
        let mut saw_holding = false;
        for t in &ts[1..] {
            sls.apply(t);
            saw_holding |= matches!(sls.view().unwrap().phase, BalancePhase::Holding { .. });
        }
        assert!(saw_holding, "the live timer ran");
        let v = sls.view().unwrap();
        assert_eq!(v.results.len(), 1, "{v:?}");
        let r = &v.results[0];
        assert_eq!(r.stance, Side::Right);
        assert_eq!(r.reason, BalanceEnd::FootDown);
        // 25 Hz samples: the hold is timed to a few samples.
        assert!(
            (r.held_s - truth.held_s).abs() < 0.3,
            "held {} vs truth {}",
            r.held_s,
            truth.held_s
        );
    }

    /// RMS (ML, AP) and path length of a trace, mm.
    fn trace_figures(mm: &[(f64, f64)]) -> (f64, f64, f64) {
        let n = mm.len() as f64;
        let rms =
            |f: fn(&(f64, f64)) -> f64| (mm.iter().map(|p| f(p).powi(2)).sum::<f64>() / n).sqrt();
        let path = mm
            .windows(2)
            .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
            .sum();
        (rms(|p| p.0), rms(|p| p.1), path)
    }

    #[test]
    fn attached_single_leg_stance_draws_the_sway_trace_of_the_full_rate_path() {
        use steady_sim::{SlsOutcome, SlsParams};
        // Mostly mediolateral sway (4:1), so swapped axes would show.
        let s = simulate(
            &Scenario::new()
                .stand(3.0)
                .single_leg_stance(SlsParams {
                    stance: Side::Right,
                    outcome: SlsOutcome::TouchDown { after_s: 8.0 },
                    sway_ml_mm: 12.0,
                    sway_ap_mm: 3.0,
                    ..SlsParams::default()
                })
                .stand(3.0),
            &SensorConfig::default(),
            45,
        );
        // Attached: the daemon's 25 Hz block means in 1 s ticks.
        let ts = ticks(&s);
        let mut sls = LiveSls::default();
        sls.apply(&ts[0]);
        sls.advance();
        sls.advance();
        let mut shown = Vec::new();
        let mut grew = Vec::new();
        for t in &ts[1..] {
            sls.apply(t);
            let v = sls.view().unwrap();
            if matches!(v.phase, BalancePhase::Holding { .. }) {
                grew.push(v.sway_mm.len());
            }
            if matches!(v.phase, BalancePhase::Ended { .. }) {
                shown = v.sway_mm.clone();
            }
        }
        assert!(
            grew.windows(2).any(|w| w[1] > w[0]),
            "the trace grows during the hold: {grew:?}"
        );
        // The full-rate path (what `steady demo` draws): the same protocol on every 100 Hz
        // sample from the same start, ticked at each sample.
        let mut p = SlsProtocol::new(
            ProtocolConfig::default(),
            &s.streams.iter().map(|(pl, _)| *pl).collect::<Vec<_>>(),
        )
        .unwrap();
        p.start(1.0);
        p.confirm(1.0);
        let mut merged: Vec<(Placement, ImuSample)> = s
            .streams
            .iter()
            .flat_map(|(pl, x)| x.iter().filter(|m| m.t_s() >= 1.0).map(move |m| (*pl, *m)))
            .collect();
        merged.sort_by_key(|(_, x)| x.t);
        let mut full = Vec::new();
        for (pl, x) in &merged {
            p.push(*pl, x);
            p.tick(x.t_s());
            if let Some(tr) = p.sway_trace() {
                full = tr.tilt_mm();
            }
        }
        let (ml, ap, path) = trace_figures(&shown);
        let (fml, fap, fpath) = trace_figures(&full);
        eprintln!(
            "sway attached: {} points, RMS ML {ml:.2} AP {ap:.2} mm, path {path:.1} mm; \
             full rate: {} points, RMS ML {fml:.2} AP {fap:.2} mm, path {fpath:.1} mm",
            shown.len(),
            full.len()
        );
        // About 25 points per second of hold (7.5 s analysed of the 8 s hold).
        assert!(
            shown.len() > 150 && full.len() > 600,
            "{} {}",
            shown.len(),
            full.len()
        );
        // Axes: ML first (x), AP second (y); a trace with a few millimetres of extent.
        assert!(ml > 2.0 * ap, "ML {ml} vs AP {ap}");
        let extent = shown.iter().fold(0.0_f64, |m, p| m.max(p.0.abs()));
        assert!(extent > 3.0, "ML extent {extent} mm");
        // Within 10 % of the full-rate figures (RMS), 15 % (path: chords at 25 Hz).
        let rel = |a: f64, b: f64| (a - b).abs() / b;
        assert!(rel(ml, fml) < 0.10, "RMS ML {ml} vs {fml}");
        assert!(rel(ap, fap) < 0.10, "RMS AP {ap} vs {fap}");
        assert!(rel(path, fpath) < 0.15, "path {path} vs {fpath}");
        // The recorded trial carries its sway RMS (the metrics' own, same units).
        let v = sls.view().unwrap();
        let (rml, rap) = v.results[0].sway_rms_mm.expect("sway of the trial");
        assert!(rel(rml, ml) < 0.05 && rel(rap, ap) < 0.05, "{rml} {rap}");
    }

    #[test]
    fn without_leg_or_back_sensors_the_single_leg_stance_says_why() {
        let tick = parse_tick(
            &json!({"type": "tick", "status": {"t_s": 1.0, "sensors": [
                {"placement": "left_thigh", "state": "streaming", "rate_hz": 100.0}]}})
            .to_string(),
        )
        .unwrap()
        .unwrap();
        let mut sls = LiveSls::default();
        sls.apply(&tick);
        assert!(sls.view().is_none());
        let why = sls.advance().expect("a reason");
        assert!(why.starts_with("single-leg stance:"), "{why}");
    }

    #[test]
    fn a_sensor_lost_in_the_feed_stops_the_running_test() {
        let s = simulate(
            &Scenario::new().stand(3.0).tug(TugParams::default()),
            &SensorConfig::default(),
            43,
        );
        let ts = ticks(&s);
        let mut g = LiveGuides::new(Subject::default());
        g.apply(&ts[0], &[]);
        g.next();
        g.advance();
        g.apply(&ts[1], &[]);
        g.apply(&ts[2], &[Placement::LowerBack]);
        let v = g.view().unwrap();
        assert_eq!(
            v.ended.as_deref(),
            Some("lower back sensor lost — repeat the test")
        );
        assert!(v.verdict.is_none());
    }
}
