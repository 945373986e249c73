//! Single-leg stance (unipedal stance) test: detection of lift-off, end of hold and touch-down
//! from any sensible subset of sensors, the trial result with its sway, best of three per
//! side, left/right asymmetry and the comparison with norms.
//!
//! # Method (a design from the clinical stop rules, `../shared/research/clinical.md` §3.1, §3.5;
//! no validated open algorithm exists)
//!
//! Each sensor gives axis-free signals, so mounting and mirror-wise mounting do not matter:
//! the gyroscope norm, and the inclination change from bilateral standing (angle between the
//! low-passed accelerometer vector and its mean over the first [`SlsConfig::baseline_s`]).
//!
//! - **Free (lifted) leg** — shank, foot or thigh sensor; the primary timer:
//!   - lift-off: the leg starts to move (gyro norm > [`SlsConfig::motion_dps`], 30 °/s) and
//!     within [`SlsConfig::confirm_s`] its inclination exceeds [`SlsConfig::raise_tilt_deg`]
//!     (15°: the knee flexes to raise the foot). The lift-off time is the motion onset;
//!   - descent: the raised leg starts to move again and within 1.5 s comes back to within
//!     [`SlsConfig::down_tilt_deg`] (10°) of its standing inclination. The descent onset ends
//!     the balance effort: sway is measured up to it;
//!   - touch-down: the leg stops moving (gyro norm back under 30 °/s) once down. The hold ends
//!     here, as the clinical stopwatch stops "when the lifted foot touches the floor"
//!     (Springer et al. 2007, `clinical.md` §3.1), so times compare with the stopwatch norms.
//!     If no touch-down is seen within [`TOUCH_DOWN_WAIT_S`] of the descent, the hold ends
//!     at the descent onset (a conservative, shorter time).
//!   - A slow raise or descent that never exceeds 30 °/s is still caught by the inclination
//!     alone (onset = last time the leg was within 5° of standing / last time it was raised).
//! - **Stance leg**: a rotation above [`SlsConfig::hop_dps`] or an acceleration transient of
//!   [`SlsConfig::hop_acc_mps2`] during the hold is a hop or step (Springer-type rule:
//!   "the stance foot moves"); the trial ends at its motion onset, `ended_by = hop`.
//! - **Lower back**: trunk attitude from the gyroscope (bias = mean over the baseline),
//!   started from gravity. A vertical transient above [`SlsConfig::trunk_jolt_mps2`] during
//!   the hold is a hop / loss of balance. Alone (no free-leg sensor) it also times the trial:
//!   lift-off = end of the anticipatory weight shift (trunk tilt from standing above
//!   [`SlsConfig::trunk_shift_deg`] and then stable: tilt rate < 1 °/s); end of the balance
//!   effort = the last moment the tilt was ≥ 90 % of its hold level before it stays below 70 %
//!   for 0.5 s; touch-down (and end of hold) = the fall below 50 %. The back also gives the body frame for sway: "up" from gravity and
//!   "left" from the direction of the weight-shift displacement (double-integrated,
//!   gravity-free acceleration toward the stance leg).
//! - **Time limit**: the hold ends at lift-off + [`SlsConfig::max_hold_s`], `ended_by = time_limit`.
//!
//! # Known failure modes
//! - Needs ~0.5 s of quiet bilateral standing at the start (the baseline); motion during it
//!   shifts every inclination.
//! - The free foot touching the stance leg, arms uncrossing, eyes opening (EC) are invisible.
//! - A free leg held only a little flexed (< 15° change, e.g. hip-abducted with a straight
//!   knee and a foot sensor) is not seen as lifted; use a shank sensor, or lower `raise_tilt_deg`.
//! - A small step-out without stance-leg rotation and no stance or back sensor reads as touch-down.
//! - Lower-back-only timing is indirect: the foot leaves the floor at the end of the weight
//!   shift (typically 0.1–0.3 s later) and the return shift after touch-down can be slow; expect
//!   errors of several tenths of a second (confidence 0.5; see the simulator figures in
//!   `tests/sls_sim.rs`).
//! - Stance-leg-only recordings cannot time a lift-off ([`SlsError::NoTimingSensor`]).
//!
//! The detector is a streaming state machine: [`SlsDetector::push`] samples (merged in time
//! order across sensors, as the live pipeline delivers them) and get [`SlsEvent`]s;
//! [`SlsDetector::finish`] gives the [`SlsTrial`]. [`detect_sls`] runs it over whole streams.

use nalgebra::{Rotation3, Vector3};
use serde::Serialize;
use steady_analysis::SensorInput;
use steady_core::{ImuSample, Metric, Placement, Segment, Side};

use crate::norms::{self, Eyes, Norm};
use crate::sway::{self, SwayInput, SwayMetrics, SwayTrace, TrunkFrame};

/// Default inverted-pendulum height when the sensor height is unknown, m (0.53 × 1.70 m,
/// the same default the gait analysis uses).
pub const DEFAULT_PENDULUM_M: f64 = 0.90;
/// Time constant of the trunk complementary filter, s: long against a weight shift (~1 s),
/// short against gyroscope drift.
pub const TRUNK_CF_TAU_S: f64 = 2.0;

/// Detection parameters (physical meaning in each doc line).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SlsConfig {
    /// Time limit of the hold, s (30, 45 or 60; see [`norms::SLS_MAX_HOLD_CHOICES_S`]).
    pub max_hold_s: f64,
    /// Leg angular rate above which a leg is moving, deg/s (clinical.md §3.5: 20–30 °/s).
    pub motion_dps: f64,
    /// Inclination change of the free leg that means "raised", deg (§3.5: > ~15°).
    pub raise_tilt_deg: f64,
    /// Inclination within this of standing means "back down", deg (§3.5: ±5–10°).
    pub down_tilt_deg: f64,
    /// A raise must reach `raise_tilt_deg` within this after its motion onset, s.
    pub confirm_s: f64,
    /// Stance-leg angular rate that means a hop or step, deg/s (postural sway of the shank
    /// stays under ~20 °/s).
    pub hop_dps: f64,
    /// Stance-leg acceleration-norm deviation from gravity that means a hop, m/s² (0.4 g).
    pub hop_acc_mps2: f64,
    /// Vertical trunk acceleration transient that means a hop or step, m/s² (0.3 g; quiet
    /// single-leg sway stays well under 0.05 g).
    pub trunk_jolt_mps2: f64,
    /// Trunk tilt from standing that marks the weight shift onto the stance leg, deg.
    pub trunk_shift_deg: f64,
    /// Quiet bilateral standing at the start used as the baseline, s.
    pub baseline_s: f64,
    /// Skip this much of the hold's start in the sway metrics (the leg-raise transient), s.
    pub sway_skip_s: f64,
}

impl Default for SlsConfig {
    fn default() -> Self {
        SlsConfig {
            max_hold_s: norms::SLS_DEFAULT_MAX_HOLD_S,
            motion_dps: 30.0,
            raise_tilt_deg: 15.0,
            down_tilt_deg: 10.0,
            confirm_s: 1.0,
            hop_dps: 60.0,
            hop_acc_mps2: 4.0,
            trunk_jolt_mps2: 3.0,
            trunk_shift_deg: 1.5,
            baseline_s: 0.5,
            sway_skip_s: 0.5,
        }
    }
}

/// Why a hold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// The free foot came down.
    TouchDown,
    /// The stance foot hopped or stepped (loss of balance).
    Hop,
    /// The time limit was reached.
    TimeLimit,
}

impl EndedBy {
    /// `touch_down`, `hop` or `time_limit`.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::TouchDown => "touch_down",
            EndedBy::Hop => "hop",
            EndedBy::TimeLimit => "time_limit",
        }
    }
}

/// Something the detector found (times on the session timeline, s).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum SlsEvent {
    /// The free foot left the floor.
    LiftOff {
        /// Time, s.
        t_s: f64,
    },
    /// The hold is over.
    HoldEnded {
        /// End of the hold, s.
        t_s: f64,
        /// Why.
        ended_by: EndedBy,
    },
    /// The free foot is back on the floor (after the hold ended).
    TouchDown {
        /// Time, s.
        t_s: f64,
    },
}

/// Errors of the single-leg stance analysis.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SlsError {
    /// No free-leg or lower-back sensor: nothing can time a lift-off.
    #[error("single-leg stance needs a sensor on the lifted leg or the lower back (got: {0})")]
    NoTimingSensor(String),
    /// No lift-off was found in the data.
    #[error("no lift-off of the free foot found")]
    NoLiftOff,
    /// A configuration value makes no physical sense.
    #[error("invalid configuration: {0}")]
    BadConfig(String),
}

/// The result of one trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlsTrial {
    /// Leg stood on.
    pub stance: Side,
    /// Free foot leaves the floor, s.
    pub lift_off_s: f64,
    /// End of the hold, s: the free foot's touch-down (or the hop's onset, or the time limit).
    pub end_s: f64,
    /// End of the balance effort, s: the free foot's descent onset for a touch-down, else
    /// `end_s`. Sway is measured over the hold up to here.
    pub balance_end_s: f64,
    /// Seconds held (capped at the time limit).
    pub hold_s: f64,
    /// Why the hold ended.
    pub ended_by: EndedBy,
    /// Free foot back on the floor, s (whatever ended the hold), if seen.
    pub foot_down_s: Option<f64>,
    /// The time limit used, s.
    pub max_hold_s: f64,
    /// Sensors whose signals decided the result.
    pub sensors_used: Vec<Placement>,
    /// Which sensor timed the hold (`free_leg` or `lower_back`).
    pub timing: &'static str,
    /// 0–1: how far to trust the timing (free leg 0.9–0.95, lower back only 0.5).
    pub confidence: f64,
    /// Sway during the hold (lower-back sensor), when available.
    pub sway: Option<SwayMetrics>,
}

impl SlsTrial {
    /// The free foot's touch-down time when the trial ended by a touch-down, else `None`.
    pub fn touch_down_s(&self) -> Option<f64> {
        match self.ended_by {
            EndedBy::TouchDown => self.foot_down_s,
            _ => None,
        }
    }

    /// The metrics of this trial (`balance.sls_hold_s` per stance side and sway).
    pub fn metrics(&self) -> Vec<Metric> {
        let src = format!(
            "{}/sls-{}",
            self.sensors_used
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            self.timing
        );
        let mut out = vec![Metric::new("balance.sls_hold_s", self.hold_s, "s", &src)
            .with_side(self.stance)
            .with_n(1)];
        if let Some(s) = &self.sway {
            for (key, v, unit) in [
                ("balance.sls_sway_rms_ml_mps2", Some(s.rms_ml_mps2), "m/s2"),
                ("balance.sls_sway_rms_ap_mps2", Some(s.rms_ap_mps2), "m/s2"),
                (
                    "balance.sls_sway_ellipse95_m2ps4",
                    Some(s.ellipse95_area_m2ps4),
                    "m2/s4",
                ),
                ("balance.sls_sway_jerk_m2ps5", Some(s.jerk_m2ps5), "m2/s5"),
                (
                    "balance.sls_sway_velocity_mps",
                    Some(s.mean_velocity_mps),
                    "m/s",
                ),
                ("balance.sls_sway_path_m", Some(s.path_length_m), "m"),
                ("balance.sls_sway_freq_hz", s.dominant_hz, "Hz"),
                ("balance.sls_pelvic_drop_deg", s.pelvic_drop_deg, "deg"),
            ] {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    out.push(Metric::new(key, v, unit, &src).with_side(self.stance));
                }
            }
        }
        out
    }
}

/// State of the trial as a whole.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    WaitingLiftOff,
    Holding {
        lift_off: f64,
    },
    /// End evidence seen; other sensors may still turn a touch-down into a hop until `until`.
    Resolving {
        lift_off: f64,
        end: f64,
        by: EndedBy,
        until: f64,
    },
    Ended {
        lift_off: f64,
        /// End of the hold (the clinical stop).
        end: f64,
        by: EndedBy,
        /// End of the balance effort (descent onset for a touch-down).
        balance_end: f64,
    },
}

/// How long after the descent onset a touch-down is awaited before the hold is closed at the
/// descent onset, s. A deliberate descent takes 0.3–0.8 s; 2 s covers a slow one.
pub const TOUCH_DOWN_WAIT_S: f64 = 2.0;

/// Role of a sensor in the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    FreeLeg,
    StanceLeg,
    Back,
}

/// Per-sensor streaming state.
#[derive(Debug, Clone)]
struct Channel {
    placement: Placement,
    role: Role,
    t0: Option<f64>,
    last_t: Option<f64>,
    base_sum: Vector3<f64>,
    gyr_sum: Vector3<f64>,
    base_n: u32,
    /// Baseline specific force (mean) and gyro bias, frozen after `baseline_s`.
    base: Option<(Vector3<f64>, Vector3<f64>)>,
    acc_lp: Option<Vector3<f64>>,
    /// Current inclination change from the baseline, deg.
    tilt_deg: f64,
    /// Last time the leg was quiet (gyro under the motion threshold).
    last_quiet_t: f64,
    /// Last time the leg was moving.
    last_moving_t: f64,
    /// Last time the inclination was within 5° of standing.
    last_low_t: f64,
    /// Last time the inclination was above the raise threshold.
    last_high_t: f64,
    /// Motion onset of a candidate raise or descent.
    candidate: Option<f64>,
    /// Leg sensor: descent confirmed, waiting for the leg to stop (end onset).
    descending: Option<f64>,
    /// Lower back: complementary-filter "up" (sensor axes) and the history of
    /// (time, tilt from standing in degrees, up).
    up_cf: Option<Vector3<f64>>,
    tilt_hist: Vec<(f64, f64, Vector3<f64>)>,
    shift_seen: bool,
    plateau_deg: Option<f64>,
    /// Buffered raw samples (lower back only, for sway and the frame).
    buf: Vec<ImuSample>,
}

impl Channel {
    fn new(placement: Placement, role: Role) -> Channel {
        Channel {
            placement,
            role,
            t0: None,
            last_t: None,
            base_sum: Vector3::zeros(),
            gyr_sum: Vector3::zeros(),
            base_n: 0,
            base: None,
            acc_lp: None,
            tilt_deg: 0.0,
            last_quiet_t: f64::NEG_INFINITY,
            last_moving_t: f64::NEG_INFINITY,
            last_low_t: f64::NEG_INFINITY,
            last_high_t: f64::NEG_INFINITY,
            candidate: None,
            descending: None,
            up_cf: None,
            tilt_hist: Vec::new(),
            shift_seen: false,
            plateau_deg: None,
            buf: Vec::new(),
        }
    }
}

/// Streaming single-leg stance detector for one trial.
#[derive(Debug, Clone)]
pub struct SlsDetector {
    config: SlsConfig,
    stance: Side,
    channels: Vec<Channel>,
    phase: Phase,
    foot_down: Option<f64>,
    /// Onset of a hop seen by the stance leg or the trunk.
    hop_onset: Option<f64>,
    used: Vec<Placement>,
    now: f64,
    pendulum_m: f64,
}

/// Role priority: shank, foot, thigh (the shank shows the knee flexion best).
fn leg_rank(p: Placement) -> u8 {
    match p.segment() {
        Segment::Shank => 0,
        Segment::Foot => 1,
        Segment::Thigh => 2,
        Segment::LowerBack => 3,
    }
}

impl SlsDetector {
    /// A detector for a trial standing on `stance` with sensors at `placements`. At most one
    /// sensor per leg is used (shank, else foot, else thigh).
    pub fn new(
        stance: Side,
        placements: &[Placement],
        config: SlsConfig,
    ) -> Result<SlsDetector, SlsError> {
        let c = &config;
        let positive = [
            c.max_hold_s,
            c.motion_dps,
            c.raise_tilt_deg,
            c.down_tilt_deg,
            c.confirm_s,
            c.hop_dps,
            c.hop_acc_mps2,
            c.trunk_jolt_mps2,
            c.trunk_shift_deg,
            c.baseline_s,
        ];
        if positive.iter().any(|v| !(v.is_finite() && *v > 0.0)) || c.sway_skip_s < 0.0 {
            return Err(SlsError::BadConfig(format!("{c:?}")));
        }
        if c.down_tilt_deg >= c.raise_tilt_deg {
            return Err(SlsError::BadConfig(
                "down_tilt_deg must be below raise_tilt_deg".into(),
            ));
        }
        let pick = |side: Side| {
            placements
                .iter()
                .copied()
                .filter(|p| p.side() == Some(side))
                .min_by_key(|p| leg_rank(*p))
        };
        let mut channels = Vec::new();
        if let Some(p) = pick(stance.opposite()) {
            channels.push(Channel::new(p, Role::FreeLeg));
        }
        if let Some(p) = pick(stance) {
            channels.push(Channel::new(p, Role::StanceLeg));
        }
        if placements.contains(&Placement::LowerBack) {
            channels.push(Channel::new(Placement::LowerBack, Role::Back));
        }
        if !channels
            .iter()
            .any(|ch| matches!(ch.role, Role::FreeLeg | Role::Back))
        {
            let names: Vec<&str> = placements.iter().map(|p| p.as_str()).collect();
            return Err(SlsError::NoTimingSensor(if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }));
        }
        Ok(SlsDetector {
            config,
            stance,
            channels,
            phase: Phase::WaitingLiftOff,
            foot_down: None,
            hop_onset: None,
            used: Vec::new(),
            now: f64::NEG_INFINITY,
            pendulum_m: DEFAULT_PENDULUM_M,
        })
    }

    /// Sets the lower-back sensor height (inverted-pendulum length for sway velocity), m.
    pub fn with_pendulum_height(mut self, height_m: f64) -> SlsDetector {
        if height_m.is_finite() && height_m > 0.2 {
            self.pendulum_m = height_m;
        }
        self
    }

    /// The stance leg.
    pub fn stance(&self) -> Side {
        self.stance
    }

    /// Lift-off time once detected, s.
    pub fn lift_off_s(&self) -> Option<f64> {
        match self.phase {
            Phase::WaitingLiftOff => None,
            Phase::Holding { lift_off }
            | Phase::Resolving { lift_off, .. }
            | Phase::Ended { lift_off, .. } => Some(lift_off),
        }
    }

    /// Whether the hold has ended (the trial may still be waiting for touch-down).
    pub fn hold_ended(&self) -> bool {
        matches!(self.phase, Phase::Ended { .. })
    }

    /// Whether nothing more is expected (hold ended and the foot is down).
    pub fn is_done(&self) -> bool {
        self.hold_ended() && self.foot_down.is_some()
    }

    /// Seconds held so far at the latest sample time (0 before lift-off).
    pub fn elapsed_hold_s(&self) -> f64 {
        match self.phase {
            Phase::WaitingLiftOff => 0.0,
            Phase::Holding { lift_off } => (self.now - lift_off).clamp(0.0, self.config.max_hold_s),
            Phase::Resolving {
                lift_off,
                by: EndedBy::TouchDown,
                ..
            } => (self.foot_down.unwrap_or(self.now) - lift_off).clamp(0.0, self.config.max_hold_s),
            Phase::Resolving { lift_off, end, .. } | Phase::Ended { lift_off, end, .. } => {
                end - lift_off
            }
        }
    }

    /// Lower-back samples seen so far (for a live sway display).
    pub fn back_samples(&self) -> &[ImuSample] {
        self.channels
            .iter()
            .find(|c| c.role == Role::Back)
            .map_or(&[], |c| c.buf.as_slice())
    }

    fn mark_used(&mut self, p: Placement) {
        if !self.used.contains(&p) {
            self.used.push(p);
        }
    }

    /// Feeds one sample of `placement` (ignored if that sensor plays no role or the sample is
    /// not finite or goes back in time); returns what it revealed.
    pub fn push(&mut self, placement: Placement, s: &ImuSample) -> Vec<SlsEvent> {
        let mut out = Vec::new();
        let Some(ci) = self.channels.iter().position(|c| c.placement == placement) else {
            return out;
        };
        if !s.acc_mps2.iter().chain(&s.gyr_dps).all(|v| v.is_finite()) {
            return out;
        }
        let t = s.t_s();
        if self.channels[ci].last_t.is_some_and(|lt| t <= lt) {
            return out;
        }
        self.now = self.now.max(t);
        let cfg = self.config;
        // Features.
        let ch = &mut self.channels[ci];
        let dt = ch.last_t.map_or(0.0, |lt| (t - lt).min(0.1));
        ch.last_t = Some(t);
        let t0 = *ch.t0.get_or_insert(t);
        let acc = Vector3::from(s.acc_mps2);
        let gyr = Vector3::from(s.gyr_dps);
        if ch.role == Role::Back {
            ch.buf.push(*s);
        }
        let Some((base_acc, bias)) = ch.base else {
            ch.base_sum += acc;
            ch.gyr_sum += gyr;
            ch.base_n += 1;
            if t - t0 >= cfg.baseline_s {
                let n = f64::from(ch.base_n);
                ch.base = Some((ch.base_sum / n, ch.gyr_sum / n));
            }
            return out;
        };
        // One-pole low-pass of the accelerometer, τ = 50 ms.
        let alpha = dt / (0.05 + dt);
        let lp = ch.acc_lp.map_or(acc, |p| p + (acc - p) * alpha);
        ch.acc_lp = Some(lp);
        ch.tilt_deg = lp.angle(&base_acc).to_degrees();
        let gnorm = gyr.norm();
        if gnorm < cfg.motion_dps {
            ch.last_quiet_t = t;
        } else {
            ch.last_moving_t = t;
        }
        if ch.tilt_deg < 5.0 {
            ch.last_low_t = t;
        }
        if ch.tilt_deg > cfg.raise_tilt_deg {
            ch.last_high_t = t;
        }
        match ch.role {
            Role::FreeLeg => self.free_leg(ci, t, gnorm, &mut out),
            Role::StanceLeg => {
                let dev = (acc.norm() - base_acc.norm()).abs();
                if self.is_holding() && (gnorm > cfg.hop_dps || dev > cfg.hop_acc_mps2) {
                    let onset = self.channels[ci].last_quiet_t.max(t - 0.3);
                    self.hop_evidence(placement, onset, t);
                }
            }
            Role::Back => {
                let w = (gyr - bias).map(f64::to_radians) * dt;
                let ch = &mut self.channels[ci];
                let up_b = base_acc.normalize();
                // Complementary filter: the gyroscope carries the attitude over the seconds of
                // a weight shift (whose acceleration would fool the accelerometer), the
                // accelerometer removes the gyro drift with time constant TRUNK_CF_TAU_S.
                let prev = ch.up_cf.unwrap_or(up_b);
                let pred = Rotation3::new(-w) * prev;
                let k = dt / (TRUNK_CF_TAU_S + dt);
                let up_now = (pred + (acc.normalize() - pred) * k).normalize();
                ch.up_cf = Some(up_now);
                let tilt = up_now.angle(&up_b).to_degrees();
                ch.tilt_hist.push((t, tilt, up_now));
                let a_vert = acc.dot(&up_now) - base_acc.norm();
                if self.is_holding() && a_vert.abs() > cfg.trunk_jolt_mps2 {
                    // Onset: back to where the transient first exceeded 1/3 of the threshold.
                    let onset = self.jolt_onset(ci, t, cfg.trunk_jolt_mps2 / 3.0);
                    self.hop_evidence(placement, onset, t);
                }
                if !self.has_free_leg() {
                    self.back_timing(ci, t, &mut out);
                }
            }
        }
        self.advance(t, &mut out);
        out
    }

    fn is_holding(&self) -> bool {
        matches!(self.phase, Phase::Holding { .. } | Phase::Resolving { .. })
    }

    fn has_free_leg(&self) -> bool {
        self.channels.iter().any(|c| c.role == Role::FreeLeg)
    }

    /// Onset of a vertical trunk transient: the first of the last 0.3 s of samples whose
    /// vertical acceleration exceeded `level` continuously up to now.
    fn jolt_onset(&self, ci: usize, t: f64, level: f64) -> f64 {
        let ch = &self.channels[ci];
        let Some((base_acc, _)) = ch.base else {
            return t;
        };
        let up = ch.up_cf.unwrap_or_else(|| base_acc.normalize());
        let mut onset = t;
        for s in ch.buf.iter().rev() {
            let st = s.t_s();
            if st < t - 0.3 {
                break;
            }
            let a = Vector3::from(s.acc_mps2).dot(&up) - base_acc.norm();
            if a.abs() < level {
                break;
            }
            onset = st;
        }
        onset
    }

    fn hop_evidence(&mut self, p: Placement, onset: f64, t: f64) {
        self.mark_used(p);
        self.hop_onset = Some(self.hop_onset.map_or(onset, |h| h.min(onset)));
        match self.phase {
            Phase::Holding { lift_off } => {
                let end = onset.max(lift_off);
                self.phase = Phase::Resolving {
                    lift_off,
                    end,
                    by: EndedBy::Hop,
                    until: t + 0.3,
                };
            }
            Phase::Resolving {
                lift_off,
                end,
                until,
                ..
            } if onset <= end + 0.5 => {
                self.phase = Phase::Resolving {
                    lift_off,
                    end: end.min(onset).max(lift_off),
                    by: EndedBy::Hop,
                    until,
                };
            }
            _ => {}
        }
    }

    fn free_leg(&mut self, ci: usize, t: f64, gnorm: f64, out: &mut Vec<SlsEvent>) {
        let cfg = self.config;
        let p = self.channels[ci].placement;
        let phase = self.phase;
        let ch = &mut self.channels[ci];
        let moving = gnorm >= cfg.motion_dps;
        match phase {
            Phase::WaitingLiftOff => {
                if moving && ch.candidate.is_none() {
                    ch.candidate = Some(ch.last_quiet_t.max(t - 0.05));
                }
                if let Some(c) = ch.candidate {
                    let settled = !moving && t - ch.last_moving_t > 0.3;
                    if ch.tilt_deg < cfg.raise_tilt_deg && (settled || t - c > cfg.confirm_s) {
                        ch.candidate = None;
                    }
                }
                if ch.tilt_deg > cfg.raise_tilt_deg {
                    let onset = ch.candidate.unwrap_or(ch.last_low_t);
                    ch.candidate = None;
                    self.mark_used(p);
                    self.phase = Phase::Holding { lift_off: onset };
                    out.push(SlsEvent::LiftOff { t_s: onset });
                }
            }
            Phase::Holding { lift_off } | Phase::Resolving { lift_off, .. } => {
                if moving && ch.candidate.is_none() {
                    ch.candidate = Some(ch.last_quiet_t.max(lift_off));
                }
                if let Some(c) = ch.candidate {
                    let settled = !moving && t - ch.last_moving_t > 0.5;
                    if ch.tilt_deg > cfg.down_tilt_deg && (settled || t - c > 1.5) {
                        ch.candidate = None;
                    }
                }
                if ch.tilt_deg < cfg.down_tilt_deg && ch.descending.is_none() {
                    let onset = ch.candidate.unwrap_or(ch.last_high_t.max(lift_off));
                    ch.candidate = None;
                    ch.descending = Some(onset);
                    self.mark_used(p);
                    if let Phase::Holding { lift_off } = self.phase {
                        self.phase = Phase::Resolving {
                            lift_off,
                            end: onset.max(lift_off),
                            by: EndedBy::TouchDown,
                            until: t + 0.3,
                        };
                    }
                }
            }
            Phase::Ended { .. } => {
                // After a time-limit end (or a hop), watch the foot come down.
                if ch.descending.is_none() && ch.tilt_deg < cfg.down_tilt_deg {
                    ch.descending = Some(t);
                }
            }
        }
        let ch = &mut self.channels[ci];
        if self.foot_down.is_none() && !moving && ch.tilt_deg < cfg.down_tilt_deg {
            if let Some(_d) = ch.descending {
                self.foot_down = Some(t);
                if matches!(self.phase, Phase::Ended { .. }) {
                    out.push(SlsEvent::TouchDown { t_s: t });
                }
            }
        }
    }

    /// Lower-back-only timing (see the module docs).
    fn back_timing(&mut self, ci: usize, t: f64, out: &mut Vec<SlsEvent>) {
        let cfg = self.config;
        let phase = self.phase;
        let ch = &mut self.channels[ci];
        let n = ch.tilt_hist.len();
        let tilt = ch.tilt_hist[n - 1].1;
        // Tilt rate over the last 0.2 s.
        let rate = ch
            .tilt_hist
            .iter()
            .rev()
            .find(|(tt, _, _)| t - tt >= 0.2)
            .map(|(tt, v, _)| (tilt - v) / (t - tt));
        match phase {
            Phase::WaitingLiftOff => {
                if tilt > cfg.trunk_shift_deg {
                    ch.shift_seen = true;
                }
                if ch.shift_seen && rate.is_some_and(|r| r.abs() < 1.0) {
                    self.mark_used(Placement::LowerBack);
                    self.phase = Phase::Holding { lift_off: t };
                    out.push(SlsEvent::LiftOff { t_s: t });
                }
            }
            Phase::Holding { lift_off } => {
                // Hold level: median tilt over [lift-off + 0.3, lift-off + 1.3] s.
                if ch.plateau_deg.is_none() && t >= lift_off + 1.3 {
                    let mut v: Vec<f64> = ch
                        .tilt_hist
                        .iter()
                        .filter(|(tt, _, _)| *tt >= lift_off + 0.3 && *tt <= lift_off + 1.3)
                        .map(|x| x.1)
                        .collect();
                    v.sort_by(f64::total_cmp);
                    ch.plateau_deg = v.get(v.len() / 2).copied();
                }
                if let Some(pl) = ch.plateau_deg {
                    // Below 70 % of the hold level for 0.5 s (longer than half a sway cycle).
                    if tilt >= 0.7 * pl {
                        ch.candidate = None;
                    } else if ch.candidate.is_none() {
                        ch.candidate = Some(t);
                    }
                    if let Some(since) = ch.candidate.filter(|c| t - c >= 0.5) {
                        let end = ch
                            .tilt_hist
                            .iter()
                            .rev()
                            .filter(|(tt, _, _)| *tt <= since)
                            .find(|(_, v, _)| *v >= 0.9 * pl)
                            .map_or(t, |x| x.0)
                            .max(lift_off);
                        self.phase = Phase::Resolving {
                            lift_off,
                            end,
                            by: EndedBy::TouchDown,
                            until: t + 0.3,
                        };
                    }
                }
            }
            Phase::Resolving { .. } | Phase::Ended { .. } => {
                if let Some(pl) = ch.plateau_deg {
                    if self.foot_down.is_none() && tilt < 0.5 * pl {
                        self.foot_down = Some(t);
                        if matches!(self.phase, Phase::Ended { .. }) {
                            out.push(SlsEvent::TouchDown { t_s: t });
                        }
                    }
                }
            }
        }
    }

    /// Time-driven transitions (time limit, end of the resolving window, touch-down timeout).
    fn advance(&mut self, t: f64, out: &mut Vec<SlsEvent>) {
        let max = self.config.max_hold_s;
        match self.phase {
            Phase::Holding { lift_off } if t - lift_off >= max => {
                self.phase = Phase::Ended {
                    lift_off,
                    end: lift_off + max,
                    by: EndedBy::TimeLimit,
                    balance_end: lift_off + max,
                };
                out.push(SlsEvent::HoldEnded {
                    t_s: lift_off + max,
                    ended_by: EndedBy::TimeLimit,
                });
            }
            Phase::Resolving {
                lift_off,
                end,
                by,
                until,
            } if t >= until => {
                if by == EndedBy::TouchDown
                    && self.foot_down.is_none()
                    && t < end + TOUCH_DOWN_WAIT_S
                    && end - lift_off < max
                {
                    // The foot is still on its way down: the hold ends at its contact.
                    return;
                }
                let (end, by, balance_end) = self.close(lift_off, end, by);
                self.phase = Phase::Ended {
                    lift_off,
                    end,
                    by,
                    balance_end,
                };
                out.push(SlsEvent::HoldEnded {
                    t_s: end,
                    ended_by: by,
                });
                if let Some(fd) = self.foot_down {
                    out.push(SlsEvent::TouchDown { t_s: fd });
                }
            }
            _ => {}
        }
    }

    /// Ends the trial: resolves a pending end, caps an open hold at the last sample, and
    /// computes sway. `Err(NoLiftOff)` when no lift-off was seen.
    pub fn finish(mut self) -> Result<SlsTrial, SlsError> {
        let (lift_off, end, by, balance_end) = match self.phase {
            Phase::WaitingLiftOff => return Err(SlsError::NoLiftOff),
            Phase::Holding { lift_off } => {
                // The recording stopped during the hold: the hold lasted until the last sample.
                let end = self.now.max(lift_off);
                (lift_off, end, EndedBy::TimeLimit, end)
            }
            Phase::Ended {
                lift_off,
                end,
                by,
                balance_end,
            } => (lift_off, end, by, balance_end),
            Phase::Resolving {
                lift_off, end, by, ..
            } => {
                let (end, by, balance_end) = self.close(lift_off, end, by);
                (lift_off, end, by, balance_end)
            }
        };
        let timing = if self
            .used
            .iter()
            .any(|p| p.side() == Some(self.stance.opposite()))
        {
            "free_leg"
        } else {
            "lower_back"
        };
        if timing == "lower_back" && !self.used.contains(&Placement::LowerBack) {
            self.used.push(Placement::LowerBack);
        }
        let has_stance = self.channels.iter().any(|c| c.role == Role::StanceLeg);
        let has_back = self.channels.iter().any(|c| c.role == Role::Back);
        let confidence = match (timing, has_stance, has_back) {
            ("free_leg", true, _) => 0.95,
            ("free_leg", false, true) => 0.92,
            ("free_leg", false, false) => 0.85,
            (_, true, _) => 0.55,
            _ => 0.5,
        };
        let sway = self.sway_of(lift_off, balance_end);
        if sway.is_some() && !self.used.contains(&Placement::LowerBack) {
            self.used.push(Placement::LowerBack);
        }
        self.used.sort();
        Ok(SlsTrial {
            stance: self.stance,
            lift_off_s: lift_off,
            end_s: end,
            balance_end_s: balance_end,
            hold_s: (end - lift_off).clamp(0.0, self.config.max_hold_s),
            ended_by: by,
            foot_down_s: self.foot_down,
            max_hold_s: self.config.max_hold_s,
            sensors_used: self.used,
            timing,
            confidence,
            sway,
        })
    }

    /// Closes a resolving hold whose balance effort ended at `balance_end`: a touch-down ends
    /// the hold at the foot's contact when seen; anything reaching the limit is a time limit.
    /// Returns (end of hold, why, end of the balance effort).
    fn close(&self, lift_off: f64, balance_end: f64, by: EndedBy) -> (f64, EndedBy, f64) {
        let max = self.config.max_hold_s;
        let end = match (by, self.foot_down) {
            (EndedBy::TouchDown, Some(fd)) if fd >= balance_end => fd,
            _ => balance_end,
        };
        if end - lift_off >= max {
            let limit = lift_off + max;
            (limit, EndedBy::TimeLimit, balance_end.min(limit))
        } else {
            (end, by, balance_end)
        }
    }

    /// The lower-back samples of `[lift_off + skip, end]` and the sway input for them (the
    /// window the trial's sway is measured on), at the buffer's median rate.
    fn sway_window(&self, lift_off: f64, end: f64) -> Option<(Vec<ImuSample>, SwayInput)> {
        let ch = self.channels.iter().find(|c| c.role == Role::Back)?;
        let (base_acc, _bias) = ch.base?;
        let fs = median_rate_hz(&ch.buf)?;
        let skip = if end - lift_off >= 2.0 + self.config.sway_skip_s {
            self.config.sway_skip_s
        } else {
            0.0
        };
        let hold: Vec<ImuSample> = ch
            .buf
            .iter()
            .filter(|s| s.t_s() >= lift_off + skip && s.t_s() <= end)
            .copied()
            .collect();
        let (left, signed) = shift_left_axis(ch, base_acc, lift_off, self.stance)?;
        let frame = TrunkFrame::from_up_left(base_acc.into(), left.into())?;
        Some((
            hold,
            SwayInput {
                fs_hz: fs,
                frame,
                pendulum_height_m: self.pendulum_m,
                free_side: signed.then_some(self.stance.opposite()),
            },
        ))
    }

    /// Sway over `[lift_off + skip, end]` from the lower-back buffer.
    fn sway_of(&self, lift_off: f64, end: f64) -> Option<SwayMetrics> {
        let (hold, input) = self.sway_window(lift_off, end)?;
        sway::sway_metrics(&hold, &input).ok()
    }

    /// The sway trace of the hold so far (lower-back sensor): the window the trial's sway
    /// metrics use, up to the end of the balance effort once known, else up to the latest
    /// sample; at the rate the samples come (e.g. 25 Hz from a display stream). `None` before
    /// lift-off, without a lower-back sensor, or before a second of hold.
    pub fn sway_trace(&self) -> Option<SwayTrace> {
        let (lift_off, end) = match self.phase {
            Phase::WaitingLiftOff => return None,
            Phase::Holding { lift_off } => (lift_off, self.now),
            Phase::Resolving { lift_off, end, .. } => (lift_off, end),
            Phase::Ended {
                lift_off,
                balance_end,
                ..
            } => (lift_off, balance_end),
        };
        let (hold, input) = self.sway_window(lift_off, end)?;
        sway::sway_trace(&hold, &input).ok()
    }
}

/// Median sampling rate of a buffer, Hz.
fn median_rate_hz(s: &[ImuSample]) -> Option<f64> {
    let mut d: Vec<i64> = s
        .windows(2)
        .map(|w| w[1].t - w[0].t)
        .filter(|d| *d > 0)
        .collect();
    if d.is_empty() {
        return None;
    }
    d.sort_unstable();
    Some(1e6 / d[d.len() / 2] as f64)
}

/// The body's left axis (sensor coordinates) from the weight shift onto the stance leg:
/// the principal direction of the horizontal, gravity-free acceleration over the 2 s before
/// lift-off (+ 0.3 s) — the shift is a ~0.1 m lateral movement, much larger than quiet sway —
/// signed by the displacement (velocity detrended to rest at both ends, integrated), which
/// points toward the stance leg. `None` without enough samples; the flag is false when the
/// displacement is under 3 cm (a shift onto one leg moves the pelvis ~5–10 cm), so the sign —
/// and with it the pelvic-drop sign — is unknown.
fn shift_left_axis(
    ch: &Channel,
    base_acc: Vector3<f64>,
    lift_off: f64,
    stance: Side,
) -> Option<(Vector3<f64>, bool)> {
    let up_b = base_acc.try_normalize(1e-9)?;
    let g = base_acc.norm();
    let (t_a, t_b) = (lift_off - 2.0, lift_off + 0.3);
    let mut times = Vec::new();
    let mut acc_h: Vec<Vector3<f64>> = Vec::new();
    // tilt_hist starts one sample after the baseline; buf holds every sample.
    let offset = ch.buf.len() - ch.tilt_hist.len();
    for (k, (t, _, up)) in ch.tilt_hist.iter().enumerate() {
        if *t < t_a || *t > t_b {
            continue;
        }
        let a = Vector3::from(ch.buf[offset + k].acc_mps2) - up * g;
        acc_h.push(a - up_b * up_b.dot(&a));
        times.push(*t);
    }
    let n = acc_h.len();
    if n < 20 {
        return None;
    }
    let mean = acc_h.iter().fold(Vector3::zeros(), |s, a| s + a) / n as f64;
    let mut cov = nalgebra::Matrix3::zeros();
    for a in &acc_h {
        let d = a - mean;
        cov += d * d.transpose();
    }
    let eig = nalgebra::SymmetricEigen::new(cov / n as f64);
    let k = eig.eigenvalues.imax();
    let axis = eig.eigenvectors.column(k).into_owned();
    // Detrended double integration along the axis.
    let mut v = vec![0.0; n];
    for i in 1..n {
        let dt = times[i] - times[i - 1];
        v[i] = v[i - 1] + (acc_h[i] - mean).dot(&axis) * dt;
    }
    let span = times[n - 1] - times[0];
    let mut d = 0.0;
    for i in 1..n {
        let frac = (times[i] - times[0]) / span;
        d += (v[i] - frac * v[n - 1]) * (times[i] - times[i - 1]);
    }
    let toward_stance = if d < 0.0 { -axis } else { axis };
    let left = match stance {
        Side::Left => toward_stance,
        Side::Right => -toward_stance,
    };
    Some((left, d.abs() >= 0.03))
}

/// Runs a detector over whole streams (merged in time order) and finishes it.
pub fn detect_sls(
    inputs: &[SensorInput],
    stance: Side,
    config: SlsConfig,
    pendulum_height_m: Option<f64>,
) -> Result<SlsTrial, SlsError> {
    let placements: Vec<Placement> = inputs.iter().map(|i| i.placement).collect();
    let mut det = SlsDetector::new(stance, &placements, config)?;
    if let Some(h) = pendulum_height_m {
        det = det.with_pendulum_height(h);
    }
    let mut idx = vec![0usize; inputs.len()];
    loop {
        let next = (0..inputs.len())
            .filter(|&k| idx[k] < inputs[k].samples.len())
            .min_by_key(|&k| inputs[k].samples[idx[k]].t);
        let Some(k) = next else { break };
        det.push(inputs[k].placement, &inputs[k].samples[idx[k]]);
        idx[k] += 1;
        if det.is_done() {
            break;
        }
    }
    det.finish()
}

/// Like [`detect_sls`] when the stance leg is not recorded: tries both legs and keeps the one
/// whose free-leg sensor saw the raise (needs both legs instrumented to decide).
pub fn detect_sls_either_side(
    inputs: &[SensorInput],
    config: SlsConfig,
    pendulum_height_m: Option<f64>,
) -> Result<SlsTrial, SlsError> {
    let mut best: Option<SlsTrial> = None;
    let mut err = SlsError::NoLiftOff;
    for stance in Side::BOTH {
        match detect_sls(inputs, stance, config, pendulum_height_m) {
            Ok(t) if t.timing == "free_leg" => {
                if best.as_ref().is_none_or(|b| t.lift_off_s < b.lift_off_s) {
                    best = Some(t);
                }
            }
            Ok(_) => {}
            Err(e) => err = e,
        }
    }
    best.ok_or(err)
}

/// Result of one side (stance leg) over its trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideSummary {
    /// The stance leg.
    pub stance: Side,
    /// Hold time of every trial, s, in order.
    pub holds_s: Vec<f64>,
    /// Best (longest) hold, s.
    pub best_hold_s: f64,
    /// Mean hold, s.
    pub mean_hold_s: f64,
    /// Best hold under the Vellas 1997 threshold (< 5 s): impaired one-leg balance.
    pub impaired: bool,
    /// Age norm for the condition, if the age (and for eyes closed the sex) is known.
    pub norm: Option<Norm>,
    /// Best hold as a percentage of the norm.
    pub percent_of_norm: Option<f64>,
}

/// The whole single-leg stance test: both sides, asymmetry, norms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlsSummary {
    /// Visual condition.
    pub eyes: Eyes,
    /// Standing on the left leg.
    pub left: Option<SideSummary>,
    /// Standing on the right leg.
    pub right: Option<SideSummary>,
    /// |best left − best right|, s.
    pub asymmetry_s: Option<f64>,
    /// min/max of the best holds (1 = symmetric).
    pub symmetry_ratio: Option<f64>,
    /// Citation of the impairment threshold.
    pub threshold_source: &'static str,
    /// The threshold, s.
    pub impaired_below_s: f64,
}

/// Summarises hold times `(stance, hold_s)` (best of the first three per side).
pub fn summarize(
    holds: &[(Side, f64)],
    eyes: Eyes,
    age_years: Option<f64>,
    female: Option<bool>,
) -> SlsSummary {
    let side = |s: Side| -> Option<SideSummary> {
        let v: Vec<f64> = holds
            .iter()
            .filter(|(x, h)| *x == s && h.is_finite())
            .map(|x| x.1)
            .take(norms::SLS_TRIALS_PER_SIDE as usize)
            .collect();
        if v.is_empty() {
            return None;
        }
        let best = v.iter().copied().fold(f64::MIN, f64::max);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let norm = age_years.and_then(|a| norms::sls_norm(a, eyes, female));
        Some(SideSummary {
            stance: s,
            holds_s: v,
            best_hold_s: best,
            mean_hold_s: mean,
            impaired: best < norms::SLS_IMPAIRED_S,
            norm,
            percent_of_norm: norm.map(|n| 100.0 * best / n.value_s),
        })
    };
    let (left, right) = (side(Side::Left), side(Side::Right));
    let (asymmetry_s, symmetry_ratio) = match (&left, &right) {
        (Some(l), Some(r)) => {
            let (a, b) = (l.best_hold_s, r.best_hold_s);
            let ratio = if a.max(b) > 0.0 {
                Some(a.min(b) / a.max(b))
            } else {
                None
            };
            (Some((a - b).abs()), ratio)
        }
        _ => (None, None),
    };
    SlsSummary {
        eyes,
        left,
        right,
        asymmetry_s,
        symmetry_ratio,
        threshold_source: norms::SLS_SOURCE,
        impaired_below_s: norms::SLS_IMPAIRED_S,
    }
}

impl SlsSummary {
    /// Store metrics: `balance.sls_hold_s` (best of 3) per stance side, and the asymmetry.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut out = Vec::new();
        for s in [&self.left, &self.right].into_iter().flatten() {
            out.push(
                Metric::new("balance.sls_hold_s", s.best_hold_s, "s", "sls/best-of-3")
                    .with_side(s.stance)
                    .with_n(s.holds_s.len() as u32),
            );
        }
        if let Some(a) = self.asymmetry_s {
            out.push(Metric::new(
                "balance.sls_asymmetry_s",
                a,
                "s",
                "sls/best-of-3",
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_of_three_asymmetry_and_vellas_threshold() {
        let holds = [
            (Side::Left, 3.0),
            (Side::Left, 4.5),
            (Side::Right, 12.0),
            (Side::Left, 4.0),
            (Side::Left, 20.0), // a fourth trial does not count
            (Side::Right, 9.0),
        ];
        let s = summarize(&holds, Eyes::Open, Some(72.0), None);
        let l = s.left.as_ref().unwrap();
        let r = s.right.as_ref().unwrap();
        assert_eq!(l.best_hold_s, 4.5);
        assert_eq!(l.holds_s.len(), 3);
        assert!(l.impaired);
        assert!(!r.impaired);
        assert_eq!(s.asymmetry_s, Some(7.5));
        assert!((s.symmetry_ratio.unwrap() - 4.5 / 12.0).abs() < 1e-12);
        // 70–79 y eyes open: 21.5 s.
        assert!((r.percent_of_norm.unwrap() - 100.0 * 12.0 / 21.5).abs() < 1e-9);
        let m = s.metrics();
        assert!(m.iter().any(|m| m.key == "balance.sls_hold_s"
            && m.side == Some(Side::Left)
            && m.value == 4.5));
    }

    #[test]
    fn stance_leg_only_cannot_time_a_trial() {
        let e = SlsDetector::new(Side::Left, &[Placement::LeftShank], SlsConfig::default());
        assert!(matches!(e, Err(SlsError::NoTimingSensor(_))));
        let bad = SlsConfig {
            max_hold_s: f64::NAN,
            ..SlsConfig::default()
        };
        assert!(matches!(
            SlsDetector::new(Side::Left, &[Placement::RightShank], bad),
            Err(SlsError::BadConfig(_))
        ));
    }
}
