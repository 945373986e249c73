//! Instrumented Timed Up and Go (iTUG) from a lower-back sensor: total time and the phases
//! sit-to-stand, walk out, turn, walk back, turn-and-sit; gait of the walking phases from the
//! gait analysis (`steady-analysis`).
//!
//! Segmentation (after Salarian et al. 2010, IEEE TNSRE 18:303, described in `clinical.md`
//! §4.1; implemented from the description):
//! - trunk kinematics in earth terms ([`crate::chair_stand::trunk`]);
//! - **sit-to-stand** = the first upward vertical-velocity lobe (peak ≥ 0.2 m/s, ≥ 0.125 m);
//!   it starts at the onset of trunk flexion ("Go" is taken as the start of the movement) and
//!   ends when the vertical velocity is back near zero;
//! - **turns** = stretches where the yaw rate (low-passed at [`TURN_LP_HZ`]) exceeds
//!   [`TURN_ONSET_FRACTION`] of its peak (at least [`TURN_MIN_RATE_DPS`]), with integrated yaw
//!   ≥ [`TURN_MIN_DEG`]; the first after standing is the turn at the line, the last the turn in
//!   front of the chair;
//! - **sit-down** = the first downward lobe after the second turn; the test ends when the
//!   vertical velocity is back near zero and the trunk tilt rate is quiet (seated, leaning
//!   back);
//! - walk out = standing → turn 1, walk back = turn 1 → turn 2, turn-and-sit = turn 2 → seated.
//!
//! [`progress`] runs the same segmentation on the samples of a test still under way and gives
//! the latest phase whose start it has found (provisional: for a live display).
//!
//! Known failure modes: a patient who turns while sitting down merges turn 2 into the sit;
//! a very slow, shuffling turn (< 30 °/s) is missed; trunk sway while walking with a walker
//! can reach the turn threshold; if the recording starts after "Go" the sit-to-stand is lost
//! (error). The stopwatch starts at the instruction, the sensor at the movement: expect the
//! instrumented total to be shorter than a stopwatch by the reaction time.

use serde::Serialize;
use steady_analysis::dsp::{FilterKind, Sos};
use steady_analysis::gait::types::EventKind;
use steady_analysis::gait::GaitReport;
use steady_analysis::{SensorInput, Subject};
use steady_core::{ImuSample, Placement};

use crate::chair_stand::trunk::{self, InputError, TrunkSignals};
use crate::fall_risk::{TUG_AT_RISK_S, TUG_SOURCE};

/// Low-pass of the yaw rate for turn detection, Hz (removes the stride-frequency pelvis yaw).
pub const TURN_LP_HZ: f64 = 0.8;
/// Turn onset/offset at this fraction of the turn's peak yaw rate.
pub const TURN_ONSET_FRACTION: f64 = 0.15;
/// A turn must exceed this peak yaw rate, deg/s.
pub const TURN_MIN_RATE_DPS: f64 = 30.0;
/// A turn must integrate to at least this much yaw, deg (a TUG turn is ~180°).
pub const TURN_MIN_DEG: f64 = 90.0;
/// Trunk tilt rate below which the trunk is taken as still, deg/s.
pub const FLEXION_QUIET_DPS: f64 = 5.0;

/// Why a TUG could not be segmented.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TugError {
    /// Bad or missing input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// A phase was not found.
    #[error("TUG phase not found: {0}")]
    PhaseNotFound(&'static str),
}

/// One detected turn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Turn {
    /// Start, s.
    pub start_s: f64,
    /// End, s.
    pub end_s: f64,
    /// Integrated yaw, deg (+ = left).
    pub angle_deg: f64,
    /// Peak yaw rate, deg/s.
    pub peak_rate_dps: f64,
}

/// Phase durations, s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TugPhases {
    /// Movement start to standing.
    pub sit_to_stand_s: f64,
    /// Standing to the turn at the line.
    pub walk_out_s: f64,
    /// The turn at the line.
    pub turn_s: f64,
    /// The turn at the line to the turn in front of the chair.
    pub walk_back_s: f64,
    /// Turn in front of the chair and sitting down.
    pub turn_and_sit_s: f64,
}

/// Gait during the walking phases (walk out and walk back).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TugGait {
    /// Initial contacts detected in the walking phases.
    pub steps: u32,
    /// Cadence from the step times of the walking phases, steps/min.
    pub cadence_spm: Option<f64>,
    /// Strides wholly inside a walking phase.
    pub strides: u32,
    /// Mean stride time of those strides, s.
    pub stride_time_s: Option<f64>,
    /// Mean stride length of those strides, m.
    pub stride_length_m: Option<f64>,
    /// Mean double support of those strides, s.
    pub double_support_s: Option<f64>,
}

/// Result of an instrumented TUG.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TugResult {
    /// Total time, movement start to seated, s.
    pub total_s: f64,
    /// Movement start ("Go"), s.
    pub start_s: f64,
    /// Standing, first step, s.
    pub stand_end_s: f64,
    /// Turn at the line.
    pub turn1: Turn,
    /// Turn in front of the chair.
    pub turn2: Turn,
    /// Seated, s.
    pub end_s: f64,
    /// Phase durations.
    pub phases: TugPhases,
    /// Gait of the walking phases (None without any event there).
    pub gait: Option<TugGait>,
    /// Total ≥ the STEADI cut-off.
    pub at_risk: bool,
    /// The cut-off used, s.
    pub threshold_s: f64,
    /// Its source.
    pub threshold_source: &'static str,
    /// Which sensor and method.
    pub method: &'static str,
}

/// Turns in the trunk signals (see the module doc).
pub fn turns(sig: &TrunkSignals) -> Vec<Turn> {
    let Ok(lp) = Sos::butterworth(2, FilterKind::LowPass(TURN_LP_HZ), sig.fs_hz) else {
        return Vec::new();
    };
    let w = lp.filtfilt(&sig.yaw_rate_dps, (3.0 * sig.fs_hz) as usize);
    let dt = 1.0 / sig.fs_hz;
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        if w[i].abs() < TURN_MIN_RATE_DPS {
            i += 1;
            continue;
        }
        // A candidate: grow to the peak of this same-signed stretch, then bound at a fraction.
        let sign = w[i].signum();
        let mut j = i;
        while j < w.len() && w[j] * sign >= TURN_MIN_RATE_DPS {
            j += 1;
        }
        let peak_i = (i..j)
            .max_by(|&a, &b| (w[a] * sign).total_cmp(&(w[b] * sign)))
            .unwrap_or(i);
        let level = TURN_ONSET_FRACTION * w[peak_i].abs();
        let mut s = peak_i;
        while s > 0 && w[s - 1] * sign > level {
            s -= 1;
        }
        let mut e = peak_i;
        while e + 1 < w.len() && w[e + 1] * sign > level {
            e += 1;
        }
        let angle: f64 = w[s..=e].iter().sum::<f64>() * dt;
        if angle.abs() >= TURN_MIN_DEG {
            out.push(Turn {
                start_s: sig.t_s[s],
                end_s: sig.t_s[e],
                angle_deg: angle,
                peak_rate_dps: w[peak_i].abs(),
            });
        }
        i = e.max(j) + 1;
    }
    out
}

/// Segments a TUG. `inputs` must hold a lower-back sensor; `gait` is the gait analysis of the
/// same inputs when the caller already has it (else it is computed here).
pub fn analyze(
    inputs: &[SensorInput<'_>],
    subject: &Subject,
    gait: Option<&GaitReport>,
) -> Result<TugResult, TugError> {
    let lb = inputs
        .iter()
        .find(|i| i.placement == Placement::LowerBack)
        .ok_or(InputError::MissingSensor("lower-back"))?;
    let sig = trunk::trunk_signals(lb.samples, lb.sampling_rate_hz)?;
    let moves = trunk::vertical_moves(&sig);
    let rise = moves
        .iter()
        .find(|m| m.up)
        .ok_or(TugError::PhaseNotFound("sit-to-stand"))?;
    let start_i = trunk::flexion_onset(&sig, rise.start, 1.5, FLEXION_QUIET_DPS);
    let start_s = sig.t_s[start_i];
    let stand_end_s = sig.t_s[rise.end];
    let ts = turns(&sig);
    let after = turns_after_rise(&ts, stand_end_s);
    let turn1 = **after
        .first()
        .ok_or(TugError::PhaseNotFound("turn at the line"))?;
    let sit = moves
        .iter()
        .filter(|m| !m.up && sig.t_s[m.start] > turn1.end_s)
        .find(|m| {
            // The first sit-down after a second turn.
            after.iter().skip(1).any(|t| t.start_s < sig.t_s[m.end])
        })
        .ok_or(TugError::PhaseNotFound("sit-down"))?;
    // Seated: the trunk is back upright and still (tilt rate quiet) after the downward lobe.
    let end_i = (sit.end..sig.t_s.len().min(sit.end + (2.0 * sig.fs_hz) as usize))
        .find(|&k| sig.tilt_rate_dps[k] < FLEXION_QUIET_DPS)
        .unwrap_or(sit.end);
    let end_s = sig.t_s[end_i];
    let turn2 = **after
        .iter()
        .skip(1)
        .rfind(|t| t.start_s < end_s)
        .ok_or(TugError::PhaseNotFound("turn in front of the chair"))?;
    let phases = TugPhases {
        sit_to_stand_s: stand_end_s - start_s,
        walk_out_s: turn1.start_s - stand_end_s,
        turn_s: turn1.end_s - turn1.start_s,
        walk_back_s: turn2.start_s - turn1.end_s,
        turn_and_sit_s: end_s - turn2.start_s,
    };
    let owned;
    let report = match gait {
        Some(g) => g,
        None => {
            owned = steady_analysis::gait::analyze(inputs, subject);
            &owned
        }
    };
    let walking = [(stand_end_s, turn1.start_s), (turn1.end_s, turn2.start_s)];
    let total_s = end_s - start_s;
    Ok(TugResult {
        total_s,
        start_s,
        stand_end_s,
        turn1,
        turn2,
        end_s,
        phases,
        gait: walking_gait(report, &walking),
        at_risk: total_s >= TUG_AT_RISK_S,
        threshold_s: TUG_AT_RISK_S,
        threshold_source: TUG_SOURCE,
        method: "lower_back/vertical_velocity+yaw_rate",
    })
}

/// A phase of the TUG, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TugPhase {
    /// Rising from the chair.
    SitToStand,
    /// Walking to the line.
    WalkOut,
    /// Turning at the line.
    Turn,
    /// Walking back to the chair.
    WalkBack,
    /// Turning in front of the chair and sitting down.
    TurnToSit,
    /// Seated again (the test is over).
    Seated,
}

impl TugPhase {
    /// Plain words for the phase.
    pub fn as_str(self) -> &'static str {
        match self {
            TugPhase::SitToStand => "sit-to-stand",
            TugPhase::WalkOut => "walk out",
            TugPhase::Turn => "turn",
            TugPhase::WalkBack => "walk back",
            TugPhase::TurnToSit => "turn to sit",
            TugPhase::Seated => "seated",
        }
    }
}

/// Where a TUG under way has got to, as far as the samples so far show.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TugProgress {
    /// The latest phase whose start the segmentation has found.
    pub phase: TugPhase,
    /// When it started, s.
    pub since_s: f64,
}

/// The latest TUG phase found in lower-back samples of a test still under way (from before
/// "Go" to now), by the same segmentation as [`analyze`] applied to what there is so far:
/// a phase counts once its start is found — the rise once its vertical-velocity lobe
/// qualifies, a turn once it has integrated [`TURN_MIN_DEG`], the sit once its downward
/// lobe (or a second turn) follows the first turn. So a phase shows up to about a second after
/// it starts, and zero-lag filtering at the end of the data makes it provisional (the final
/// [`analyze`] of the whole test is the result). `None` before the rise is found or for
/// unusable input.
pub fn progress(lower_back: &[ImuSample], fs_hz: f64) -> Option<TugProgress> {
    let sig = trunk::trunk_signals(lower_back, fs_hz).ok()?;
    let last = sig.t_s.len().checked_sub(1)?;
    let moves = trunk::vertical_moves(&sig);
    let rise = moves.iter().find(|m| m.up)?;
    let at = |phase, since_s| Some(TugProgress { phase, since_s });
    if rise.end >= last {
        let start_i = trunk::flexion_onset(&sig, rise.start, 1.5, FLEXION_QUIET_DPS);
        return at(TugPhase::SitToStand, sig.t_s[start_i]);
    }
    let stand_end_s = sig.t_s[rise.end];
    let ts = turns(&sig);
    let after = turns_after_rise(&ts, stand_end_s);
    let Some(turn1) = after.first() else {
        return at(TugPhase::WalkOut, stand_end_s);
    };
    if turn1.end_s >= sig.t_s[last] {
        return at(TugPhase::Turn, turn1.start_s);
    }
    let sit = moves
        .iter()
        .find(|m| !m.up && sig.t_s[m.start] > turn1.end_s);
    let sit_start = match (after.get(1), sit) {
        (Some(t2), Some(m)) => t2.start_s.min(sig.t_s[m.start]),
        (Some(t2), None) => t2.start_s,
        (None, Some(m)) => sig.t_s[m.start],
        (None, None) => return at(TugPhase::WalkBack, turn1.end_s),
    };
    match sit {
        // Seated: the downward lobe is over and the trunk is still (as in `analyze`).
        Some(m) if m.end < last => {
            match (m.end..=last).find(|&k| sig.tilt_rate_dps[k] < FLEXION_QUIET_DPS) {
                Some(k) if k < last => at(TugPhase::Seated, sig.t_s[k]),
                _ => at(TugPhase::TurnToSit, sit_start),
            }
        }
        _ => at(TugPhase::TurnToSit, sit_start),
    }
}

/// The turns of the test proper: those starting no earlier than 0.5 s before the rise ends
/// (one rule for [`analyze`] and [`progress`]).
fn turns_after_rise(turns: &[Turn], stand_end_s: f64) -> Vec<&Turn> {
    turns
        .iter()
        .filter(|t| t.start_s >= stand_end_s - 0.5)
        .collect()
}

fn mean(x: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = x.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Gait of the events and strides inside `phases` (start, end) of `report`.
pub fn walking_gait(report: &GaitReport, phases: &[(f64, f64)]) -> Option<TugGait> {
    let inside = |a: f64, b: f64| phases.iter().any(|&(s, e)| a >= s && b <= e);
    let mut cadence_n = 0.0;
    let mut cadence_t = 0.0;
    let mut steps = 0u32;
    for &(s, e) in phases {
        let ics: Vec<f64> = report
            .events
            .iter()
            .filter(|ev| ev.kind == EventKind::InitialContact && ev.t_s >= s && ev.t_s <= e)
            .map(|ev| ev.t_s)
            .collect();
        steps += ics.len() as u32;
        if ics.len() >= 2 {
            cadence_n += (ics.len() - 1) as f64;
            cadence_t += ics[ics.len() - 1] - ics[0];
        }
    }
    if steps == 0 {
        return None;
    }
    let strides: Vec<_> = report
        .strides
        .iter()
        .filter(|s| inside(s.start_s, s.end_s))
        .collect();
    Some(TugGait {
        steps,
        cadence_spm: (cadence_t > 0.0).then(|| 60.0 * cadence_n / cadence_t),
        strides: strides.len() as u32,
        stride_time_s: mean(strides.iter().map(|s| s.duration_s())),
        stride_length_m: mean(strides.iter().filter_map(|s| s.length_m)),
        double_support_s: mean(strides.iter().filter_map(|s| s.double_support_s)),
    })
}
