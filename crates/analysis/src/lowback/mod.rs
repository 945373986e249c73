//! Lower-back (L4/L5) single-sensor gait events, streaming.
//!
//! Pipeline per sample: a Mahony filter run at 25 Hz ([`crate::orientation::DecimatedMahony`],
//! "up" interpolated over each block of samples) tracks "up" in sensor axes. Samples are
//! buffered and processed in fixed blocks defined by *sample index* (core [`CORE_S`] seconds,
//! with [`MARGIN_S`] seconds of context on both sides for zero-phase filtering), so the
//! result never depends on how the input was chunked.
//!
//! Two rates: what times events (the step, IC and FC low-passes of `a_v`, steps 2–4) runs
//! at the sampling rate; everything whose band is far below 12.5 Hz runs on block means of
//! `factor = round(fs / 25)` samples (the attitude filter's factor, so ≈ 25 Hz for any rate;
//! blocks counted from the window start, [`crate::dsp::block_means`]): a step gate (the
//! step low-pass of the block means; a block whose core holds no peak of at least
//! [`GATE_PROMINENCE_FRACTION`] of the step prominence skips the full-rate filters), the
//! vertical velocity for the forward direction, the turn low-pass, the ML velocity and the
//! frontal-plane tilt (read back at full-rate indices by linear interpolation between block
//! centres, [`crate::dsp::upsample_linear`]). Per block:
//!
//! 1. Vertical acceleration `a_v = acc·up − mean` (no sensor axis convention is assumed).
//! 2. Steps: peaks of `a_v` low-passed at [`STEP_LP_HZ`] (one peak per step in the 0.5–3 Hz
//!    step-frequency range, cf. McCamley et al. 2012 whose Gaussian-CWT of the integrated
//!    signal is a smoothed `a_v`), with prominence ≥ [`MIN_STEP_PROMINENCE_MPS2`] and at least
//!    [`MIN_SPACING_FRACTION`] of the window's dominant step period apart (autocorrelation,
//!    [`dominant_step_period_s`]), never closer than [`MIN_STEP_S`].
//!    Body frame (only for blocks with steps): forward from the inverted-pendulum phase
//!    relation over the walking span ([`crate::orientation::forward_covariance`]),
//!    accumulated over walking blocks; left = up × forward.
//! 3. Initial contact: the steepest rise of `a_v` (low-passed at [`IC_LP_HZ`]) shortly before
//!    the smoothed peak — the heel-strike loading transient (Zijlstra & Hof 2003 describe the
//!    IC as the start of the vertical acceleration rise after its minimum).
//! 4. Final contact of the contralateral foot: the steepest fall of `a_v` low-passed at
//!    [`FC_LP_HZ`] after the peak (McCamley 2012: maximum of the second CWT derivative, i.e.
//!    the fastest decrease of the smoothed signal). No offset is added: on the Mobilise-D
//!    data this FC is ≈ 35 ms early, like the IC, so durations between them are unbiased.
//! 5. Side: medio-lateral velocity of the trunk at IC, minus its mean over the surrounding
//!    gait cycle (removes drift), after subtracting the centripetal acceleration of turns
//!    (v·yaw rate, with v fitted on the slow components). The centre of mass sways
//!    towards the foot that is landing (it reaches its lateral extreme over that foot at
//!    mid-stance), so moving left at IC means a left IC. Pure kinematics, no trained model.
//!    Two consecutive ICs closer than [`SAME_SIDE_MERGE_FRACTION`] of the step period whose
//!    sway goes to the same side are one step seen twice: the one with the weaker sway is
//!    dropped (feet alternate).
//! 6. Per step: vertical excursion `h` of the trunk (double integral, periodic per step) for
//!    the Zijlstra & Hof inverted-pendulum step length, frontal-plane tilt excursion (pelvic
//!    drop) during single support, harmonic ratio and regularities.
//!
//! Latency: an event is reported once its block has been processed, i.e. at most
//! `CORE_S + MARGIN_S` seconds after it happened.

use crate::dsp::{cumtrapz, derivative_at, filtfilt_many, find_peaks, FilterKind, Sos};
use crate::orientation::{forward_covariance, forward_from_walking, DecimatedMahony, MahonyGains};
use nalgebra::Vector3;
use steady_core::ImuSample;

/// Length of the block core in seconds (events are emitted per core).
pub const CORE_S: f64 = 10.0;
/// Context on each side of a core for zero-phase filters (≈ 4 time constants of the
/// 0.2 Hz high-pass, the slowest filter used, and longer than the longest step).
pub const MARGIN_S: f64 = 3.0;
/// Low-pass for step detection: the upper end of the 0.5–3 Hz step-frequency range.
pub const STEP_LP_HZ: f64 = 3.0;
/// Low-pass for IC timing: keeps the heel-strike loading transient (≈ 100 ms rise).
pub const IC_LP_HZ: f64 = 5.0;
/// Shortest plausible step (s): 1 / 3 Hz, the top of the step-frequency range.
pub const MIN_STEP_S: f64 = 1.0 / 3.0;
/// Minimum prominence of a step peak in the smoothed vertical acceleration (m/s²): 0.025 g,
/// well below the 0.1–0.3 g vertical trunk accelerations of walking, slow walking included
/// (order of magnitude as in Moe-Nilssen 1998 [M: not checked against the paper]), while
/// quiet standing sway stays below it.
pub const MIN_STEP_PROMINENCE_MPS2: f64 = 0.25;
/// Fraction of the dominant step period below which two peaks count as one step.
pub const MIN_SPACING_FRACTION: f64 = 0.6;
/// Fraction of the dominant step period below which two consecutive ICs whose trunk sway
/// goes to the same side count as one step (see `merge_same_side`). Same-side contacts
/// are a stride (two steps) apart; a real step of the other foot whose sway was misjudged
/// comes about one step period later, and 0.8 still leaves room for a step 20 % shorter
/// than the typical one (asymmetric gait).
pub const SAME_SIDE_MERGE_FRACTION: f64 = 0.8;
/// How far before the smoothed peak the loading rise (IC) is searched (s): a quarter of
/// the shortest step plus the low-pass group spread.
pub const IC_SEARCH_BEFORE_S: f64 = 0.25;
/// High-pass cut-off for medio-lateral velocity: below the slowest stride frequency
/// (0.25 Hz at 0.5 Hz steps) is drift, not sway.
pub const ML_HP_HZ: f64 = 0.2;
/// Change of the walking "up" direction (deg) that means the sensor moved on the body: the
/// pelvis tilts by well under ±15° while walking (textbook ranges of a few degrees for
/// pelvic tilt and obliquity, Perry & Burnfield [M]), so 30° between walking periods is not
/// posture.
pub const MOVED_DEG: f64 = 30.0;
/// Per-block decay of the accumulated forward evidence: about five walking blocks (≈ 50 s of
/// walking) of memory, so one block of odd movement cannot turn the frame.
pub const FORWARD_MEMORY: f64 = 0.8;
/// Low-pass separating turning (slow yaw) from gait sway (Hz): below the slowest stride
/// frequency of normal walking.
pub const TURN_LP_HZ: f64 = 0.4;
/// Fraction of [`MIN_STEP_PROMINENCE_MPS2`] a block-mean step peak needs to let its block
/// through to the full-rate analysis (a generous margin: the block means lose a few per
/// cent of a 3 Hz peak).
pub const GATE_PROMINENCE_FRACTION: f64 = 0.5;
/// Low-pass for the final-contact feature (Hz): smoothing comparable to McCamley's Gaussian
/// CWT (centre ≈ 1.25 Hz), which keeps one falling edge per step.
pub const FC_LP_HZ: f64 = 2.0;

/// One detected step: an initial contact with what was measured around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepCandidate {
    /// Global sample index of the IC.
    pub index: u64,
    /// Time of the IC (s).
    pub t_s: f64,
    /// Positive: left foot, negative: right (ML trunk velocity at IC, m/s).
    pub side_score: f64,
    /// Time of the following (contralateral) final contact, s.
    pub fc_t_s: Option<f64>,
    /// Vertical trunk excursion over the step to the next IC (m).
    pub vertical_excursion_m: Option<f64>,
    /// Frontal-plane tilt excursion during the following single support (deg).
    pub pelvic_tilt_deg: Option<f64>,
    /// Vertical harmonic ratio of the stride starting here.
    pub harmonic_ratio_v: Option<f64>,
    /// Step regularity (autocorrelation at the step lag, −1..1).
    pub step_regularity: Option<f64>,
    /// Stride regularity (autocorrelation at the stride lag, −1..1).
    pub stride_regularity: Option<f64>,
    /// Prominence of the step peak (m/s²).
    pub amplitude_mps2: f64,
}

/// The last raw reading (for bridging holes).
#[derive(Debug, Clone, Copy)]
struct Bridge {
    t_s: f64,
    acc: [f64; 3],
    gyr: [f64; 3],
}

/// Longest hole bridged sample by sample (10 s at 100 Hz; beyond that the bridge is cut short
/// and the two sides simply meet, which the step chain treats as a pause anyway).
const MAX_BRIDGE_SAMPLES: i64 = 1000;

#[derive(Debug, Clone, Copy)]
struct Buffered {
    t_s: f64,
    acc: [f64; 3],
    gyr: [f64; 3],
    up: [f64; 3],
}

/// Streaming lower-back step detector (bounded memory: only the current block is kept).
#[derive(Debug, Clone)]
pub struct LowBackDetector {
    fs_hz: f64,
    attitude: DecimatedMahony,
    last: Option<Bridge>,
    /// Samples of the current window onwards (a `Vec`, so a window is a plain slice; the
    /// stale front is drained once per block).
    buf: Vec<Buffered>,
    /// Global index of `buf[0]`.
    buf_start: u64,
    /// Total samples pushed.
    n_total: u64,
    /// Next block to process.
    block: u64,
    core_n: u64,
    margin_n: u64,
    forward_acc: Vector3<f64>,
    last_ic: Option<u64>,
    filters: Filters,
    last_walking_up: Option<Vector3<f64>>,
    max_reorientation_deg: f64,
    /// Samples per block mean of the slow branches.
    dec: usize,
}

#[derive(Debug, Clone)]
struct Filters {
    step_lp: Sos,
    fc_lp: Sos,
    ic_lp: Sos,
    /// [`STEP_LP_HZ`] low-pass at the block-mean rate.
    step_lp_d: Sos,
    /// [`ML_HP_HZ`] high-pass at the block-mean rate.
    hp_d: Sos,
    /// [`TURN_LP_HZ`] low-pass at the block-mean rate.
    turn_lp_d: Sos,
}

impl LowBackDetector {
    /// A detector for a sensor sampled at `fs_hz` (≥ 20 Hz for the 5 Hz IC low-pass).
    pub fn new(fs_hz: f64) -> LowBackDetector {
        // Below 12 Hz the 5 Hz IC filter is impossible; such a rate is flagged by the summary.
        let fs = if fs_hz.is_finite() && fs_hz >= 12.0 {
            fs_hz
        } else {
            100.0
        };
        let design = |k| Sos::butterworth(4, k, fs).expect("cut-offs below fs/2 for fs ≥ 12 Hz");
        let attitude = DecimatedMahony::new(MahonyGains::default(), fs);
        // The slow branches run on block means at the attitude rate (≈ 25 Hz, ≥ 12 Hz).
        let dec = attitude.factor();
        let fs_d = fs / dec as f64;
        LowBackDetector {
            fs_hz: fs,
            attitude,
            last: None,
            buf: Vec::new(),
            buf_start: 0,
            n_total: 0,
            block: 0,
            core_n: (CORE_S * fs).round() as u64,
            margin_n: (MARGIN_S * fs).round() as u64,
            forward_acc: Vector3::zeros(),
            last_ic: None,
            last_walking_up: None,
            max_reorientation_deg: 0.0,
            filters: Filters {
                step_lp: design(FilterKind::LowPass(STEP_LP_HZ)),
                fc_lp: design(FilterKind::LowPass(FC_LP_HZ)),
                ic_lp: design(FilterKind::LowPass(IC_LP_HZ)),
                step_lp_d: Sos::butterworth(4, FilterKind::LowPass(STEP_LP_HZ), fs_d)
                    .expect("3 Hz below fs/2 for fs ≥ 12 Hz"),
                turn_lp_d: Sos::butterworth(4, FilterKind::LowPass(TURN_LP_HZ), fs_d)
                    .expect("0.4 Hz below fs/2 for fs ≥ 12 Hz"),
                hp_d: Sos::butterworth(2, FilterKind::HighPass(ML_HP_HZ), fs_d)
                    .expect("0.2 Hz below fs/2 for fs ≥ 12 Hz"),
            },
            dec,
        }
    }

    /// Sampling rate in use.
    pub fn fs_hz(&self) -> f64 {
        self.fs_hz
    }

    /// Largest change of the sensor's "up" direction between consecutive walking blocks
    /// (deg); above [`MOVED_DEG`] the sensor probably slipped or was re-strapped.
    pub fn max_reorientation_deg(&self) -> f64 {
        self.max_reorientation_deg
    }

    /// Bytes of sample buffer currently held (for the memory bound, growth slack included).
    pub fn buffered_bytes(&self) -> usize {
        self.buf.capacity() * std::mem::size_of::<Buffered>()
    }

    /// Feeds samples; returns steps whose block is complete.
    pub fn push(&mut self, samples: &[ImuSample]) -> Vec<StepCandidate> {
        let mut out = Vec::new();
        let period = 1.0 / self.fs_hz;
        for s in samples {
            // A reading with a non-finite value is corrupt: drop it (it would poison the
            // attitude filter for good); the time axis keeps the hole.
            if !s.acc_mps2.iter().chain(&s.gyr_dps).all(|v| v.is_finite()) {
                continue;
            }
            // Division (not × 1e-6) gives the shortest decimal for whole microseconds.
            let t = s.t.0 as f64 / 1e6;
            if let Some(prev) = self.last {
                if t <= prev.t_s {
                    // Out of order or duplicate: the timeline only moves forward.
                    continue;
                }
                // Lost samples (a hole in `t`): the filters need a uniform grid, so the hole
                // is bridged linearly for analysis only (never written back); a bridge has no
                // peaks, so no step is invented, and a hole longer than a step ends the bout.
                // Below 1.5 periods nothing is missing (skips the division and rounding on
                // every sample).
                let missing = if t - prev.t_s < 1.5 * period {
                    0
                } else {
                    ((t - prev.t_s) / period).round() as i64 - 1
                };
                for m in 1..=missing.clamp(0, MAX_BRIDGE_SAMPLES) {
                    let w = m as f64 / (missing + 1) as f64;
                    let lerp = |a: [f64; 3], b: [f64; 3]| {
                        [
                            a[0] + w * (b[0] - a[0]),
                            a[1] + w * (b[1] - a[1]),
                            a[2] + w * (b[2] - a[2]),
                        ]
                    };
                    let fill = Bridge {
                        t_s: prev.t_s + w * (t - prev.t_s),
                        acc: lerp(prev.acc, s.acc_mps2),
                        gyr: lerp(prev.gyr, s.gyr_dps),
                    };
                    self.ingest(fill, period, &mut out);
                }
            }
            let dt = match self.last {
                Some(prev) if t - prev.t_s < 1.0 => (t - prev.t_s).min(period * 1.5),
                _ => period,
            };
            let sample = Bridge {
                t_s: t,
                acc: s.acc_mps2,
                gyr: s.gyr_dps,
            };
            self.ingest(sample, dt, &mut out);
        }
        out
    }

    fn ingest(&mut self, s: Bridge, dt: f64, out: &mut Vec<StepCandidate>) {
        self.last = Some(s);
        let before = self.attitude.up_in_sensor();
        let update = self.attitude.push(s.acc, s.gyr, dt);
        // Until the attitude block completes, a sample holds the last "up"; the update then
        // interpolates "up" linearly over the samples it covers (tilt changes slowly, so
        // the chord is within 1e-5 of the arc).
        self.buf.push(Buffered {
            t_s: s.t_s,
            acc: s.acc,
            gyr: s.gyr,
            up: [before.x, before.y, before.z],
        });
        if let Some((covered, after)) = update {
            let covered = covered.min(self.buf.len());
            let first = self.buf.len() - covered;
            for (k, b) in self.buf[first..].iter_mut().enumerate() {
                let w = (k + 1) as f64 / covered as f64;
                let up = before + (after - before) * w;
                b.up = [up.x, up.y, up.z];
            }
        }
        self.n_total += 1;
        if self.n_total >= (self.block + 1) * self.core_n + self.margin_n {
            self.process_block(out);
        }
    }

    /// Processes what is left (blocks truncated at the end of the data).
    pub fn finish(&mut self) -> Vec<StepCandidate> {
        let mut out = Vec::new();
        while self.block * self.core_n < self.n_total {
            self.process_block(&mut out);
        }
        out
    }

    fn process_block(&mut self, out: &mut Vec<StepCandidate>) {
        let core0 = self.block * self.core_n;
        let core1 = ((self.block + 1) * self.core_n).min(self.n_total);
        let w0 = core0.saturating_sub(self.margin_n);
        let w1 = (core1 + self.margin_n).min(self.n_total);
        let lo = (w0 - self.buf_start) as usize;
        let hi = (w1 - self.buf_start) as usize;
        // The window as one slice of the buffer (no copy; the buffer is put back after).
        let buf = std::mem::take(&mut self.buf);
        let found = self.analyse_window(&buf[lo..hi], w0, core0, core1);
        self.buf = buf;
        for c in found {
            if let Some(last) = self.last_ic {
                // A step seen at the edge of two blocks is reported once.
                if c.index < last + (MIN_STEP_S * self.fs_hz) as u64 {
                    continue;
                }
            }
            self.last_ic = Some(c.index);
            out.push(c);
        }
        self.block += 1;
        let keep_from = (self.block * self.core_n).saturating_sub(self.margin_n);
        let stale = (keep_from.saturating_sub(self.buf_start) as usize).min(self.buf.len());
        self.buf.drain(..stale);
        self.buf_start += stale as u64;
    }

    fn analyse_window(
        &mut self,
        win: &[Buffered],
        w0: u64,
        core0: u64,
        core1: u64,
    ) -> Vec<StepCandidate> {
        let n = win.len();
        let fs = self.fs_hz;
        let dt = 1.0 / fs;
        if n < (fs as usize).max(8) {
            return Vec::new();
        }
        // Edge transients of the filters stay inside the margins; a short reflection suffices.
        let pad = n.min((0.5 * fs) as usize);
        // 1. Vertical acceleration and horizontal vectors.
        let mut av: Vec<f64> = win
            .iter()
            .map(|b| b.acc[0] * b.up[0] + b.acc[1] * b.up[1] + b.acc[2] * b.up[2])
            .collect();
        let up_mean = win
            .iter()
            .fold(Vector3::zeros(), |s, b| s + Vector3::from(b.up));
        let mean = crate::dsp::sum(&av) / n as f64;
        for v in av.iter_mut() {
            *v -= mean;
        }
        let up_mean = up_mean / n as f64;
        let f = &self.filters;
        // The slow branches (the step low-pass for the gate below and the vertical velocity,
        // turn rate, ML velocity and frontal-plane tilt further on) are all far below
        // 12.5 Hz: they run on block means at ≈ 25 Hz ([`crate::dsp::block_means`], blocks
        // counted from the window start, so the same for any chunking) and are interpolated
        // back where full-rate indices read them.
        let dec = self.dec;
        let fs_d = fs / dec as f64;
        let dt_d = 1.0 / fs_d;
        let pad_d = (0.5 * fs_d) as usize;
        let m = n.div_ceil(dec);
        let smooth_d = f
            .step_lp_d
            .filtfilt(&crate::dsp::block_means(&av, dec), pad_d);
        let search = (IC_SEARCH_BEFORE_S * fs).round() as usize;
        // Gate: a block whose core can hold no step (see below) is skipped before the
        // full-rate filters.
        if !may_have_step(&smooth_d, dec, n, w0, core0, core1 + search as u64, fs_d) {
            return Vec::new();
        }
        // The step, IC and FC low-passes of `a_v` at the full rate, in one pass (as lanes of
        // one recursion the three come at little more time than one).
        let [smooth, ic_low, fc_low]: [Vec<f64>; 3] =
            filtfilt_many(&[&f.step_lp, &f.ic_lp, &f.fc_lp], &[&av, &av, &av], pad)
                .try_into()
                .unwrap_or_default();
        // 2. Steps.
        // Two peaks closer than 0.6 of the dominant step period are one step (the loading and
        // push-off bumps of a slow step); skdh's AP-CWT detector uses the same 0.5–0.6 rule.
        let step_period_s = dominant_step_period_s(&smooth, fs).unwrap_or(MIN_STEP_S);
        let min_dist =
            ((MIN_SPACING_FRACTION * step_period_s).max(MIN_STEP_S) * fs).round() as usize;
        let wlen = (2.0 * fs) as usize;
        let peaks: Vec<usize> = find_peaks(&smooth, MIN_STEP_PROMINENCE_MPS2, wlen, min_dist);
        // An IC in the core needs a peak in [core start, core end + search): otherwise this
        // block reports nothing and the rest of the work is skipped.
        if !peaks.iter().any(|&p| {
            let g = w0 + p as u64;
            g >= core0 && g < core1 + search as u64
        }) {
            return Vec::new();
        }
        // The IC and FC features are derivatives, only needed over the short searches.
        let ic_sig = |i: usize| derivative_at(&ic_low, i, dt);
        let fc_d = |i: usize| derivative_at(&fc_low, i, dt);
        // IC of every peak in the window (also the margins, for step lengths).
        let ics: Vec<usize> = peaks
            .iter()
            .map(|&p| {
                let a = p.saturating_sub(search);
                argmax_by(a..=p, ic_sig).unwrap_or(p)
            })
            .collect();
        if core_steps_of(&ics, w0, core0, core1) == 0 {
            // Nothing to report from this block: skip the body-frame work.
            return Vec::new();
        }
        let core_steps = core_steps_of(&ics, w0, core0, core1);
        if core_steps >= 4 {
            if let Some(prev) = self.last_walking_up {
                let deg = prev.angle(&up_mean).to_degrees();
                self.max_reorientation_deg = self.max_reorientation_deg.max(deg);
                if deg > MOVED_DEG {
                    // The sensor moved on the body: the learnt forward direction is stale.
                    self.forward_acc = Vector3::zeros();
                }
            }
            self.last_walking_up = Some(up_mean);
        }
        // Per block: mean horizontal specific force, yaw rate (about "up", rad/s) and the
        // angular rate (deg/s) for the roll rate once the frame is known.
        let mut horiz = Vec::with_capacity(m);
        let mut yaw_d = Vec::with_capacity(m);
        let mut gyr_d = Vec::with_capacity(m);
        for c in win.chunks(dec) {
            let (mut h, mut y, mut g) = (Vector3::zeros(), 0.0, Vector3::zeros());
            for b in c {
                let a = Vector3::from(b.acc);
                let up = Vector3::from(b.up);
                let w = Vector3::from(b.gyr);
                h += a - up * a.dot(&up);
                y += w.dot(&up);
                g += w;
            }
            let k = 1.0 / c.len() as f64;
            horiz.push([h.x * k, h.y * k, h.z * k]);
            yaw_d.push((y * k).to_radians());
            gyr_d.push(g * k);
        }
        let vz = f.hp_d.filtfilt(&cumtrapz(&smooth_d, dt_d), pad_d);
        // Forward from the walking span only (first to last step of the window), so that
        // sitting down or bending cannot steer it; accumulated over walking blocks (the sensor
        // is fixed on the pelvis) with a slow decay, and reset when the sensor moved.
        let (s0, s1) = (ics[0], ics[ics.len() - 1] + 1);
        // The blocks whose centres lie in the walking span.
        let (d0, d1) = ((s0 / dec).min(m - 1), (s1.div_ceil(dec)).clamp(1, m));
        // × dec: the sum over blocks stands for the sum over their samples.
        let cov = forward_covariance(&horiz[d0..d1], &vz[d0..d1]) * dec as f64;
        if ics.len() >= 4 {
            self.forward_acc = self.forward_acc * FORWARD_MEMORY + cov;
        }
        let fwd = if self.forward_acc.norm() > 0.0 {
            self.forward_acc
        } else {
            cov
        };
        let Some(frame) = forward_from_walking(up_mean, fwd) else {
            return Vec::new();
        };
        let mut ml: Vec<f64> = horiz
            .iter()
            .map(|h| Vector3::from(*h).dot(&frame.left))
            .collect();
        // Turning adds a centripetal acceleration v·ω towards the inside of the turn that
        // would bias the sway. Estimate the walking speed v as the least-squares gain from
        // the slow yaw rate to the slow lateral acceleration (both below the stride band),
        // clamped to a plausible 0–2 m/s, and remove v·ω.
        let mut slow = filtfilt_many(&[&f.turn_lp_d, &f.turn_lp_d], &[&ml, &yaw_d], pad_d);
        let yaw_slow = slow.pop().unwrap_or_default();
        let ml_slow = slow.pop().unwrap_or_default();
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for i in d0..d1 {
            sxy += ml_slow[i] * yaw_slow[i];
            sxx += yaw_slow[i] * yaw_slow[i];
        }
        let v_turn = if sxx > 0.0 {
            (sxy / sxx).clamp(0.0, 2.0)
        } else {
            0.0
        };
        for (m, w) in ml.iter_mut().zip(&yaw_d) {
            *m -= v_turn * w;
        }
        let roll_rate: Vec<f64> = gyr_d.iter().map(|g| g.dot(&frame.forward)).collect();
        let roll_int_d = cumtrapz(&roll_rate, dt_d);
        // Integration is itself a low-pass, so no further smoothing is needed before it.
        let hp = &f.hp_d;
        let ints = filtfilt_many(&[hp, hp], &[&cumtrapz(&ml, dt_d), &roll_int_d], pad_d);
        let ml_v = crate::dsp::upsample_linear(&ints[0], dec, n);
        // Frontal-plane tilt at a full-rate index: the 25 Hz high-passed angle plus the
        // detail the block means lose, i.e. the full-rate integral of the roll rate minus the
        // interpolated 25 Hz one (the high-pass only touches what is below 0.2 Hz, which both
        // hold alike; constants cancel in an excursion, so the full-rate integral starts at
        // the segment).
        let hp_minus_int: Vec<f64> = ints[1]
            .iter()
            .zip(&roll_int_d)
            .map(|(a, b)| a - b)
            .collect();
        let roll_rate_at = |i: usize| Vector3::from(win[i].gyr).dot(&frame.forward);
        let tilt_excursion = |from: usize, to: usize| {
            let (mut int, mut w0) = (0.0, roll_rate_at(from));
            let (mut mx, mut mn) = (f64::MIN, f64::MAX);
            for i in from..=to {
                if i > from {
                    let w = roll_rate_at(i);
                    int += 0.5 * (w + w0) * dt;
                    w0 = w;
                }
                let v = crate::dsp::upsample_linear_at(&hp_minus_int, dec, n, i) + int;
                mx = mx.max(v);
                mn = mn.min(v);
            }
            mx - mn
        };
        let merge_gap = (SAME_SIDE_MERGE_FRACTION * step_period_s * fs).round() as usize;
        let (peaks, ics) = merge_same_side(peaks, ics, &ml_v, merge_gap);
        let scores = side_scores(&ml_v, &ics);

        let mut out = Vec::new();
        for (k, (&p, &ic)) in peaks.iter().zip(&ics).enumerate() {
            let g = w0 + ic as u64;
            if g < core0 || g >= core1 {
                continue;
            }
            let next_ic = ics.get(k + 1).copied().filter(|&j| j > ic);
            // FC: steepest fall of the smoothed signal between the peak and the next step.
            let fc = {
                let end = next_ic.unwrap_or(n - 1).min(p + (fs * 0.6) as usize);
                if end > p + 1 {
                    argmin_by(p..end, fc_d)
                } else {
                    None
                }
            };
            let vertical_excursion_m = next_ic.and_then(|j| step_excursion(&av[ic..=j], dt));
            let pelvic_tilt_deg = match (fc, next_ic) {
                (Some(f), Some(j)) if j > f => Some(tilt_excursion(f, j)),
                _ => None,
            };
            let side_score = scores[k];
            let stride_end = ics.get(k + 2).copied();
            let (harmonic_ratio_v, step_regularity, stride_regularity) = match (next_ic, stride_end)
            {
                (Some(j), Some(e)) if e > j => {
                    let hr = harmonic_ratio(&av[ic..e]);
                    let step_reg = lag_correlation(&av, ic, j - ic);
                    let stride_reg = lag_correlation(&av, ic, e - ic);
                    (hr, step_reg, stride_reg)
                }
                _ => (None, None, None),
            };
            out.push(StepCandidate {
                index: g,
                t_s: win[ic].t_s,
                side_score,
                fc_t_s: fc.map(|f| win[f].t_s),
                vertical_excursion_m,
                pelvic_tilt_deg,
                harmonic_ratio_v,
                step_regularity,
                stride_regularity,
                amplitude_mps2: crate::dsp::prominence(&smooth, p, wlen),
            });
        }
        out
    }
}

/// Whether the block-mean step signal `smooth_d` (`dec` samples per block over a window of
/// `n` samples starting at global index `w0`) has any candidate step peak whose block centre
/// lies in `[from, to)`, widened by two blocks either side: a local maximum with at least
/// [`GATE_PROMINENCE_FRACTION`] of [`MIN_STEP_PROMINENCE_MPS2`] (within a 2 s window).
/// Without one the block is skipped before its full-rate filters: a full-rate step peak
/// keeps nearly all of its prominence in the block means (the boxcar loses 0.2 dB at 3 Hz,
/// and sampling at 25 Hz misses the top of a ≤ 3 Hz peak by a few per cent), far more than
/// the fraction asked for, so a block with a step is not skipped.
fn may_have_step(
    smooth_d: &[f64],
    dec: usize,
    n: usize,
    w0: u64,
    from: u64,
    to: u64,
    fs_d: f64,
) -> bool {
    let wlen = (2.0 * fs_d).ceil() as usize + 1;
    let widen = 2 * dec as u64;
    let min = GATE_PROMINENCE_FRACTION * MIN_STEP_PROMINENCE_MPS2;
    crate::dsp::local_maxima(smooth_d).into_iter().any(|k| {
        let g = w0 as f64 + crate::dsp::block_centre(k, dec, n);
        g + widen as f64 >= from as f64
            && g < (to + widen) as f64
            && crate::dsp::prominence_at_least(smooth_d, k, wlen, min)
    })
}

/// Dominant step period (s) of a smoothed vertical acceleration, from its autocorrelation
/// (Moe-Nilssen & Helbostad 2004) over lags 1/3–2 s, or `None` without periodicity.
///
/// The highest autocorrelation is at the step or the stride lag; when any positive peak also
/// sits near half of that lag, the half is the step. Erring towards the shorter period keeps
/// every step of an asymmetric gait (alternating strong and weak impacts, where the
/// step-lag correlation is weak); the ≥ 1/3 s floor still applies.
pub fn dominant_step_period_s(x: &[f64], fs_hz: f64) -> Option<f64> {
    // Decimate to ≈ 25 Hz (the input is low-passed at 3 Hz) to keep this cheap.
    let dec = ((fs_hz / 25.0).floor() as usize).max(1);
    let y: Vec<f64> = x.iter().step_by(dec).copied().collect();
    let f = fs_hz / dec as f64;
    let n = y.len();
    let lo = (MIN_STEP_S * f).floor() as usize;
    let hi = ((2.0 * f).ceil() as usize).min(n / 2);
    if hi <= lo + 2 {
        return None;
    }
    let m = y.iter().sum::<f64>() / n as f64;
    let z: Vec<f64> = y.iter().map(|v| v - m).collect();
    let r0 = z.iter().map(|v| v * v).sum::<f64>() / n as f64;
    if r0 <= 0.0 {
        return None;
    }
    let r: Vec<f64> = (0..=hi)
        .map(|lag| {
            let s = crate::dsp::dot(&z[..n - lag], &z[lag..]);
            s / (n - lag) as f64 / r0
        })
        .collect();
    let peaks: Vec<usize> = crate::dsp::local_maxima(&r)
        .into_iter()
        .filter(|&i| i >= lo / 2 && i <= hi && r[i] > 0.0)
        .collect();
    let best = *peaks
        .iter()
        .filter(|&&i| i >= lo)
        .max_by(|&&a, &&b| r[a].total_cmp(&r[b]))?;
    if r[best] < 0.2 {
        return None;
    }
    let half = peaks
        .iter()
        .copied()
        .filter(|&i| i >= lo && (i as f64 - best as f64 / 2.0).abs() <= 0.2 * best as f64 / 2.0)
        .max_by(|&a, &b| r[a].total_cmp(&r[b]));
    let step = match half {
        Some(h) => h,
        _ => best,
    };
    Some(step as f64 / f)
}

/// Side score of every IC: the medio-lateral trunk velocity at the IC minus its mean over
/// the stride centred on it (previous to next IC). A moving average over exactly one gait
/// cycle cancels the periodic sway and leaves slow drift and the centripetal part of turns,
/// which would bias the sign.
fn side_scores(ml_v: &[f64], ics: &[usize]) -> Vec<f64> {
    (0..ics.len())
        .map(|k| {
            let ic = ics[k];
            let prev = k.checked_sub(1).map(|j| ics[j]);
            let next = ics.get(k + 1).copied().filter(|&j| j > ic);
            match (prev, next) {
                (Some(a), Some(b)) if b > a + 1 => {
                    ml_v[ic] - crate::dsp::sum(&ml_v[a..b]) / (b - a) as f64
                }
                _ => ml_v[ic],
            }
        })
        .collect()
}

/// Merges split steps: of two consecutive ICs closer than `gap` samples
/// ([`SAME_SIDE_MERGE_FRACTION`] of the dominant step period) whose trunk sway goes to the
/// same side (same sign of the side score), the one with the weaker sway is dropped and the
/// scores are recomputed, until no such pair is left. Feet alternate, so two same-side
/// contacts that close are one step seen twice (e.g. a loading and a push-off bump of a slow
/// or shuffling step), not a stride.
fn merge_same_side(
    mut peaks: Vec<usize>,
    mut ics: Vec<usize>,
    ml_v: &[f64],
    gap: usize,
) -> (Vec<usize>, Vec<usize>) {
    loop {
        let scores = side_scores(ml_v, &ics);
        let pair =
            (1..ics.len()).find(|&k| ics[k] - ics[k - 1] < gap && scores[k] * scores[k - 1] > 0.0);
        let Some(k) = pair else {
            return (peaks, ics);
        };
        let drop = if scores[k].abs() < scores[k - 1].abs() {
            k
        } else {
            k - 1
        };
        peaks.remove(drop);
        ics.remove(drop);
    }
}

fn core_steps_of(ics: &[usize], w0: u64, core0: u64, core1: u64) -> usize {
    ics.iter()
        .filter(|&&i| (core0..core1).contains(&(w0 + i as u64)))
        .count()
}

/// The first index of `range` where `f` is largest (`None` for an empty range).
fn argmax_by(range: impl Iterator<Item = usize>, f: impl Fn(usize) -> f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for i in range {
        let v = f(i);
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// The first index of `range` where `f` is smallest (`None` for an empty range).
fn argmin_by(range: impl Iterator<Item = usize>, f: impl Fn(usize) -> f64) -> Option<usize> {
    argmax_by(range, |i| -f(i))
}

/// Vertical excursion (max − min, m) over one step: double integration assuming the step is
/// one period of a periodic motion (the trunk ends the step at the height and vertical speed
/// it started with), so the mean acceleration and the mean velocity over the step are zero.
/// Both integrals run in one pass; the mean velocity is not subtracted explicitly: it would
/// only add a straight line through the first sample to the height, which the removal of
/// the line through the first and last sample takes out anyway.
pub fn step_excursion(av: &[f64], dt_s: f64) -> Option<f64> {
    let n = av.len();
    if n < 4 {
        return None;
    }
    let m = crate::dsp::sum(av) / n as f64;
    // Height by two trapezoid integrals (0 at the first sample).
    let mut h = Vec::with_capacity(n);
    h.push(0.0);
    let (mut a0, mut v0, mut p) = (av[0] - m, 0.0, 0.0);
    for &x in &av[1..] {
        let a = x - m;
        let v = v0 + 0.5 * (a + a0) * dt_s;
        p += 0.5 * (v + v0) * dt_s;
        h.push(p);
        (a0, v0) = (a, v);
    }
    // Detrended (line through the first sample, 0, and the last): max − min.
    let last = h[n - 1];
    let (mut mx, mut mn) = (f64::MIN, f64::MAX);
    for (i, &p) in h.iter().enumerate() {
        let d = p - last * i as f64 / (n - 1) as f64;
        mx = mx.max(d);
        mn = mn.min(d);
    }
    Some(mx - mn)
}

/// Harmonic ratio of one stride of vertical acceleration (Smidt 1971; Menz et al. 2003):
/// Σ even / Σ odd amplitudes of the first 20 harmonics of the stride frequency (a direct DFT
/// at the harmonic frequencies: the stride is exactly one period).
pub fn harmonic_ratio(stride: &[f64]) -> Option<f64> {
    let n = stride.len();
    if n < 40 {
        // Fewer than 2 samples per 20th harmonic.
        return None;
    }
    // Goertzel recursion per harmonic (one multiply per sample and harmonic); the 20
    // harmonics are independent recursions updated side by side.
    const K: usize = 20;
    let mut coef = [0.0; K];
    for (k, c) in coef.iter_mut().enumerate() {
        *c = 2.0 * (2.0 * std::f64::consts::PI * (k + 1) as f64 / n as f64).cos();
    }
    let mut s1 = [0.0f64; K];
    let mut s2 = [0.0f64; K];
    for &v in stride {
        for k in 0..K {
            let s0 = v + coef[k] * s1[k] - s2[k];
            s2[k] = s1[k];
            s1[k] = s0;
        }
    }
    let (mut even, mut odd) = (0.0, 0.0);
    for k in 0..K {
        // |X_k|² = s1² + s2² − 2cos(ω)·s1·s2 (the DFT magnitude at harmonic k + 1).
        let p = s1[k] * s1[k] + s2[k] * s2[k] - coef[k] * s1[k] * s2[k];
        let amp = p.max(0.0).sqrt();
        // Index k is harmonic k + 1.
        if k % 2 == 1 {
            even += amp;
        } else {
            odd += amp;
        }
    }
    (odd > 0.0).then(|| even / odd)
}

/// Pearson correlation between `x[start..start+lag]` and the next `lag` samples
/// (Moe-Nilssen & Helbostad 2004 autocorrelation at one lag, over one period).
pub fn lag_correlation(x: &[f64], start: usize, lag: usize) -> Option<f64> {
    if lag < 4 || start + 2 * lag > x.len() {
        return None;
    }
    let a = &x[start..start + lag];
    let b = &x[start + lag..start + 2 * lag];
    let ma = a.iter().sum::<f64>() / lag as f64;
    let mb = b.iter().sum::<f64>() / lag as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (u, v) in a.iter().zip(b) {
        sab += (u - ma) * (v - mb);
        saa += (u - ma) * (u - ma);
        sbb += (v - mb) * (v - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(n: usize, harmonic: f64) -> Vec<f64> {
        (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * harmonic * i as f64 / n as f64).sin())
            .collect()
    }

    #[test]
    fn harmonic_ratio_separates_step_and_stride_periodicity() {
        // Pure 2nd harmonic (repeats every step): all even → very large ratio.
        let even = harmonic_ratio(&sine(120, 2.0)).unwrap();
        assert!(even > 1e6, "{even}");
        // Equal 1st and 2nd harmonics: ratio 1.
        let mixed: Vec<f64> = sine(120, 1.0)
            .iter()
            .zip(sine(120, 2.0))
            .map(|(a, b)| a + b)
            .collect();
        assert!((harmonic_ratio(&mixed).unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn harmonic_ratio_equals_a_direct_dft() {
        let x: Vec<f64> = (0..97)
            .map(|i| ((i * 37 % 101) as f64 * 0.1).sin() + 0.3 * (i as f64 * 0.2).cos())
            .collect();
        let n = x.len() as f64;
        let amp = |h: usize| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, v) in x.iter().enumerate() {
                let th = 2.0 * std::f64::consts::PI * (h * i) as f64 / n;
                re += v * th.cos();
                im -= v * th.sin();
            }
            (re * re + im * im).sqrt()
        };
        let even: f64 = (1..=20).filter(|h| h % 2 == 0).map(amp).sum();
        let odd: f64 = (1..=20).filter(|h| h % 2 == 1).map(amp).sum();
        let hr = harmonic_ratio(&x).unwrap();
        assert!(
            (hr - even / odd).abs() < 1e-9 * (even / odd),
            "{hr} vs {}",
            even / odd
        );
    }

    #[test]
    fn step_excursion_of_a_sinusoidal_bounce() {
        // Height h(t) = A·cos(2πt/T) over one step T: a = −A·ω²·cos, excursion 2A.
        let (amp, period, fs) = (0.02, 0.55, 1000.0);
        let w = 2.0 * std::f64::consts::PI / period;
        let n = (period * fs) as usize;
        let a: Vec<f64> = (0..=n)
            .map(|i| -amp * w * w * (w * i as f64 / fs).cos())
            .collect();
        let h = step_excursion(&a, 1.0 / fs).unwrap();
        assert!((h - 2.0 * amp).abs() < 1e-3, "{h}");
    }

    #[test]
    fn a_split_step_is_merged_and_a_real_step_is_kept() {
        // ML trunk velocity of alternating sway, one step every 60 samples: +, −, +, …
        let ml_v: Vec<f64> = (0..600)
            .map(|i| (std::f64::consts::PI * i as f64 / 60.0).cos())
            .collect();
        // Steps at the sway extremes (60, 120, …) and a spurious bump at 130: same sway side
        // as 120 but weaker, and closer than the 48-sample gap, so it goes.
        let ics = vec![60, 120, 130, 180, 240, 300];
        let peaks: Vec<usize> = ics.iter().map(|i| i + 5).collect();
        let (p, kept) = merge_same_side(peaks, ics, &ml_v, 48);
        assert_eq!(kept, vec![60, 120, 180, 240, 300]);
        assert_eq!(p, vec![65, 125, 185, 245, 305]);
        // With opposite sway a short step is a real (fast) step and stays.
        let ics = vec![60, 120, 160, 240];
        let (_, kept) = merge_same_side(ics.clone(), ics, &ml_v, 48);
        assert_eq!(kept, vec![60, 120, 160, 240]);
    }

    #[test]
    fn step_period_from_autocorrelation() {
        // 1.8 Hz steps with a weaker 0.9 Hz stride component: step period 1/1.8 s.
        let fs = 100.0;
        let x: Vec<f64> = (0..1500)
            .map(|i| {
                let t = i as f64 / fs;
                (2.0 * std::f64::consts::PI * 1.8 * t).cos()
                    + 0.3 * (2.0 * std::f64::consts::PI * 0.9 * t).cos()
            })
            .collect();
        let p = dominant_step_period_s(&x, fs).unwrap();
        assert!((p - 1.0 / 1.8).abs() < 0.03, "{p}");
    }
}
