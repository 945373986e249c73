//! Causal foot-movement (step) detection from any subset of lower-back and leg sensors, shared
//! by the offline 4-stage analysis and the guided protocol.
//!
//! Per sensor, a movement signal is low-passed causally at [`MOVEMENT_LP_HZ`] and compared with
//! an on and an off level (hysteresis); "moving" needs the on level for
//! [`MIN_MOVING_S`] (the onset is back-dated to the first sample above it), "still" needs the
//! off level for [`MIN_STILL_S`].
//! - Leg sensors (shank, foot, thigh): gyro norm; on [`LEG_ON_DPS`], off [`LEG_OFF_DPS`]
//!   (`clinical.md` §3.5: quiet baseline + k·SD ≈ 20–30 °/s for ≥ 100 ms; still < ~10–15 °/s).
//!   The leg's inclination (angle of the slow acceleration from its direction at the start) is
//!   tracked too: ≥ [`LIFTED_DEG`] means the foot is held off the floor (knee flexed).
//! - Lower back: gyro norm (on [`BACK_ON_DPS`], off [`BACK_OFF_DPS`]) or the dynamic
//!   acceleration |a − slow a| (on [`BACK_ON_MPS2`], off [`BACK_OFF_MPS2`]), catching the trunk
//!   lurch of a step or a catch of balance. Quiet-stance sway (a few mm at ~0.5–1 Hz, < 0.3
//!   m/s²) stays below.
//!
//! Which sensors decide: with a leg sensor on each leg, the legs only (direct, fewer false
//! alarms from trunk sway); otherwise every sensor present (lower back included).
//!
//! Failure modes: with the lower back only, placing a foot shows mainly as the weight shift
//! *before* the step (anticipatory adjustment), not the placement itself, so a stillness
//! that follows starts up to ~1 s before the feet are in position; a foot that slides without rotating the shank (< 30 °/s) is missed with leg
//! sensors only; with the lower back only, a small careful step without a trunk lurch is
//! missed, and large voluntary arm or trunk movements read as a step; the detector cannot see
//! whether the operator gave support (manual stop).

use steady_analysis::dsp::{FilterKind, Sos, SosState};
use steady_core::{ImuSample, Placement};

/// Low-pass of the movement signals, Hz.
pub const MOVEMENT_LP_HZ: f64 = 5.0;
/// Low-pass giving the slow (gravity) acceleration, Hz.
pub const SLOW_ACC_LP_HZ: f64 = 0.5;
/// Leg gyro norm that starts a movement, deg/s.
pub const LEG_ON_DPS: f64 = 30.0;
/// Leg gyro norm below which the leg is still, deg/s.
pub const LEG_OFF_DPS: f64 = 15.0;
/// Lower-back gyro norm that starts a movement, deg/s.
pub const BACK_ON_DPS: f64 = 25.0;
/// Lower-back gyro norm below which the trunk is still, deg/s.
pub const BACK_OFF_DPS: f64 = 12.0;
/// Lower-back dynamic acceleration that starts a movement, m/s².
pub const BACK_ON_MPS2: f64 = 0.9;
/// Lower-back dynamic acceleration below which the trunk is still, m/s².
pub const BACK_OFF_MPS2: f64 = 0.45;
/// Time above the on level before a movement is declared, s.
pub const MIN_MOVING_S: f64 = 0.1;
/// Time below the off level before stillness is declared, s.
pub const MIN_STILL_S: f64 = 0.2;
/// Leg inclination change that means the foot is off the floor, deg.
pub const LIFTED_DEG: f64 = 20.0;
/// Time from the start used as the standing reference of each leg, s.
pub const REFERENCE_S: f64 = 0.5;

/// A change of a sensor's movement state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MovementChange {
    /// A movement started at `t_s` (back-dated onset).
    Started {
        /// Sensor.
        placement: Placement,
        /// Onset, s.
        t_s: f64,
    },
    /// The sensor became still at `t_s` (start of the still stretch).
    Ended {
        /// Sensor.
        placement: Placement,
        /// Time, s.
        t_s: f64,
    },
}

#[derive(Debug, Clone)]
struct SensorState {
    placement: Placement,
    leg: bool,
    lp: Sos,
    slow: Sos,
    lp_g: Option<SosState>,
    lp_a: Option<SosState>,
    slow_a: Option<[SosState; 3]>,
    moving: bool,
    onset: Option<f64>,
    still_since: Option<f64>,
    t_first: Option<f64>,
    ref_acc: [f64; 3],
    ref_n: usize,
    inclination_deg: f64,
}

impl SensorState {
    fn new(placement: Placement, fs_hz: f64) -> Option<SensorState> {
        Some(SensorState {
            placement,
            leg: placement.side().is_some(),
            lp: Sos::butterworth(2, FilterKind::LowPass(MOVEMENT_LP_HZ), fs_hz).ok()?,
            slow: Sos::butterworth(2, FilterKind::LowPass(SLOW_ACC_LP_HZ), fs_hz).ok()?,
            lp_g: None,
            lp_a: None,
            slow_a: None,
            moving: false,
            onset: None,
            still_since: None,
            t_first: None,
            ref_acc: [0.0; 3],
            ref_n: 0,
            inclination_deg: 0.0,
        })
    }

    fn push(&mut self, s: &ImuSample) -> Option<MovementChange> {
        let t = s.t_s();
        let [gx, gy, gz] = s.gyr_dps;
        let g = (gx * gx + gy * gy + gz * gz).sqrt();
        let (lp, slow) = (&self.lp, &self.slow);
        let gf = self
            .lp_g
            .get_or_insert_with(|| SosState::new(lp, g))
            .step(lp, g);
        let sa = self
            .slow_a
            .get_or_insert_with(|| s.acc_mps2.map(|a| SosState::new(slow, a)));
        let mut slow_acc = [0.0; 3];
        for k in 0..3 {
            slow_acc[k] = sa[k].step(slow, s.acc_mps2[k]);
        }
        let dyn_acc = (0..3)
            .map(|k| (s.acc_mps2[k] - slow_acc[k]).powi(2))
            .sum::<f64>()
            .sqrt();
        let af = self
            .lp_a
            .get_or_insert_with(|| SosState::new(lp, dyn_acc))
            .step(lp, dyn_acc);
        let t0 = *self.t_first.get_or_insert(t);
        if t - t0 <= REFERENCE_S {
            self.ref_n += 1;
            for k in 0..3 {
                self.ref_acc[k] += (s.acc_mps2[k] - self.ref_acc[k]) / self.ref_n as f64;
            }
        }
        let dot: f64 = (0..3).map(|k| slow_acc[k] * self.ref_acc[k]).sum();
        let na = slow_acc.iter().map(|x| x * x).sum::<f64>().sqrt();
        let nr = self.ref_acc.iter().map(|x| x * x).sum::<f64>().sqrt();
        if na > 1e-6 && nr > 1e-6 {
            self.inclination_deg = (dot / (na * nr)).clamp(-1.0, 1.0).acos().to_degrees();
        }
        let (on, off) = if self.leg {
            (gf > LEG_ON_DPS, gf < LEG_OFF_DPS)
        } else {
            (
                gf > BACK_ON_DPS || af > BACK_ON_MPS2,
                gf < BACK_OFF_DPS && af < BACK_OFF_MPS2,
            )
        };
        if !self.moving {
            if on {
                let o = *self.onset.get_or_insert(t);
                if t - o >= MIN_MOVING_S - 1e-9 {
                    self.moving = true;
                    self.still_since = None;
                    return Some(MovementChange::Started {
                        placement: self.placement,
                        t_s: o,
                    });
                }
            } else {
                self.onset = None;
            }
        } else if off {
            let st = *self.still_since.get_or_insert(t);
            if t - st >= MIN_STILL_S - 1e-9 {
                self.moving = false;
                self.onset = None;
                return Some(MovementChange::Ended {
                    placement: self.placement,
                    t_s: st,
                });
            }
        } else {
            self.still_since = None;
        }
        None
    }
}

/// Movement detection over a set of sensors (see the module doc).
#[derive(Debug, Clone)]
pub struct MovementDetector {
    sensors: Vec<SensorState>,
    legs_only: bool,
}

impl MovementDetector {
    /// A detector for `(placement, sampling rate)` pairs; sensors with an unusable rate are
    /// left out.
    pub fn new(sensors: &[(Placement, f64)]) -> MovementDetector {
        let sensors: Vec<SensorState> = sensors
            .iter()
            .filter_map(|&(p, fs)| SensorState::new(p, fs))
            .collect();
        let side = |s: steady_core::Side| sensors.iter().any(|x| x.placement.side() == Some(s));
        let legs_only = side(steady_core::Side::Left) && side(steady_core::Side::Right);
        MovementDetector { sensors, legs_only }
    }

    /// Whether a sensor at `placement` takes part in the decision.
    pub fn decides(&self, placement: Placement) -> bool {
        self.sensors
            .iter()
            .any(|s| s.placement == placement && (s.leg || !self.legs_only))
    }

    /// Sensors taking part in the decision.
    pub fn deciding(&self) -> Vec<Placement> {
        self.sensors
            .iter()
            .filter(|s| s.leg || !self.legs_only)
            .map(|s| s.placement)
            .collect()
    }

    /// True when a leg sensor is present (single-leg stance can be timed).
    pub fn has_leg_sensor(&self) -> bool {
        self.sensors.iter().any(|s| s.leg)
    }

    /// Feeds samples of one sensor; returns its state changes (unknown sensors are ignored).
    pub fn push(&mut self, placement: Placement, samples: &[ImuSample]) -> Vec<MovementChange> {
        let Some(s) = self.sensors.iter_mut().find(|s| s.placement == placement) else {
            return Vec::new();
        };
        samples.iter().filter_map(|x| s.push(x)).collect()
    }

    /// True while any deciding sensor is moving.
    pub fn moving(&self) -> bool {
        self.sensors
            .iter()
            .any(|s| s.moving && (s.leg || !self.legs_only))
    }

    /// Largest current leg inclination change from standing, deg (None without leg sensors).
    pub fn max_leg_inclination_deg(&self) -> Option<f64> {
        self.sensors
            .iter()
            .filter(|s| s.leg)
            .map(|s| s.inclination_deg)
            .reduce(f64::max)
    }

    /// True when a leg sensor says its foot is lifted (see [`LIFTED_DEG`]).
    pub fn leg_lifted(&self) -> bool {
        self.max_leg_inclination_deg()
            .is_some_and(|d| d >= LIFTED_DEG)
    }
}
