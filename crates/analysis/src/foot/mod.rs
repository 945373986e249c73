//! Leg-mounted gait (one IMU per foot or per shank): per-leg IC, FC, strides, stance/swing
//! and, for feet, zero-velocity-update (ZUPT) stride length.
//!
//! Method (implemented from the papers, no code ported):
//! - sagittal axis = dominant principal axis of the angular rate (foot and shank rotation in
//!   walking is almost planar, Mariani et al. 2010), accumulated over all data seen so far;
//!   its sign is chosen so that the swing rotation is positive, so mirror-mounted or rotated
//!   sensors need no axis convention. Feet: the rotation in the [`HEEL_RISE_S`] after each
//!   foot rest (rate norm < [`REST_DPS`] for ≥ 100 ms) is the heel rise, which turns the foot
//!   against the swing, so it votes for the sign (the skewness of the smoothed rate, used
//!   before, flipped back and forth over the first strides of healthy_walk: the push-off
//!   lobe of a foot is nearly as large as its swing lobe). Shanks (no rest) and feet before
//!   their first rest: the skewness of the rate low-passed at [`SWING_LP_HZ`] (the shank's
//!   swing lobe is much taller than its stance rotation);
//! - strides are segmented at the mid-swing peaks (Rampp et al. 2015 and Salarian et al. 2004
//!   both anchor the stride at the swing-phase gyro peak);
//! - FC (toe-off) = the deepest negative sagittal rate in the half-swing before mid-swing
//!   (low-passed at [`FC_LP_HZ`]): the push-off rotation of the foot (and the backward
//!   rotation of the shank) is fastest when the toe leaves the ground and reverses as soon as
//!   the limb swings (Salarian 2004 terminal contact = the minimum before mid-swing; for the
//!   foot Sabatini et al. 2005 use the same negative peak). The minimum is refined by a
//!   parabola through the three samples around it (sub-sample time);
//! - IC (heel strike), feet: the first zero crossing of the sagittal rate after mid-swing
//!   (low-passed at [`IC_LP_HZ`]; the forward swing rotation of the foot is arrested at heel
//!   contact, Aminian et al. 2002), linearly interpolated;
//!   shanks: the first local minimum below −[`SHANK_IC_MIN_DPS`] within a half swing after
//!   mid-swing (Salarian 2004: the heel-strike minimum following mid-swing),
//!   parabola-refined; when the signal shows no such minimum (a smooth landing without a
//!   heel-strike transient) the zero crossing where the forward swing ends, as for feet;
//! - ZUPT (feet only): mid-stance = the lowest angular-rate norm (100 ms mean) between IC
//!   and the onset of the next swing (the low-passed sagittal rate back above the swing
//!   threshold, i.e. just after the next FC) or [`MAX_STANCE_S`], where the foot is flat
//!   and still. Between two mid-stances attitude is
//!   integrated from the gyro starting at the tilt given by gravity (mean of the 100 ms
//!   still window), gravity (the still windows' measured magnitude, so an accelerometer
//!   scale error cancels) is subtracted in the world frame and the acceleration is
//!   integrated to velocity and position (Peruzzi et al. 2011, Rampp et al. 2015, Hannink
//!   et al. 2017); the horizontal displacement is the stride length. The velocity left at
//!   the closing rest phase (the ZUPT residual) is removed as a *step at the heel strike*
//!   rather than a linear ramp: the residual comes from the heel-strike shock (≥ 10 g for a
//!   few ms, under-sampled at 100–200 Hz and clipped by ±16 g accelerometers), not from a
//!   slow tilt drift — before the impact the foot has flown < 0.7 s from a gravity-aligned
//!   rest. Measured on healthy_walk (56 straight and turning strides vs motion capture):
//!   linear ramp 2.8 % MAE, step at IC 1.1 %, step at IC plus a drift slope fitted on the
//!   closing rest phase 1.3 %.
//!   Also tried and dropped: subtracting the still windows' mean rate as gyro bias (worse:
//!   the foot still rolls slightly at mid-stance), spreading the end tilt error over the
//!   stride (no gain), integrating only between zero-velocity phases (no gain).
//!
//! Streaming, with a fixed latency: every [`BLOCK_S`] (by *sample index*) the new samples'
//! sagittal rate (projected on the axis of that moment; the filter state carries over, the
//! axis changes slowly) runs through the causal pass of the three low-pass filters, and the
//! finished block gets its anti-causal pass, started [`SMOOTH_TAIL_S`] later for the 3 Hz
//! filter and the same number of their own (5–10× shorter) time constants later for the
//! IC and FC filters, 0.1 s at 15 Hz (overlap-block zero-phase IIR filtering). Each
//! second-order section runs in transposed direct form II with its output substituted into
//! the state update (same states and transfer function; the recursion is one multiply and
//! one subtraction per sample, which halves the latency that bounds these passes); the
//! events of each block are searched with [`EVENT_CONTEXT_S`] of smoothed signal on both
//! sides. So the
//! output never depends on how the input was chunked, and live and offline results are the
//! same. FC and IC are reported at most [`EVENT_LATENCY_S`] (2.0 s) after the swing peak
//! between them (IC ≤ 2.0 s after it happened, FC ≤ 2.4 s); a stride is reported once the
//! mid-stance after its closing IC is known — at the next swing onset, or
//! [`MAX_STANCE_S`] after the IC when walking stops — i.e. at most [`STRIDE_LATENCY_S`]
//! (2.5 s) after the stride ends (about one stride in steady walking). Memory: the raw
//! samples of about one stride plus the event context (≈ 4 s; 0.17 MB held at 204.8 Hz,
//! with the buffers' growth slack).
//!
//! Samples with non-finite values are dropped; the timeline is taken from the samples' own
//! `t` (a hole is not bridged: events near it may be missed, none are invented).

use crate::dsp::{Biquad, FilterKind, Sos};
use crate::gait::types::{EventKind, GaitEvent, Stride};
use crate::gait::{SideDetector, SideOutput};
use nalgebra::{Matrix3, Quaternion, UnitQuaternion, Vector3};
use steady_core::{ImuSample, Side};

/// Low-pass cut-off for finding the swing lobe (Hz): above the ≤ 2 Hz stride fundamental
/// with margin, below the heel-strike transients.
pub const SWING_LP_HZ: f64 = 3.0;
/// Low-pass cut-off of the IC signal (Hz): keeps the swing deceleration (foot rotation
/// content is below ~15 Hz, Winter 2009) and removes the heel-impact ringing.
pub const IC_LP_HZ: f64 = 15.0;
/// Low-pass cut-off of the FC signal (Hz): the push-off peak is sharp (≈ 50 ms), so it
/// keeps more bandwidth; 30 Hz is the cut-off Salarian et al. 2004 used for shank events.
/// Limited to 0.4 × the sampling rate for slow sensors.
pub const FC_LP_HZ: f64 = 30.0;
/// Smallest mid-swing angular rate of the foot counted as a stride (deg/s): slow
/// pathological gait still swings the foot at > 100 deg/s.
pub const MIN_SWING_DPS: f64 = 60.0;
/// Smallest mid-swing angular rate of the shank (deg/s): Salarian et al. 2004 (50 deg/s).
pub const SHANK_MIN_SWING_DPS: f64 = 50.0;
/// Largest toe-off rate of the shank (deg/s, negative): Salarian et al. 2004 require the
/// terminal-contact minimum below −20 deg/s.
pub const SHANK_FC_MAX_DPS: f64 = -20.0;
/// Depth of the shank heel-strike minimum (deg/s): below −10 deg/s (Salarian et al. 2004
/// defaults as reimplemented in several open packages, see research/clinical.md 1.2).
pub const SHANK_IC_MIN_DPS: f64 = 10.0;
/// Shortest time between two mid-swing peaks of one leg (s): the shortest stride
/// (Mobilise-D plausibility limit 0.46 s; Salarian 2004 merge peaks within 0.5 s).
pub const MIN_STRIDE_S: f64 = 0.46;
/// Longest time from toe-off to mid-swing and from mid-swing to heel strike (s): swing
/// lasts ≤ 0.8 s even in slow gait.
pub const HALF_SWING_MAX_S: f64 = 0.4;
/// Longest stance searched for the mid-stance after an IC when no next toe-off comes (s).
pub const MAX_STANCE_S: f64 = 1.5;
/// Half-width of the mid-stance (still) window (s): 100 ms windows as in Rampp et al. 2015.
pub const STILL_HALF_S: f64 = 0.05;
/// Largest plausible stride length (m): Mobilise-D global limit 2.19 m, with margin.
pub const MAX_STRIDE_LENGTH_M: f64 = 2.5;
/// Angular-rate norm below which a foot is at rest (deg/s): far above gyro noise (< 1
/// deg/s) and the slight foot roll at mid-stance (≈ 10 deg/s), far below the heel-rise
/// rotation that ends the rest (> 100 deg/s).
pub const REST_DPS: f64 = 30.0;
/// Part of the sagittal rate just after a foot rest that votes on the axis sign (s): the
/// heel rise towards toe-off, which always turns the foot against the swing rotation.
pub const HEEL_RISE_S: f64 = 0.15;

/// Length of one streaming block (s): the unit of the smoothing segments and event cores.
pub const BLOCK_S: f64 = 0.5;
/// Run-in of the backward (anti-causal) filter pass past a segment's end (s): > 6 time
/// constants (≈ 75 ms) of the slowest, 3 Hz, filter, so the cut-off transient is < 0.2 %.
/// The faster IC and FC filters (time constants in proportion to 1 / cut-off) get the same
/// number of their own time constants: [`SMOOTH_TAIL_S`] × [`SWING_LP_HZ`] / cut-off
/// (0.1 s at 15 Hz).
pub const SMOOTH_TAIL_S: f64 = 0.5;
/// Half-window of the swing-peak prominence (s): reaches the push-off and heel-strike dips
/// that bound a swing lobe (each within [`HALF_SWING_MAX_S`] of the peak) with margin.
pub const PEAK_WINDOW_S: f64 = 0.5;
/// Context of an event core on each side (s), a whole number of blocks: the prominence
/// window plus [`MIN_STRIDE_S`] (a higher peak that close may suppress a core peak).
pub const EVENT_CONTEXT_S: f64 = 1.0;
/// Worst-case delay from a swing peak to the report of its FC and IC (s): the event core
/// plus its context plus the smoothing run-in ([`BLOCK_S`] + [`EVENT_CONTEXT_S`] +
/// [`SMOOTH_TAIL_S`]).
pub const EVENT_LATENCY_S: f64 = BLOCK_S + EVENT_CONTEXT_S + SMOOTH_TAIL_S;
/// Worst-case delay from a stride's closing IC to the report of the stride (s): its
/// mid-stance is resolved at the next swing onset, at most [`MAX_STANCE_S`] after the IC,
/// once that part is smoothed ([`BLOCK_S`] + [`SMOOTH_TAIL_S`]); the IC itself is known
/// earlier (≤ [`EVENT_LATENCY_S`] after the preceding swing peak).
pub const STRIDE_LATENCY_S: f64 = MAX_STANCE_S + BLOCK_S + SMOOTH_TAIL_S;

/// Where a leg sensor sits (decides the IC rule and whether ZUPT applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegSegment {
    /// On the shoe / foot (Rampp-style events, ZUPT stride length).
    Foot,
    /// On the shank (Salarian/Aminian-style events, no stride length).
    Shank,
}

/// One swing of the leg (absolute sample indices, fractional event times in s).
#[derive(Debug, Clone, Copy)]
struct Swing {
    fc: u64,
    fc_t_s: f64,
    ic: u64,
    ic_t_s: f64,
    /// Mid-stance after this IC, once resolved (None = not yet; Some(None) = not found).
    ms_after: Option<Option<u64>>,
}

/// A stride waiting for its closing mid-stance.
#[derive(Debug, Clone, Copy)]
struct Pending {
    stride: Stride,
    ms_start: Option<u64>,
    /// Sample of the IC that ends the stride (the heel-strike impact).
    ic_end: u64,
}

/// The three sections side by side (lanes 0–2; lane 3 is all zero, padding to an even
/// width so the compiler can use packed arithmetic). Each lane is one second-order section
/// in transposed direct form II with the output substituted into the state update:
/// y = b0·x + z0, z0' = (b1 − a1·b0)·x + z1 − a1·z0, z1' = (b2 − a2·b0)·x − a2·z0 (the
/// same states and transfer function). The recursion then runs through one multiply and
/// one subtraction per sample instead of four dependent operations, so the passes, which
/// are bound by that latency, take about half the time.
#[derive(Debug, Clone, Copy)]
struct Bank {
    b0: [f64; 4],
    c0: [f64; 4],
    c1: [f64; 4],
    a0: [f64; 4],
    a1: [f64; 4],
}

impl Bank {
    fn new(f: &[Biquad; 3]) -> Bank {
        let lane = |g: &dyn Fn(&Biquad) -> f64| [g(&f[0]), g(&f[1]), g(&f[2]), 0.0];
        Bank {
            b0: lane(&|s| s.b[0]),
            c0: lane(&|s| s.b[1] - s.a[0] * s.b[0]),
            c1: lane(&|s| s.b[2] - s.a[1] * s.b[0]),
            a0: lane(&|s| s.a[0]),
            a1: lane(&|s| s.a[1]),
        }
    }

    /// One sample through every lane: `z[0]`, `z[1]` are the lanes' two state values.
    #[inline(always)]
    fn step(&self, z: &mut [[f64; 4]; 2], x: [f64; 4]) -> [f64; 4] {
        let mut y = [0.0; 4];
        for l in 0..4 {
            y[l] = self.b0[l] * x[l] + z[0][l];
            let z0 = z[0][l];
            z[0][l] = (self.c0[l] * x[l] + z[1][l]) - self.a0[l] * z0;
            z[1][l] = self.c1[l] * x[l] - self.a1[l] * z0;
        }
        y
    }
    /// The state update of lane 0 alone (the same operations as its lane in
    /// [`Bank::step`]; the output is not needed during a run-in).
    #[inline(always)]
    fn step_lane0(&self, z: &mut [f64; 2], x: f64) {
        let z0 = z[0];
        z[0] = (self.c0[0] * x + z[1]) - self.a0[0] * z0;
        z[1] = self.c1[0] * x - self.a1[0] * z0;
    }

    /// Lane states of [`bq_init`] for the inputs `x0`.
    fn init(f: &[Biquad; 3], x0: [f64; 3]) -> [[f64; 4]; 2] {
        let z: [[f64; 2]; 3] = [
            bq_init(&f[0], x0[0]),
            bq_init(&f[1], x0[1]),
            bq_init(&f[2], x0[2]),
        ];
        [
            [z[0][0], z[1][0], z[2][0], 0.0],
            [z[0][1], z[1][1], z[2][1], 0.0],
        ]
    }
}

/// State of a section as if its input had been `x0` forever.
fn bq_init(s: &Biquad, x0: f64) -> [f64; 2] {
    let y = s.dc_gain() * x0;
    [y - s.b[0] * x0, s.b[2] * x0 - s.a[1] * y]
}

/// Streaming gait detector for one foot or shank sensor.
///
/// Pipeline: every [`BLOCK_S`] the new samples' sagittal rate goes through the causal
/// (forward) pass of the three low-pass filters and the finished block through the
/// anti-causal (backward) pass, started [`SMOOTH_TAIL_S`] later (the overlap-block form of
/// zero-phase IIR filtering); swing peaks, FC and IC are then found in
/// each block with [`EVENT_CONTEXT_S`] of smoothed signal on both sides. Every step is
/// triggered by sample *index*, so the output does not depend on how input is chunked.
#[derive(Debug, Clone)]
pub struct LegDetector {
    segment: LegSegment,
    side: Side,
    fs_hz: f64,
    block_n: u64,
    tail_n: u64,
    /// Run-in of the IC and FC filters (≤ `tail_n`).
    fast_tail_n: u64,
    ctx_n: u64,
    still_w: u64,
    max_stance_n: u64,
    filters: Option<[Biquad; 3]>,
    fwd_z: [[f64; 4]; 2],
    raw: Vec<ImuSample>,
    raw_start: u64,
    /// Angular-rate norm of the raw samples (feet), from `norm_start`, filled per segment.
    rate_norm: Vec<f64>,
    norm_start: u64,
    fwd: Vec<[f64; 3]>,
    fwd_start: u64,
    /// Reused buffer of the event window's signed slow rate.
    scratch: Vec<f64>,
    sm: Vec<[f64; 3]>,
    sm_start: u64,
    sm_end: u64,
    n_total: u64,
    seg_done: u64,
    ev_done: u64,
    cov_n: f64,
    cov_upto: u64,
    cov_sum: Vector3<f64>,
    cov_sq: Matrix3<f64>,
    axis: Option<Vector3<f64>>,
    skew: f64,
    rest_run: u64,
    rest_ends: Vec<u64>,
    heel_rise_vote: f64,
    last: Option<Swing>,
    onset_scan: u64,
    pending: Option<Pending>,
}

/// Foot detector (the [`LegDetector`] for [`LegSegment::Foot`]).
pub type FootDetector = LegDetector;

impl LegDetector {
    /// A detector for the `side` foot sampled at `fs_hz`.
    pub fn new(side: Side, fs_hz: f64) -> LegDetector {
        LegDetector::for_segment(LegSegment::Foot, side, fs_hz)
    }

    /// A detector for the `side` shank sampled at `fs_hz`.
    pub fn shank(side: Side, fs_hz: f64) -> LegDetector {
        LegDetector::for_segment(LegSegment::Shank, side, fs_hz)
    }

    /// A detector for a sensor on `segment` of the `side` leg sampled at `fs_hz`.
    /// A rate at which the filters cannot be designed (≤ 4 × [`SWING_LP_HZ`] or not
    /// finite) gives a detector that reports nothing.
    pub fn for_segment(segment: LegSegment, side: Side, fs_hz: f64) -> LegDetector {
        let ok = fs_hz.is_finite() && fs_hz > 4.0 * SWING_LP_HZ;
        let filters = ok
            .then(|| {
                let lp = |f: f64| {
                    Sos::butterworth(2, FilterKind::LowPass(f), fs_hz)
                        .ok()
                        .and_then(|s| s.sections.first().copied())
                };
                Some([
                    lp(SWING_LP_HZ)?,
                    lp(IC_LP_HZ.min(0.4 * fs_hz))?,
                    lp(FC_LP_HZ.min(0.4 * fs_hz))?,
                ])
            })
            .flatten();
        let fs = if ok { fs_hz } else { 100.0 };
        // The slower of the two event filters sets their common run-in.
        let event_cut_hz = IC_LP_HZ.min(FC_LP_HZ).min(0.4 * fs);
        let tail_n = (SMOOTH_TAIL_S * fs).round() as u64;
        let fast_tail_n =
            ((SMOOTH_TAIL_S * SWING_LP_HZ / event_cut_hz * fs).round() as u64).min(tail_n);
        let block_n = ((BLOCK_S * fs).round() as u64).max(1);
        LegDetector {
            segment,
            side,
            fs_hz: fs,
            block_n,
            tail_n,
            fast_tail_n,
            ctx_n: (EVENT_CONTEXT_S / BLOCK_S).round() as u64 * block_n,
            still_w: ((STILL_HALF_S * fs) as u64).max(1),
            max_stance_n: (MAX_STANCE_S * fs) as u64,
            filters,
            fwd_z: [[0.0; 4]; 2],
            raw: Vec::new(),
            raw_start: 0,
            rate_norm: Vec::new(),
            norm_start: 0,
            fwd: Vec::new(),
            fwd_start: 0,
            scratch: Vec::new(),
            sm: Vec::new(),
            sm_start: 0,
            sm_end: 0,
            n_total: 0,
            seg_done: 0,
            ev_done: 0,
            cov_n: 0.0,
            cov_upto: 0,
            cov_sum: Vector3::zeros(),
            cov_sq: Matrix3::zeros(),
            axis: None,
            skew: 0.0,
            rest_run: 0,
            rest_ends: Vec::new(),
            heel_rise_vote: 0.0,
            last: None,
            onset_scan: 0,
            pending: None,
        }
    }

    /// Bytes held for buffered samples and filter outputs.
    pub fn buffered_bytes(&self) -> usize {
        self.raw.capacity() * std::mem::size_of::<ImuSample>()
            + self.fwd.capacity() * std::mem::size_of::<[f64; 3]>()
            + self.sm.capacity() * std::mem::size_of::<[f64; 3]>()
            + (self.rate_norm.capacity() + self.scratch.capacity()) * std::mem::size_of::<f64>()
    }

    fn sample(&self, i: u64) -> &ImuSample {
        &self.raw[(i - self.raw_start) as usize]
    }

    /// Time (s) of the fractional absolute index `i + frac`.
    fn time_s(&self, i: u64, frac: f64) -> f64 {
        self.sample(i).t.0 as f64 / 1e6 + frac / self.fs_hz
    }

    /// Orientation of the sagittal axis that makes the swing rotation positive. Feet: the
    /// heel rise after each rest turns the foot opposite to the swing (the vote); shanks
    /// (no rest) and feet before their first rest: the skewness of the smoothed rate (the
    /// swing lobe is the tallest, narrowest rotation).
    fn sign(&self) -> f64 {
        if self.heel_rise_vote != 0.0 {
            return if self.heel_rise_vote > 0.0 { -1.0 } else { 1.0 };
        }
        if self.skew < 0.0 {
            -1.0
        } else {
            1.0
        }
    }

    fn min_swing_dps(&self) -> f64 {
        match self.segment {
            LegSegment::Foot => MIN_SWING_DPS,
            LegSegment::Shank => SHANK_MIN_SWING_DPS,
        }
    }

    /// Adds the samples not yet seen, up to `end` (exclusive), to the axis covariance.
    fn covariance_upto(&mut self, end: u64) {
        let from = (self.cov_upto.max(self.raw_start) - self.raw_start) as usize;
        let to = (end.max(self.cov_upto) - self.raw_start) as usize;
        // Sums of the products g_r·g_c: the six distinct ones, the matrix is symmetric
        // (each product is computed once and mirrored, so the sums equal the full outer
        // product's, with half the work per sample).
        let m = &self.cov_sq;
        let (mut xx, mut xy, mut xz, mut yy, mut yz, mut zz) = (
            m[(0, 0)],
            m[(0, 1)],
            m[(0, 2)],
            m[(1, 1)],
            m[(1, 2)],
            m[(2, 2)],
        );
        let (mut sx, mut sy, mut sz) = (self.cov_sum.x, self.cov_sum.y, self.cov_sum.z);
        for s in &self.raw[from..to] {
            let [x, y, z] = s.gyr_dps;
            self.cov_n += 1.0;
            sx += x;
            sy += y;
            sz += z;
            xx += x * x;
            xy += x * y;
            xz += x * z;
            yy += y * y;
            yz += y * z;
            zz += z * z;
        }
        self.cov_sum = Vector3::new(sx, sy, sz);
        self.cov_sq = Matrix3::new(xx, xy, xz, xy, yy, yz, xz, yz, zz);
        self.cov_upto = self.cov_upto.max(end);
    }

    /// Causal (forward) pass of the three filters on the sagittal rate (the gyro projected
    /// on `axis`, the current segment's axis), for every sample not yet seen up to `end`.
    /// The axis changes only slowly once walking is seen, so the filter state carries over.
    fn forward_upto(&mut self, end: u64, axis: &Vector3<f64>) {
        let Some(f) = self.filters else {
            return;
        };
        let bank = Bank::new(&f);
        let first = self.fwd_start + self.fwd.len() as u64;
        if first >= end {
            return;
        }
        let new = &self.raw[(first - self.raw_start) as usize..(end - self.raw_start) as usize];
        let sagittal = |s: &ImuSample| Vector3::from(s.gyr_dps).dot(axis);
        if first == 0 {
            self.fwd_z = Bank::init(&f, [sagittal(&new[0]); 3]);
        }
        // The state in a local for the loop (kept in registers, not stored back per sample).
        let mut z = self.fwd_z;
        let at = self.fwd.len();
        self.fwd.resize(at + new.len(), [0.0; 3]);
        for (out, s) in self.fwd[at..].iter_mut().zip(new) {
            let x = sagittal(s);
            let y = bank.step(&mut z, [x, x, x, 0.0]);
            *out = [y[0], y[1], y[2]];
        }
        self.fwd_z = z;
    }

    /// Finishes the next smoothing segment (backward pass from its run-in end), then runs
    /// what became possible: the onset scan and the event blocks with full context.
    fn smooth_segment(&mut self, out: &mut Vec<SideOutput>) {
        let k0 = self.seg_done * self.block_n;
        let k1 = (k0 + self.block_n).min(self.n_total);
        let r1 = (k1 + self.tail_n).min(self.n_total);
        self.seg_done += 1;
        self.covariance_upto(self.n_total);
        let mean = self.cov_sum / self.cov_n;
        let cov = self.cov_sq / self.cov_n - mean * mean.transpose();
        let axis = principal_axis(&cov, self.axis);
        self.axis = Some(axis);
        self.forward_upto(self.n_total, &axis);
        let Some(f) = self.filters else {
            return;
        };
        let base = self.fwd_start as usize;
        let last_row = self.fwd[r1 as usize - 1 - base];
        let mut z = Bank::init(&f, last_row);
        let bank = Bank::new(&f);
        // The run-in (the tail past the segment) only warms the state up; the segment's
        // own outputs go straight into `sm`. Its first part warms only the slow lane (the
        // same operations as in the bank); the IC and FC lanes start where their shorter
        // run-in begins.
        let fast_end = (k1 + self.fast_tail_n).min(r1);
        if fast_end < r1 {
            let mut zs = [z[0][0], z[1][0]];
            for row in self.fwd[fast_end as usize - base..r1 as usize - base]
                .iter()
                .rev()
            {
                bank.step_lane0(&mut zs, row[0]);
            }
            z = Bank::init(&f, self.fwd[fast_end as usize - 1 - base]);
            [z[0][0], z[1][0]] = zs;
        }
        let step = |z: &mut [[f64; 4]; 2], row: &[f64; 3]| {
            let y = bank.step(z, [row[0], row[1], row[2], 0.0]);
            [y[0], y[1], y[2]]
        };
        for row in self.fwd[k1 as usize - base..fast_end as usize - base]
            .iter()
            .rev()
        {
            step(&mut z, row);
        }
        let at = self.sm.len();
        self.sm.resize(at + (k1 - k0) as usize, [0.0; 3]);
        let fwd_seg = &self.fwd[k0 as usize - base..k1 as usize - base];
        for (y, row) in self.sm[at..].iter_mut().zip(fwd_seg).rev() {
            *y = step(&mut z, row);
        }
        self.skew += self.sm[at..]
            .iter()
            .map(|y| y[0] * y[0] * y[0])
            .sum::<f64>();
        self.sm_end = k1;
        if self.segment == LegSegment::Foot {
            self.vote_heel_rise(k0, k1);
        }
        self.scan_onset(false, out);
        while (self.ev_done + 1) * self.block_n + self.ctx_n <= self.sm_end {
            self.event_block(out);
        }
        self.trim();
    }

    /// Finds rest phases (≥ the 100 ms still window below [`REST_DPS`]) in `[k0, k1)` and
    /// adds the smoothed rate of the [`HEEL_RISE_S`] after each rest to the sign vote.
    fn vote_heel_rise(&mut self, k0: u64, k1: u64) {
        let still_n = 2 * self.still_w + 1;
        debug_assert_eq!(self.norm_start + self.rate_norm.len() as u64, k0);
        let at = self.rate_norm.len();
        let new = &self.raw[(k0 - self.raw_start) as usize..(k1 - self.raw_start) as usize];
        self.rate_norm
            .extend(new.iter().map(|s| Vector3::from(s.gyr_dps).norm()));
        for (i, &norm) in (k0..k1).zip(&self.rate_norm[at..]) {
            if norm < REST_DPS {
                self.rest_run += 1;
            } else {
                if self.rest_run >= still_n {
                    self.rest_ends.push(i);
                }
                self.rest_run = 0;
            }
        }
        let len = ((HEEL_RISE_S * self.fs_hz) as u64).max(1);
        let mut k = 0;
        while k < self.rest_ends.len() {
            let e = self.rest_ends[k];
            if e + len <= self.sm_end {
                self.heel_rise_vote += (e..e + len)
                    .map(|j| self.sm[(j - self.sm_start) as usize][0])
                    .sum::<f64>();
                self.rest_ends.remove(k);
            } else {
                k += 1;
            }
        }
    }

    /// Finds swings (mid-swing peak, FC before it, IC after it) in the next event core.
    fn event_block(&mut self, out: &mut Vec<SideOutput>) {
        let c0 = self.ev_done * self.block_n;
        let c1 = (c0 + self.block_n).min(self.sm_end);
        self.ev_done += 1;
        let w0 = c0.saturating_sub(self.ctx_n).max(self.sm_start);
        let w1 = (c1 + self.ctx_n).min(self.sm_end);
        if w1 < w0 + 3 || c1 <= c0 {
            return;
        }
        let n = (w1 - w0) as usize;
        let sign = self.sign();
        let rows = &self.sm[(w0 - self.sm_start) as usize..(w1 - self.sm_start) as usize];
        let mut slow = std::mem::take(&mut self.scratch);
        slow.clear();
        slow.extend(rows.iter().map(|r| sign * r[0]));
        let g_ic = |i: usize| sign * rows[i][1];
        let g_fc = |i: usize| sign * rows[i][2];
        // Vertex offset of the parabola through the three samples of `g` around `i`.
        let vertex = |g: &dyn Fn(usize) -> f64, i: usize| {
            if i == 0 || i + 1 >= n {
                0.0
            } else {
                parabola_offset(&[g(i - 1), g(i), g(i + 1)], 1)
            }
        };
        let min_swing = self.min_swing_dps();
        let min_dist = (MIN_STRIDE_S * self.fs_hz) as usize;
        let wlen = (PEAK_WINDOW_S * self.fs_hz) as usize;
        let core = (c0 - w0) as usize..(c1 - w0) as usize;
        let peaks = swing_peaks(&slow, core.clone(), min_swing, wlen, min_dist);
        self.scratch = slow;
        let half = (HALF_SWING_MAX_S * self.fs_hz) as usize;
        let mut last_ic = self.last.map(|s| s.ic);
        let mut found = Vec::new();
        for m in peaks {
            let prev_ic = last_ic.map_or(0, |ic| (ic + 1).saturating_sub(w0) as usize);
            let lo = m.saturating_sub(half).max(prev_ic);
            if lo >= m {
                continue;
            }
            // The first minimum (in `total_cmp` order, as `min_by` with ties to the lower
            // index), the current best held rather than recomputed per comparison.
            let mut fc = lo;
            let mut best = g_fc(lo);
            for (i, r) in rows.iter().enumerate().take(m).skip(lo + 1) {
                let v = sign * r[2];
                if v.total_cmp(&best).is_lt() {
                    (fc, best) = (i, v);
                }
            }
            let fc_limit = match self.segment {
                LegSegment::Foot => 0.0,
                LegSegment::Shank => SHANK_FC_MAX_DPS,
            };
            if g_fc(fc) >= fc_limit {
                continue;
            }
            let hi = (m + half).min(n - 1);
            let zero_crossing = || {
                (m..hi)
                    .find(|&i| g_ic(i) > 0.0 && g_ic(i + 1) <= 0.0)
                    .map(|i| (i, g_ic(i) / (g_ic(i) - g_ic(i + 1))))
            };
            let ic = match self.segment {
                LegSegment::Foot => zero_crossing(),
                LegSegment::Shank => (m.max(1)..hi)
                    .find(|&i| {
                        g_ic(i) < -SHANK_IC_MIN_DPS
                            && g_ic(i) <= g_ic(i - 1)
                            && g_ic(i) < g_ic(i + 1)
                    })
                    .map(|i| (i, vertex(&g_ic, i)))
                    .or_else(zero_crossing),
            };
            let Some((ic, ic_frac)) = ic else {
                continue;
            };
            let fc_frac = vertex(&g_fc, fc);
            let fc_abs = w0 + fc as u64;
            let ic_abs = w0 + ic as u64;
            found.push(Swing {
                fc: fc_abs,
                fc_t_s: self.time_s(fc_abs, fc_frac),
                ic: ic_abs,
                ic_t_s: self.time_s(ic_abs, ic_frac),
                ms_after: None,
            });
            last_ic = Some(ic_abs);
        }
        for swing in found {
            self.add_swing(swing, out);
        }
    }

    /// Resolves the mid-stance after the last IC once the next swing has begun (the
    /// smoothed sagittal rate back above the swing threshold) or [`MAX_STANCE_S`] passed
    /// (or, with `at_end`, the data ended), and then closes the pending stride.
    fn scan_onset(&mut self, at_end: bool, out: &mut Vec<SideOutput>) {
        let Some(last) = self.last else {
            return;
        };
        if last.ms_after.is_some() {
            return;
        }
        let cap = last.ic + self.max_stance_n;
        let thr = self.min_swing_dps();
        let sign = self.sign();
        let mut i = self.onset_scan.max(last.ic + 2 * self.still_w);
        let end = self.sm_end.min(cap);
        let mut onset = None;
        if i < end {
            let rows = &self.sm[(i - self.sm_start) as usize..(end - self.sm_start) as usize];
            match rows.iter().position(|r| sign * r[0] >= thr) {
                Some(d) => {
                    i += d as u64;
                    onset = Some(i);
                }
                None => i = end,
            }
        }
        self.onset_scan = i;
        let limit = match onset {
            Some(o) => o,
            None if self.sm_end >= cap => cap,
            None if at_end => self.sm_end,
            None => return,
        };
        let ms = self.mid_stance(last.ic, limit);
        if let Some(l) = self.last.as_mut() {
            l.ms_after = Some(ms);
        }
        if let Some(p) = self.pending.take() {
            self.emit_pending(p, ms, out);
        }
    }

    /// Mid-stance after `ic`, before `limit` (exclusive): centre of the 100 ms window with
    /// the lowest mean angular-rate norm (feet only).
    fn mid_stance(&self, ic: u64, limit: u64) -> Option<u64> {
        if self.segment != LegSegment::Foot {
            return None;
        }
        let w = self.still_w;
        let a = ic.max(self.raw_start) + w;
        let b = limit
            .min(ic + self.max_stance_n)
            .min(self.n_total.saturating_sub(w));
        if b <= a + w {
            return None;
        }
        // Every index here is < sm_end (limit ≤ sm_end), whose norms the vote has stored.
        // The norms of a - w ..= b - 1, and the window sums slid over them (the same sums
        // in the same order as indexing each).
        let norm =
            &self.rate_norm[(a - w - self.norm_start) as usize..(b - self.norm_start) as usize];
        let n = 2 * w as usize + 1;
        let mut sum: f64 = norm[..n].iter().sum();
        let mut best = (sum, 0);
        for (k, (add, drop)) in norm[n..].iter().zip(norm).enumerate() {
            sum += add - drop;
            if sum < best.0 {
                best = (sum, k + 1);
            }
        }
        Some(a + best.1 as u64)
    }

    fn add_swing(&mut self, s: Swing, out: &mut Vec<SideOutput>) {
        out.push(SideOutput::Event(GaitEvent {
            kind: EventKind::FinalContact,
            side: Some(self.side),
            t_s: s.fc_t_s,
        }));
        out.push(SideOutput::Event(GaitEvent {
            kind: EventKind::InitialContact,
            side: Some(self.side),
            t_s: s.ic_t_s,
        }));
        if let Some(prev) = self.last {
            // The stance that ended at this toe-off (normally resolved at its swing onset).
            let ms = match prev.ms_after {
                Some(resolved) => resolved,
                None => {
                    let ms = self.mid_stance(prev.ic, s.fc);
                    if let Some(p) = self.pending.take() {
                        self.emit_pending(p, ms, out);
                    }
                    ms
                }
            };
            let dur = s.ic_t_s - prev.ic_t_s;
            if (crate::gait::assemble::STRIDE_MIN_S..=crate::gait::assemble::STRIDE_MAX_S)
                .contains(&dur)
            {
                self.pending = Some(Pending {
                    stride: Stride {
                        side: Some(self.side),
                        start_s: prev.ic_t_s,
                        end_s: s.ic_t_s,
                        stance_s: Some(s.fc_t_s - prev.ic_t_s),
                        swing_s: Some(s.ic_t_s - s.fc_t_s),
                        single_support_s: None,
                        double_support_s: None,
                        length_m: None,
                    },
                    ms_start: ms,
                    ic_end: s.ic,
                });
            }
        }
        self.last = Some(s);
        self.onset_scan = 0;
        self.scan_onset(false, out);
    }

    fn emit_pending(&mut self, p: Pending, ms_end: Option<u64>, out: &mut Vec<SideOutput>) {
        let mut stride = p.stride;
        if let (Some(a), Some(b)) = (p.ms_start, ms_end) {
            let w = self.still_w;
            if a >= self.raw_start + w && b > a && b + w < self.n_total {
                let lo = a - w;
                let hi = b + w;
                let seg =
                    &self.raw[(lo - self.raw_start) as usize..=(hi - self.raw_start) as usize];
                let impact = p.ic_end.saturating_sub(lo) as usize;
                stride.length_m =
                    zupt_length_m(seg, self.fs_hz, w as usize, (b - lo) as usize, impact);
            }
        }
        out.push(SideOutput::Stride(stride));
    }

    /// Drops what no later step reads: filter outputs before the next segment, smoothed
    /// values before the next event window (or the onset scan), raw samples before the next
    /// event window, the last IC and the mid-stance a stride will start from (all bounded
    /// by the stride limits). Buffers are compacted once three quarters of them are stale.
    fn trim(&mut self) {
        let w = self.still_w;
        let next_window = (self.ev_done * self.block_n).saturating_sub(self.ctx_n);
        let mut keep_raw = next_window;
        let mut keep_sm = next_window;
        if let Some(l) = &self.last {
            keep_raw = keep_raw.min(l.ic);
            match l.ms_after {
                None => keep_sm = keep_sm.min(l.ic),
                Some(Some(ms)) => keep_raw = keep_raw.min(ms.saturating_sub(w)),
                Some(None) => {}
            }
        }
        if let Some(&e) = self.rest_ends.first() {
            keep_sm = keep_sm.min(e);
        }
        if let Some(p) = &self.pending {
            if let Some(a) = p.ms_start {
                keep_raw = keep_raw.min(a.saturating_sub(w));
            }
        }
        fn compact<T>(v: &mut Vec<T>, start: &mut u64, keep: u64) {
            let d = (keep.saturating_sub(*start) as usize).min(v.len());
            if d > 0 && 4 * d >= 3 * v.len() {
                v.drain(..d);
                *start += d as u64;
            }
        }
        compact(&mut self.raw, &mut self.raw_start, keep_raw);
        compact(&mut self.rate_norm, &mut self.norm_start, keep_raw);
        compact(&mut self.sm, &mut self.sm_start, keep_sm);
        let keep_fwd = self.seg_done * self.block_n;
        compact(&mut self.fwd, &mut self.fwd_start, keep_fwd);
    }
}

/// Mid-swing peaks inside `core`: local maxima of at least `min_height` whose prominence
/// (searched `wlen` samples each way) is at least `min_height` too, thinned so that no two
/// are closer than `min_dist` (higher peaks win, ties by index). Equals
/// `dsp::find_peaks(x, min_height, wlen, min_dist)` restricted to peaks ≥ `min_height` in
/// `core`: a lower peak can only suppress lower peaks, so candidates below the height and
/// beyond `min_dist` of the core never change the result and are not examined.
fn swing_peaks(
    x: &[f64],
    core: std::ops::Range<usize>,
    min_height: f64,
    wlen: usize,
    min_dist: usize,
) -> Vec<usize> {
    let lo = core.start.saturating_sub(min_dist + 1);
    let hi = (core.end + min_dist + 1).min(x.len());
    if hi < lo + 3 {
        return Vec::new();
    }
    // Local maxima (first sample of a flat top, as `dsp::local_maxima`), height first. A
    // sample inside or after a flat top is never the rising first sample of one, so every
    // index can be tested on its own (no skip past the top is needed).
    let mut cand = Vec::new();
    let xs = &x[..hi];
    let mut i = lo + 1;
    while i + 1 < hi {
        // Samples below the height are skipped in one tight scan, then the run of samples
        // at or above it is walked (each index tested exactly once either way).
        match xs[i..hi - 1].iter().position(|&v| v >= min_height) {
            Some(d) => i += d,
            None => break,
        }
        while i + 1 < hi && xs[i] >= min_height {
            let v = xs[i];
            if v > xs[i - 1] {
                let mut j = i + 1;
                while j < hi - 1 && xs[j] == v {
                    j += 1;
                }
                if xs[j] < v && crate::dsp::prominence_at_least(x, i, wlen, min_height) {
                    cand.push(i);
                }
            }
            i += 1;
        }
    }
    if cand.len() < 2 {
        // Nothing to thin (most blocks: at most one swing peak near the core).
        cand.retain(|i| core.contains(i));
        return cand;
    }
    let mut order: Vec<usize> = (0..cand.len()).collect();
    order.sort_by(|&a, &b| x[cand[b]].total_cmp(&x[cand[a]]).then(a.cmp(&b)));
    let mut keep = vec![true; cand.len()];
    for &k in &order {
        if !keep[k] {
            continue;
        }
        for m in 0..cand.len() {
            if m != k && keep[m] && cand[m].abs_diff(cand[k]) < min_dist {
                keep[m] = false;
            }
        }
    }
    cand.iter()
        .zip(&keep)
        .filter(|(i, k)| **k && core.contains(i))
        .map(|(i, _)| *i)
        .collect()
}

/// Offset (−0.5…0.5 samples) of the vertex of the parabola through `x[i-1..=i+1]`.
fn parabola_offset(x: &[f64], i: usize) -> f64 {
    if i == 0 || i + 1 >= x.len() {
        return 0.0;
    }
    let (a, b, c) = (x[i - 1], x[i], x[i + 1]);
    let d = a - 2.0 * b + c;
    if d.abs() < 1e-12 {
        return 0.0;
    }
    (0.5 * (a - c) / d).clamp(-0.5, 0.5)
}

/// Dominant eigenvector of a symmetric covariance by power iteration (until the direction
/// changes by < 1e-12), oriented like `prev` when given. The iteration starts from `prev`
/// (already converged on earlier data) unless the covariance nearly annihilates it, else
/// from the covariance column of the largest variance, which is never orthogonal to the
/// dominant axis (a start orthogonal to it would stay put).
fn principal_axis(cov: &Matrix3<f64>, prev: Option<Vector3<f64>>) -> Vector3<f64> {
    let reference = prev.unwrap_or_else(|| Vector3::new(1.0, 1.0, 1.0).normalize());
    let scale = cov.trace();
    let mut v = match prev {
        Some(p) if (cov * p).norm() > 1e-3 * scale => p,
        _ => {
            let j = (0..3)
                .max_by(|&a, &b| cov[(a, a)].total_cmp(&cov[(b, b)]))
                .unwrap_or(0);
            cov.column(j)
                .into_owned()
                .try_normalize(1e-12)
                .unwrap_or(reference)
        }
    };
    for _ in 0..200 {
        match (cov * v).try_normalize(1e-12) {
            Some(w) => {
                let done = (w - v).norm_squared() < 1e-24;
                v = w;
                if done {
                    break;
                }
            }
            None => break,
        }
    }
    if v.dot(&reference) < 0.0 {
        -v
    } else {
        v
    }
}

/// Dominant principal axis of the (mean-removed) angular rate, by power iteration.
pub fn dominant_axis(gyr: &[[f64; 3]]) -> Vector3<f64> {
    let n = gyr.len().max(1) as f64;
    let mean = gyr
        .iter()
        .fold(Vector3::zeros(), |a, g| a + Vector3::from(*g))
        / n;
    let mut c = Matrix3::zeros();
    for g in gyr {
        let d = Vector3::from(*g) - mean;
        c += d * d.transpose();
    }
    principal_axis(&c, None)
}

/// Whether every reading of `s` is finite. A sum of finite values is finite unless it
/// overflows, and any NaN or infinity makes it non-finite, so one sum decides almost every
/// sample; only an overflowing sum takes the per-value check.
#[inline(always)]
fn finite(s: &ImuSample) -> bool {
    let [a, b, c] = s.acc_mps2;
    let [d, e, f] = s.gyr_dps;
    ((a + b) + (c + d) + (e + f)).is_finite()
        || s.acc_mps2.iter().chain(&s.gyr_dps).all(|v| v.is_finite())
}

/// Per-leg events and strides of a whole foot signal (the streaming detector fed at once).
pub fn detect(side: Side, fs_hz: f64, samples: &[ImuSample]) -> Vec<SideOutput> {
    let mut d = LegDetector::new(side, fs_hz);
    let mut out = d.push(samples);
    out.extend(d.finish());
    out
}

/// The rotation by the rotation vector `r` (rad). For |r| < 0.2 rad (every sample of
/// walking above ~60 Hz) the exact quaternion exponential is evaluated by its Taylor
/// series to the h⁶ term (h = |r|/2; truncation < 3e-13), avoiding sin/cos.
fn small_rotation(r: Vector3<f64>) -> UnitQuaternion<f64> {
    let h2 = 0.25 * r.norm_squared();
    if h2 > 0.01 {
        return UnitQuaternion::from_scaled_axis(r);
    }
    let c = 1.0 - h2 * (0.5 - h2 * (1.0 / 24.0 - h2 / 720.0));
    let k = 0.5 * (1.0 - h2 * (1.0 / 6.0 - h2 * (1.0 / 120.0 - h2 / 5040.0)));
    UnitQuaternion::new_unchecked(Quaternion::new(c, r.x * k, r.y * k, r.z * k))
}

/// Horizontal displacement of a foot sensor over one stride, m. `seg` runs from the first
/// still window to the last; the foot is at rest (zero velocity) in `seg[..=start]` and in
/// `seg[end..]`, and moves in between; `impact` (start < impact ≤ end) is the heel strike.
/// `None` when too short or implausible (> [`MAX_STRIDE_LENGTH_M`]).
///
/// The velocity error at the closing rest phase is removed as a step at the heel strike,
/// not as a ramp over the stride: the impact is a ≥ 10 g shock lasting a few milliseconds,
/// under-sampled (and often clipped at ±16 g) at 100–200 Hz, so integrating it gives a
/// velocity error at that instant, while the ~0.7 s from the gravity-aligned rest to the
/// impact integrate cleanly (see the module notes for the measurements).
pub fn zupt_length_m(
    seg: &[ImuSample],
    fs_hz: f64,
    start: usize,
    end: usize,
    impact: usize,
) -> Option<f64> {
    if end >= seg.len() || end < start + 2 || !(fs_hz.is_finite() && fs_hz > 0.0) {
        return None;
    }
    let dt = 1.0 / fs_hz;
    let mean_acc = |r: &[ImuSample]| {
        r.iter()
            .fold(Vector3::zeros(), |a, s| a + Vector3::from(s.acc_mps2))
            / r.len() as f64
    };
    // Gravity reaction while still: start attitude (yaw arbitrary) and the end check.
    let acc0 = mean_acc(&seg[..=start]);
    let acc1 = mean_acc(&seg[end..]);
    let body = &seg[start..=end];
    let m = body.len();
    let k = impact.clamp(start + 1, end) - start;
    let gravity = Vector3::new(0.0, 0.0, 0.5 * (acc0.norm() + acc1.norm()));
    let half_rad = 0.5 * std::f64::consts::PI / 180.0 * dt;
    // Attitude (gyro, trapezoidal rate), world acceleration, velocity and position in one
    // pass; the position of the samples after the impact is corrected afterwards: with a
    // velocity step `d` at sample k, p_end -= d × (time from k to the end) − d·dt/2.
    let mut q = crate::orientation::tilt_from_acc(&acc0);
    let mut a_prev = q.transform_vector(&Vector3::from(body[0].acc_mps2)) - gravity;
    let mut v = Vector3::zeros();
    let mut p = Vector3::zeros();
    for i in 1..m {
        let w = Vector3::from(body[i - 1].gyr_dps) + Vector3::from(body[i].gyr_dps);
        q *= small_rotation(w * half_rad);
        let a = q.transform_vector(&Vector3::from(body[i].acc_mps2)) - gravity;
        let v_next = v + (a_prev + a) * (0.5 * dt);
        p += (v + v_next) * (0.5 * dt);
        v = v_next;
        a_prev = a;
    }
    // v is the velocity error at rest; it arose at the impact (sample k).
    p -= v * ((m - 1 - k) as f64 * dt + 0.5 * dt);
    let l = (p.x * p.x + p.y * p.y).sqrt();
    (l < MAX_STRIDE_LENGTH_M).then_some(l)
}

impl SideDetector for LegDetector {
    fn push(&mut self, samples: &[ImuSample]) -> Vec<SideOutput> {
        let mut out = Vec::new();
        if self.filters.is_none() {
            return out;
        }
        // Runs of finite samples are copied in one go, each up to the next segment trigger
        // (the same samples reach the same steps as one by one).
        let mut rest = samples;
        while !rest.is_empty() {
            let bad = rest.iter().position(|s| !finite(s)).unwrap_or(rest.len());
            let mut run = &rest[..bad];
            while !run.is_empty() {
                let trigger = (self.seg_done + 1) * self.block_n + self.tail_n;
                let take = (trigger - self.n_total).min(run.len() as u64) as usize;
                self.raw.extend_from_slice(&run[..take]);
                self.n_total += take as u64;
                run = &run[take..];
                if self.n_total == trigger {
                    self.smooth_segment(&mut out);
                }
            }
            rest = &rest[(bad + 1).min(rest.len())..];
        }
        out
    }

    fn finish(&mut self) -> Vec<SideOutput> {
        let mut out = Vec::new();
        if self.filters.is_none() {
            return out;
        }
        while self.seg_done * self.block_n < self.n_total {
            self.smooth_segment(&mut out);
        }
        while self.ev_done * self.block_n < self.sm_end {
            self.event_block(&mut out);
        }
        self.scan_onset(true, &mut out);
        if let Some(p) = self.pending.take() {
            self.emit_pending(p, None, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::Micros;

    /// Synthetic sagittal rate: per 1.1 s stride a push-off dip, a swing lobe and a
    /// heel-strike dip (deg/s), about `axis` with `sign`.
    fn synth(axis: Vector3<f64>, sign: f64) -> Vec<ImuSample> {
        let fs = 200.0;
        (0..(24.0 * fs) as i64)
            .map(|i| {
                let t = i as f64 / fs;
                let mut w = 0.0;
                for k in 0..20 {
                    let t0 = 1.0 + 1.1 * k as f64;
                    let gauss = |c: f64, s: f64| (-(t - c) * (t - c) / (2.0 * s * s)).exp();
                    w += -150.0 * gauss(t0, 0.04) + 320.0 * gauss(t0 + 0.2, 0.08)
                        - 120.0 * gauss(t0 + 0.42, 0.04);
                }
                let g = axis * (sign * w);
                ImuSample {
                    t: Micros((t * 1e6) as i64),
                    acc_mps2: [0.0, 0.0, 9.81],
                    gyr_dps: [g.x, g.y, g.z],
                }
            })
            .collect()
    }

    fn times(out: &[SideOutput], kind: EventKind) -> Vec<f64> {
        out.iter()
            .filter_map(|o| match o {
                SideOutput::Event(e) if e.kind == kind => Some(e.t_s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn events_do_not_depend_on_axis_or_mirror_mounting() {
        let a = detect(Side::Left, 200.0, &synth(Vector3::z(), 1.0));
        let axis = Vector3::new(0.3, -0.8, 0.5).normalize();
        let b = detect(Side::Left, 200.0, &synth(axis, -1.0));
        let fc = times(&a, EventKind::FinalContact);
        let ic = times(&a, EventKind::InitialContact);
        assert_eq!(fc.len(), 20);
        assert_eq!(ic.len(), 20);
        // FC at the push-off dip; IC between the swing lobe and the heel dip.
        for (k, (f, i)) in fc.iter().zip(&ic).enumerate() {
            let t0 = 1.0 + 1.1 * k as f64;
            assert!((f - t0).abs() <= 0.005, "FC {f} vs {t0}");
            assert!(*i > t0 + 0.25 && *i < t0 + 0.42, "IC {i}");
        }
        for (x, y) in fc.iter().zip(times(&b, EventKind::FinalContact)) {
            assert!(
                (x - y).abs() <= 0.006,
                "{x} {y} {:?}",
                times(&b, EventKind::FinalContact)
            );
        }
        for (x, y) in ic.iter().zip(times(&b, EventKind::InitialContact)) {
            assert!((x - y).abs() <= 0.006);
        }
        let strides = a
            .iter()
            .filter(|o| matches!(o, SideOutput::Stride(_)))
            .count();
        assert_eq!(strides, 19);
    }

    #[test]
    fn events_are_final_before_the_end_of_data() {
        // Block latency: a 24 s signal yields events from push, before finish.
        let s = synth(Vector3::y(), 1.0);
        let mut d = LegDetector::new(Side::Right, 200.0);
        let live = d.push(&s);
        assert!(!live.is_empty());
        let first_late = times(&live, EventKind::InitialContact);
        assert!(first_late[0] < 2.0);
    }

    #[test]
    fn bad_rates_and_non_finite_samples_give_no_events_and_no_panic() {
        let mut d = LegDetector::new(Side::Left, f64::NAN);
        assert!(d.push(&synth(Vector3::z(), 1.0)).is_empty());
        assert!(d.finish().is_empty());
        let mut s = synth(Vector3::z(), 1.0);
        s[500].gyr_dps[0] = f64::NAN;
        let out = detect(Side::Left, 200.0, &s);
        assert!(!out.is_empty());
    }

    #[test]
    fn zupt_of_a_still_foot_is_zero_and_rejects_short_input() {
        let still: Vec<ImuSample> = (0..300)
            .map(|i| ImuSample {
                t: Micros(i * 5000),
                acc_mps2: [1.0, 0.5, 9.7],
                gyr_dps: [0.0; 3],
            })
            .collect();
        let l = zupt_length_m(&still, 200.0, 10, 289, 200).unwrap();
        assert!(l < 1e-9, "{l}");
        assert_eq!(zupt_length_m(&still[..5], 200.0, 3, 2, 2), None);
    }
}
