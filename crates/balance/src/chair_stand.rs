//! 30-second chair stand (30s STS): repetition count from a lower-back sensor, with the CDC
//! STEADI below-average cut-offs by age and sex (the table lives in [`crate::fall_risk`]).
//!
//! Detection (after Adamowicz et al. 2020, Sensors 20:6618, skdh `Sit2Stand`, implemented from
//! the paper's description): the vertical velocity of the trunk ([`trunk`]) shows one positive
//! lobe per rise and one negative lobe per sit-down. A rise is an upward lobe with peak
//! ≥ 0.2 m/s and displacement ≥ 0.125 m (the paper's minima) **and** at least
//! [`FULL_RISE_FRACTION`] of the median displacement of all such rises, so a failed half-rise
//! does not count. The test starts ("go") at the onset of trunk flexion of the first rise
//! (back-dated with the tilt rate); a rise counts when it is more than halfway up (half its
//! displacement) before go + test duration — the STEADI rule "a stand more than halfway up
//! when time ends counts".
//!
//! Known failure modes: the recording must start before the first rise (seated); every rise
//! partial (e.g. pushing with the arms, score 0 by protocol) is counted, since the relative
//! rule compares rises with each other — the protocol's arm rule is operator-confirmed;
//! rises faster than ~0.6 s or a sensor slipping on the belt blur the velocity lobes; a
//! person who pauses standing for more than ~10 s (the velocity high-pass) is still counted,
//! but the half-way times drift by a few tens of ms.

pub mod trunk;

use serde::Serialize;
use steady_core::ImuSample;

use crate::fall_risk::{chair_stand_threshold, Sex, CHAIR_STAND_SOURCE};
pub use trunk::InputError;

/// A rise counts as full when its displacement is at least this fraction of the median rise.
pub const FULL_RISE_FRACTION: f64 = 0.6;
/// Default test duration, s (CDC STEADI).
pub const DEFAULT_DURATION_S: f64 = 30.0;
/// Trunk tilt rate below which the trunk is taken as not yet flexing, deg/s.
pub const FLEXION_QUIET_DPS: f64 = 5.0;

/// One detected rise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rise {
    /// Onset of trunk flexion, s.
    pub start_s: f64,
    /// More than halfway up, s.
    pub halfway_s: f64,
    /// Standing (vertical velocity back near zero), s.
    pub standing_s: f64,
    /// Vertical displacement of the lower back, m.
    pub displacement_m: f64,
    /// Peak vertical velocity, m/s.
    pub peak_velocity_mps: f64,
    /// Full rise (not a failed partial rise).
    pub full: bool,
    /// Counted in the score (full and halfway within the test time).
    pub counted: bool,
}

/// Result of a 30 s chair stand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChairStandResult {
    /// The score: full stands within the test time.
    pub count: u32,
    /// Test start (onset of the first rise), s.
    pub start_s: Option<f64>,
    /// Test end (start + duration), s.
    pub end_s: Option<f64>,
    /// Test duration used, s.
    pub duration_s: f64,
    /// Every rise detected (including partial and late ones).
    pub rises: Vec<Rise>,
    /// Partial rises that did not count.
    pub failed_rises: u32,
    /// Mean time between counted rises, s.
    pub mean_rep_s: Option<f64>,
    /// STEADI below-average threshold for the person, when age and sex are known.
    pub below_average_threshold: Option<f64>,
    /// Whether the score is below average (None without a threshold).
    pub below_average: Option<bool>,
    /// Source of the threshold.
    pub threshold_source: &'static str,
    /// Which sensor and method.
    pub method: &'static str,
}

/// Counts a chair stand from lower-back samples (`fs_hz` nominal rate). `duration_s` is the
/// test length (30 s); `age_years`/`sex` select the STEADI cut-off.
pub fn analyze(
    lower_back: &[ImuSample],
    fs_hz: f64,
    duration_s: f64,
    age_years: Option<f64>,
    sex: Option<Sex>,
) -> Result<ChairStandResult, InputError> {
    let sig = trunk::trunk_signals(lower_back, fs_hz)?;
    let duration_s = if duration_s.is_finite() && duration_s > 0.0 {
        duration_s
    } else {
        DEFAULT_DURATION_S
    };
    let ups: Vec<trunk::VerticalMove> = trunk::vertical_moves(&sig)
        .into_iter()
        .filter(|m| m.up)
        .collect();
    let mut d: Vec<f64> = ups.iter().map(|m| m.displacement_m).collect();
    d.sort_by(f64::total_cmp);
    let median = d.get(d.len() / 2).copied().unwrap_or(0.0);
    let mut rises: Vec<Rise> = ups
        .iter()
        .map(|m| {
            let s = trunk::flexion_onset(&sig, m.start, 1.5, FLEXION_QUIET_DPS);
            Rise {
                start_s: sig.t_s[s],
                halfway_s: m.half_s,
                standing_s: sig.t_s[m.end],
                displacement_m: m.displacement_m,
                peak_velocity_mps: m.peak_mps,
                full: m.displacement_m >= FULL_RISE_FRACTION * median,
                counted: false,
            }
        })
        .collect();
    let start = rises.first().map(|r| r.start_s);
    let end = start.map(|s| s + duration_s);
    if let Some(end) = end {
        for r in &mut rises {
            r.counted = r.full && r.halfway_s <= end;
        }
    }
    let counted: Vec<&Rise> = rises.iter().filter(|r| r.counted).collect();
    let count = counted.len() as u32;
    let mean_rep_s = (counted.len() >= 2).then(|| {
        (counted[counted.len() - 1].halfway_s - counted[0].halfway_s) / (counted.len() - 1) as f64
    });
    let failed_rises = rises
        .iter()
        .filter(|r| !r.full && end.is_some_and(|e| r.start_s <= e))
        .count() as u32;
    let threshold = match (age_years, sex) {
        (Some(a), Some(s)) => chair_stand_threshold(a, s),
        _ => None,
    };
    Ok(ChairStandResult {
        count,
        start_s: start,
        end_s: end,
        duration_s,
        rises,
        failed_rises,
        mean_rep_s,
        below_average_threshold: threshold,
        below_average: threshold.map(|t| f64::from(count) < t),
        threshold_source: CHAIR_STAND_SOURCE,
        method: "lower_back/vertical_velocity_lobes",
    })
}
