//! Postural sway during a balance hold, from a lower-back (L4/L5) IMU.
//!
//! Method (Mancini et al. 2012, J NeuroEng Rehabil 9:59, Table 2; preprocessing as in
//! `../shared/research/clinical.md` §3.4):
//! - The accelerations are projected onto the body's horizontal anteroposterior (AP) and
//!   mediolateral (ML) axes given by a [`TrunkFrame`] (unit vectors in sensor axes, found by
//!   the caller from gravity and the weight shift; no mounting is assumed). What is measured is
//!   the horizontal *specific force*: trunk linear acceleration plus the gravity component of
//!   trunk tilt (g·sin φ) — the usual "ACC" space of ISway. Units m/s².
//! - Zero-lag Butterworth low-pass at 3.5 Hz (2nd order per pass), mean removed.
//! - RMS per axis; 95 % confidence-ellipse area `π·χ²₀.₉₅,₂·sqrt(λ₁λ₂)` with χ² = 5.991 and λ
//!   the eigenvalues of the AP/ML covariance (large-sample form; the F-statistic form of Prieto
//!   et al. 1996 is `2π·3.00·sqrt(det Σ)` for n > 120, 0.2 % larger — see Schubert & Kirchner
//!   2014); JERK `½∫((da_AP/dt)² + (da_ML/dt)²) dt` (not normalised by duration: compare trials
//!   of similar length, or use [`SwayMetrics::jerk_per_s_m2ps6`]); PATH of the 2-D acceleration
//!   trajectory (m/s²).
//! - Sway velocity and path length in metres come from the gyroscope with an inverted pendulum
//!   pivoting at the ankles: the L5 point moves at `v = h·|ω_h|`, `ω_h` the horizontal part of
//!   the angular rate (bias removed by its mean over the hold) and `h` the sensor height.
//!   This assumes the ankle strategy (trunk and legs tilt together); hip strategy sway makes it
//!   overestimate.
//! - Dominant frequency: peak of the Hann-windowed periodogram (zero-padded to ≤ 0.01 Hz bins,
//!   parabolic peak interpolation) in 0.1–3.5 Hz, per axis and for the summed power.
//! - Pelvic drop (Trendelenburg): frontal-plane tilt of the gravity direction during the hold
//!   relative to bilateral standing, about the AP axis; positive when the pelvis drops on the
//!   free (unsupported) side, negative when it hikes / the trunk leans over the stance leg.
//!
//! Known limits: an accelerometer cannot separate tilt from linear acceleration, so "ACC"
//! metrics mix both (by design, as in ISway); very short holds (< 2 s) give unstable
//! frequency and ellipse values (reported, but with `duration_s` so callers can judge).

use nalgebra::Vector3;
use rustfft::{num_complex::Complex, FftPlanner};
use serde::Serialize;
use steady_analysis::dsp::{FilterKind, Sos};
use steady_core::{ImuSample, Side, STANDARD_GRAVITY_MPS2};

/// χ²(0.95, 2 degrees of freedom), for the 95 % confidence ellipse.
pub const CHI2_95_2DF: f64 = 5.991;
/// Sway low-pass cut-off, Hz (Mancini 2012 preprocessing, clinical.md §3.4).
pub const SWAY_LOWPASS_HZ: f64 = 3.5;
/// Lowest frequency searched for the dominant sway frequency, Hz.
pub const SWAY_MIN_HZ: f64 = 0.1;
/// Shortest window the metrics are computed on, s.
pub const SWAY_MIN_DURATION_S: f64 = 1.0;

/// Why sway metrics could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SwayError {
    /// Fewer usable samples than one second (or 16 samples).
    #[error("sway needs at least {SWAY_MIN_DURATION_S} s of samples, got {0} samples")]
    TooShort(usize),
    /// Sampling rate not a positive finite number.
    #[error("invalid sampling rate {0} Hz")]
    BadRate(f64),
    /// The frame's axes are not unit vectors at right angles.
    #[error("trunk frame axes are not orthonormal")]
    BadFrame,
}

/// Body axes of the lower-back sensor, as unit vectors in sensor coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrunkFrame {
    /// Vertical, up (the gravity reaction during bilateral standing).
    pub up: [f64; 3],
    /// The person's left, horizontal.
    pub left: [f64; 3],
    /// Forward (anterior), horizontal: `left × up`.
    pub forward: [f64; 3],
}

impl TrunkFrame {
    /// A right-handed frame from `up` and a rough `left` direction (made horizontal).
    /// `None` when `left_hint` is (nearly) parallel to `up` or a vector is zero.
    pub fn from_up_left(up: [f64; 3], left_hint: [f64; 3]) -> Option<TrunkFrame> {
        let u = Vector3::from(up).try_normalize(1e-9)?;
        let l0 = Vector3::from(left_hint);
        let l = (l0 - u * u.dot(&l0)).try_normalize(1e-6)?;
        let f = l.cross(&u);
        Some(TrunkFrame {
            up: u.into(),
            left: l.into(),
            forward: f.into(),
        })
    }

    fn check(&self) -> Result<(), SwayError> {
        let (u, l, f) = (
            Vector3::from(self.up),
            Vector3::from(self.left),
            Vector3::from(self.forward),
        );
        let ok = [u.norm(), l.norm(), f.norm()]
            .iter()
            .all(|n| (n - 1.0).abs() < 1e-3)
            && u.dot(&l).abs() < 1e-3
            && u.dot(&f).abs() < 1e-3
            && l.dot(&f).abs() < 1e-3;
        if ok {
            Ok(())
        } else {
            Err(SwayError::BadFrame)
        }
    }
}

/// Sway of one hold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SwayMetrics {
    /// Length of the analysed window, s.
    pub duration_s: f64,
    /// RMS of the ML acceleration, m/s².
    pub rms_ml_mps2: f64,
    /// RMS of the AP acceleration, m/s².
    pub rms_ap_mps2: f64,
    /// 95 % confidence-ellipse area of the AP/ML acceleration, (m/s²)².
    pub ellipse95_area_m2ps4: f64,
    /// Mancini JERK `½∫|da/dt|² dt`, m²/s⁵.
    pub jerk_m2ps5: f64,
    /// JERK divided by the duration, m²/s⁶ (comparable across hold lengths).
    pub jerk_per_s_m2ps6: f64,
    /// Path length of the 2-D acceleration trajectory (Mancini PATH), m/s².
    pub acc_path_mps2: f64,
    /// Path length of the L5 point (inverted pendulum, gyroscope), m.
    pub path_length_m: f64,
    /// Mean sway velocity of the L5 point, m/s.
    pub mean_velocity_mps: f64,
    /// Dominant sway frequency of the summed AP + ML power, Hz.
    pub dominant_hz: Option<f64>,
    /// Dominant frequency of the ML acceleration, Hz.
    pub dominant_ml_hz: Option<f64>,
    /// Dominant frequency of the AP acceleration, Hz.
    pub dominant_ap_hz: Option<f64>,
    /// Pelvic drop toward the free side relative to bilateral standing, degrees (+ = drop).
    pub pelvic_drop_deg: Option<f64>,
    /// Inverted-pendulum height used for the velocity, m.
    pub pendulum_height_m: f64,
}

impl SwayMetrics {
    /// The RMS as tilt-equivalent displacement of the sensor, (ML, AP) in mm (`h·a/g`, the
    /// conversion of [`SwayTrace::tilt_mm`]).
    pub fn tilt_rms_mm(&self) -> (f64, f64) {
        let k = mm_per_mps2(self.pendulum_height_m);
        (self.rms_ml_mps2 * k, self.rms_ap_mps2 * k)
    }
}

/// What [`sway_metrics`] needs besides the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwayInput {
    /// Sampling rate, Hz.
    pub fs_hz: f64,
    /// Body axes of the sensor.
    pub frame: TrunkFrame,
    /// Height of the sensor above the floor (pendulum length), m.
    pub pendulum_height_m: f64,
    /// The free (lifted) leg, for the sign of the pelvic drop; `None` skips pelvic drop.
    pub free_side: Option<Side>,
}

/// The sway trace of a hold: the horizontal specific force in the body's mediolateral and
/// anteroposterior axes after the same preprocessing as [`sway_metrics`] (projection,
/// zero-lag low-pass at [`SWAY_LOWPASS_HZ`], mean removed), one value per usable sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwayTrace {
    /// Sampling rate of the trace, Hz.
    pub fs_hz: f64,
    /// Mediolateral (+ = the person's left), m/s².
    pub ml_mps2: Vec<f64>,
    /// Anteroposterior (+ = forward), m/s².
    pub ap_mps2: Vec<f64>,
    /// Inverted-pendulum height of the sensor, m (for [`SwayTrace::tilt_mm`]).
    pub pendulum_height_m: f64,
}

impl SwayTrace {
    /// RMS of the (ML, AP) trace, m/s² (equal to [`SwayMetrics`]' `rms_ml_mps2`, `rms_ap_mps2`).
    pub fn rms_mps2(&self) -> (f64, f64) {
        (rms(&self.ml_mps2), rms(&self.ap_mps2))
    }

    /// Path length of the 2-D trace, m/s² (Mancini PATH; equal to [`SwayMetrics`]'
    /// `acc_path_mps2`).
    pub fn path_mps2(&self) -> f64 {
        acc_path(&self.ml_mps2, &self.ap_mps2)
    }

    /// The trace as the tilt-equivalent displacement of the sensor, (ML, AP) in mm, for
    /// display: for slow, tilt-dominated sway the horizontal specific force is gravity acting
    /// on the tilt φ (`a ≈ g·φ`) and the inverted pendulum moves the sensor by `h·φ`, so
    /// `x ≈ h·a/g`. The linear acceleration `h·φ̈` is not separated: above ~0.5 Hz
    /// (`sqrt(g/h)/2π`) it dominates and the estimate grows with frequency, so read it as a
    /// scale for the trace's shape and relative size, not as a measured displacement.
    pub fn tilt_mm(&self) -> Vec<(f64, f64)> {
        let k = mm_per_mps2(self.pendulum_height_m);
        self.ml_mps2
            .iter()
            .zip(&self.ap_mps2)
            .map(|(ml, ap)| (ml * k, ap * k))
            .collect()
    }
}

/// The finite samples of `hold`, once the rate, the frame and the length are checked.
fn usable<'a>(hold: &'a [ImuSample], input: &SwayInput) -> Result<Vec<&'a ImuSample>, SwayError> {
    let fs = input.fs_hz;
    if !(fs.is_finite() && fs > 0.0) {
        return Err(SwayError::BadRate(fs));
    }
    input.frame.check()?;
    let samples: Vec<&ImuSample> = hold
        .iter()
        .filter(|s| s.acc_mps2.iter().chain(&s.gyr_dps).all(|v| v.is_finite()))
        .collect();
    let n = samples.len();
    if (n as f64) < SWAY_MIN_DURATION_S * fs || n < 16 {
        return Err(SwayError::TooShort(n));
    }
    Ok(samples)
}

/// The sway low-pass at `fs_hz`; `None` when the rate is too low for it (cut-off too close to
/// Nyquist), in which case the signals are used unfiltered.
fn lowpass(fs_hz: f64) -> Option<Sos> {
    if fs_hz > 2.5 * SWAY_LOWPASS_HZ {
        Sos::butterworth(2, FilterKind::LowPass(SWAY_LOWPASS_HZ), fs_hz).ok()
    } else {
        None
    }
}

/// Projected onto `axis` and low-passed (zero lag).
fn axis_signal(
    x: impl Iterator<Item = Vector3<f64>>,
    axis: &Vector3<f64>,
    lp: Option<&Sos>,
    fs: f64,
) -> Vec<f64> {
    let mut v: Vec<f64> = x.map(|a| a.dot(axis)).collect();
    if let Some(lp) = lp {
        let pad = (fs as usize).min(v.len().saturating_sub(1));
        v = lp.filtfilt(&v, pad);
    }
    v
}

/// The (ML, AP) acceleration trace of checked samples.
fn acc_trace(samples: &[&ImuSample], input: &SwayInput, lp: Option<&Sos>) -> (Vec<f64>, Vec<f64>) {
    let f = &input.frame;
    let acc = || samples.iter().map(|s| Vector3::from(s.acc_mps2));
    let mut ml = axis_signal(acc(), &Vector3::from(f.left), lp, input.fs_hz);
    let mut ap = axis_signal(acc(), &Vector3::from(f.forward), lp, input.fs_hz);
    demean(&mut ml);
    demean(&mut ap);
    (ml, ap)
}

/// Tilt-equivalent displacement per unit of horizontal specific force, mm per m/s².
fn mm_per_mps2(pendulum_height_m: f64) -> f64 {
    1000.0 * pendulum_height_m / STANDARD_GRAVITY_MPS2
}

fn rms(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

fn acc_path(ml: &[f64], ap: &[f64]) -> f64 {
    ml.windows(2)
        .zip(ap.windows(2))
        .map(|(m, a)| ((m[1] - m[0]).powi(2) + (a[1] - a[0]).powi(2)).sqrt())
        .sum()
}

/// The sway trace of lower-back samples `hold` (the hold only, in time order), at the rate
/// `input.fs_hz` (any rate above 2.5 × [`SWAY_LOWPASS_HZ`] is low-passed; e.g. a 25 Hz display
/// stream works as well as 100 Hz).
pub fn sway_trace(hold: &[ImuSample], input: &SwayInput) -> Result<SwayTrace, SwayError> {
    let samples = usable(hold, input)?;
    let lp = lowpass(input.fs_hz);
    let (ml_mps2, ap_mps2) = acc_trace(&samples, input, lp.as_ref());
    Ok(SwayTrace {
        fs_hz: input.fs_hz,
        ml_mps2,
        ap_mps2,
        pendulum_height_m: input.pendulum_height_m,
    })
}

/// Sway metrics of lower-back samples `hold` (the hold only, in time order).
pub fn sway_metrics(hold: &[ImuSample], input: &SwayInput) -> Result<SwayMetrics, SwayError> {
    let fs = input.fs_hz;
    let samples = usable(hold, input)?;
    let n = samples.len();
    let dt = 1.0 / fs;
    let duration_s = n as f64 * dt;
    let f = &input.frame;
    let (left, fwd) = (Vector3::from(f.left), Vector3::from(f.forward));
    let lowpass = lowpass(fs);
    let (ml, ap) = acc_trace(&samples, input, lowpass.as_ref());
    let mean_sq = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64;
    let (s_ml, s_ap) = (mean_sq(&ml), mean_sq(&ap));
    let s_x = ml.iter().zip(&ap).map(|(a, b)| a * b).sum::<f64>() / n as f64;
    let det = (s_ml * s_ap - s_x * s_x).max(0.0);
    let ellipse = std::f64::consts::PI * CHI2_95_2DF * det.sqrt();
    // Jerk and acceleration path by central differences.
    let mut jerk = 0.0;
    let acc_path = acc_path(&ml, &ap);
    for i in 0..n {
        let (a, b) = (i.saturating_sub(1), (i + 1).min(n - 1));
        let span = (b - a) as f64 * dt;
        let d_ml = (ml[b] - ml[a]) / span;
        let d_ap = (ap[b] - ap[a]) / span;
        jerk += 0.5 * (d_ml * d_ml + d_ap * d_ap) * dt;
    }
    // Sway velocity of L5 from the horizontal angular rate.
    let h = input.pendulum_height_m;
    let gyr: Vec<Vector3<f64>> = samples
        .iter()
        .map(|s| Vector3::from(s.gyr_dps).map(f64::to_radians))
        .collect();
    let mean_gyr = gyr.iter().fold(Vector3::zeros(), |a, g| a + g) / n as f64;
    let centred = || gyr.iter().map(|g| g - mean_gyr);
    let wl = axis_signal(centred(), &left, lowpass.as_ref(), fs);
    let wf = axis_signal(centred(), &fwd, lowpass.as_ref(), fs);
    let path_m: f64 = wl
        .iter()
        .zip(&wf)
        .map(|(a, b)| h * (a * a + b * b).sqrt() * dt)
        .sum();
    let pelvic_drop_deg = input.free_side.map(|free| {
        let hold_up = samples
            .iter()
            .fold(Vector3::zeros(), |a, s| a + Vector3::from(s.acc_mps2))
            .normalize();
        // Left side down ⇒ the body's left axis points below the horizon ⇒ up·left < 0.
        let left_down_deg = -hold_up.dot(&left).clamp(-1.0, 1.0).asin().to_degrees();
        match free {
            Side::Left => left_down_deg,
            Side::Right => -left_down_deg,
        }
    });
    let (dom, dom_ml, dom_ap) = dominant_frequencies(&ml, &ap, fs);
    Ok(SwayMetrics {
        duration_s,
        rms_ml_mps2: s_ml.sqrt(),
        rms_ap_mps2: s_ap.sqrt(),
        ellipse95_area_m2ps4: ellipse,
        jerk_m2ps5: jerk,
        jerk_per_s_m2ps6: jerk / duration_s,
        acc_path_mps2: acc_path,
        path_length_m: path_m,
        mean_velocity_mps: path_m / duration_s,
        dominant_hz: dom,
        dominant_ml_hz: dom_ml,
        dominant_ap_hz: dom_ap,
        pelvic_drop_deg,
        pendulum_height_m: h,
    })
}

fn demean(x: &mut [f64]) {
    if x.is_empty() {
        return;
    }
    let m = x.iter().sum::<f64>() / x.len() as f64;
    x.iter_mut().for_each(|v| *v -= m);
}

/// Peak frequencies (summed, ML, AP) of the Hann-windowed periodograms in 0.1–3.5 Hz.
fn dominant_frequencies(
    ml: &[f64],
    ap: &[f64],
    fs: f64,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let n = ml.len();
    // Zero-pad to bins of at most 0.01 Hz (and at least the signal length).
    let want = ((fs / 0.01).ceil() as usize).max(n);
    let nfft = want.next_power_of_two().min(1 << 20);
    let mut planner = FftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(nfft);
    let power = |x: &[f64]| -> Vec<f64> {
        let mut buf: Vec<Complex<f64>> = vec![Complex::new(0.0, 0.0); nfft];
        for (i, v) in x.iter().take(nfft).enumerate() {
            let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n as f64 - 1.0)).cos();
            buf[i] = Complex::new(v * w, 0.0);
        }
        fft.process(&mut buf);
        buf[..nfft / 2].iter().map(|c| c.norm_sqr()).collect()
    };
    let p_ml = power(ml);
    let p_ap = power(ap);
    let sum: Vec<f64> = p_ml.iter().zip(&p_ap).map(|(a, b)| a + b).collect();
    let df = fs / nfft as f64;
    let peak = |p: &[f64]| -> Option<f64> {
        let lo = (SWAY_MIN_HZ / df).ceil() as usize;
        let hi = ((SWAY_LOWPASS_HZ / df).floor() as usize).min(p.len().saturating_sub(2));
        if lo < 1 || lo >= hi {
            return None;
        }
        let (k, &pk) = p[lo..=hi]
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, v)| (i + lo, v))?;
        if pk <= 0.0 {
            return None;
        }
        let (a, b, c) = (p[k - 1], pk, p[k + 1]);
        let denom = a - 2.0 * b + c;
        let delta = if denom.abs() > 0.0 {
            (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        Some((k as f64 + delta) * df)
    };
    (peak(&sum), peak(&p_ml), peak(&p_ap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{Rotation3, Vector3};
    use std::f64::consts::{PI, TAU};
    use steady_core::{Micros, STANDARD_GRAVITY_MPS2 as G};

    /// A sensor frame tilted arbitrarily: body axes (forward, left, up) in sensor coordinates.
    fn tilted_frame() -> TrunkFrame {
        let r = Rotation3::from_euler_angles(0.3, -0.2, 1.1);
        let up = r * Vector3::z();
        let left = r * Vector3::y();
        TrunkFrame::from_up_left(up.into(), left.into()).unwrap()
    }

    /// Samples with horizontal accelerations `ml(t)`, `ap(t)` and angular rate about the
    /// forward axis `roll_rps(t)`, expressed in the tilted sensor frame.
    fn synth(
        frame: &TrunkFrame,
        fs: f64,
        dur_s: f64,
        f: impl Fn(f64) -> (f64, f64, f64),
    ) -> Vec<ImuSample> {
        let (u, l, fw) = (
            Vector3::from(frame.up),
            Vector3::from(frame.left),
            Vector3::from(frame.forward),
        );
        (0..(dur_s * fs) as usize)
            .map(|i| {
                let t = i as f64 / fs;
                let (ml, ap, w) = f(t);
                let acc = u * G + l * ml + fw * ap;
                let gyr = fw * w.to_degrees();
                ImuSample {
                    t: Micros::from_secs_f64(t),
                    acc_mps2: acc.into(),
                    gyr_dps: gyr.into(),
                }
            })
            .collect()
    }

    #[test]
    fn elliptical_sway_gives_closed_form_rms_area_jerk_path_and_frequency() {
        let frame = tilted_frame();
        let (fs, dur, hz) = (100.0, 20.0, 0.8); // 16 whole cycles
        let (a, b) = (0.30, 0.12); // ML and AP amplitudes, m/s²
        let w = TAU * hz;
        let s = synth(&frame, fs, dur, |t| {
            (a * (w * t).sin(), b * (w * t).cos(), 0.0)
        });
        let input = SwayInput {
            fs_hz: fs,
            frame,
            pendulum_height_m: 1.0,
            free_side: None,
        };
        let m = sway_metrics(&s, &input).unwrap();
        let rel = |x: f64, want: f64| (x - want).abs() / want;
        assert!(rel(m.rms_ml_mps2, a / 2f64.sqrt()) < 0.01, "{m:?}");
        assert!(rel(m.rms_ap_mps2, b / 2f64.sqrt()) < 0.01, "{m:?}");
        // Covariance diag(a²/2, b²/2): area = π·5.991·ab/2.
        assert!(rel(m.ellipse95_area_m2ps4, PI * 5.991 * a * b / 2.0) < 0.015);
        // ½∫ w²(a² cos² + b² sin²) dt = ¼ w² (a² + b²) T.
        assert!(rel(m.jerk_m2ps5, 0.25 * w * w * (a * a + b * b) * dur) < 0.02);
        // Ellipse perimeter (Ramanujan) × cycles.
        let hh = ((a - b) / (a + b)).powi(2);
        let perim = PI * (a + b) * (1.0 + 3.0 * hh / (10.0 + (4.0 - 3.0 * hh).sqrt()));
        assert!(rel(m.acc_path_mps2, perim * hz * dur) < 0.01);
        let f = m.dominant_hz.unwrap();
        assert!((f - hz).abs() < 0.01, "{f}");
        assert!((m.dominant_ap_hz.unwrap() - hz).abs() < 0.01);
    }

    #[test]
    fn the_trace_is_what_the_metrics_measure_and_copes_with_a_25_hz_stream() {
        let frame = tilted_frame();
        let (a, b, hz) = (0.20, 0.08, 0.6);
        let w = TAU * hz;
        let sway = |t: f64| (a * (w * t).sin(), b * (w * t).cos(), 0.0);
        let input = |fs: f64| SwayInput {
            fs_hz: fs,
            frame,
            pendulum_height_m: 0.9,
            free_side: None,
        };
        let s = synth(&frame, 100.0, 15.0, sway);
        let tr = sway_trace(&s, &input(100.0)).unwrap();
        let m = sway_metrics(&s, &input(100.0)).unwrap();
        assert_eq!(tr.ml_mps2.len(), s.len());
        let (rml, rap) = tr.rms_mps2();
        assert!((rml - m.rms_ml_mps2).abs() < 1e-12 && (rap - m.rms_ap_mps2).abs() < 1e-12);
        assert!((tr.path_mps2() - m.acc_path_mps2).abs() < 1e-12);
        // ML is the larger axis; tilt-equivalent displacement h·a/g, in mm.
        assert!((rml - a / 2f64.sqrt()).abs() / rml < 0.01, "{rml}");
        let mm = tr.tilt_mm();
        let k = 900.0 / 9.80665;
        assert!((mm[10].0 - tr.ml_mps2[10] * k).abs() < 1e-9);
        assert!((mm[10].1 - tr.ap_mps2[10] * k).abs() < 1e-9);
        // The same sway sampled at 25 Hz: the low-pass still runs (3.5 Hz < 12.5 Hz Nyquist)
        // and the figures agree with 100 Hz.
        let s25 = synth(&frame, 25.0, 15.0, sway);
        let t25 = sway_trace(&s25, &input(25.0)).unwrap();
        let (r25ml, r25ap) = t25.rms_mps2();
        assert!((r25ml - rml).abs() / rml < 0.02, "{r25ml} vs {rml}");
        assert!((r25ap - rap).abs() / rap < 0.02, "{r25ap} vs {rap}");
        assert!((t25.path_mps2() - tr.path_mps2()).abs() / tr.path_mps2() < 0.02);
    }

    #[test]
    fn pure_sinusoid_frequency_is_found_per_axis() {
        let frame = tilted_frame();
        let s = synth(&frame, 50.0, 30.0, |t| {
            (
                0.2 * (TAU * 0.37 * t).sin(),
                0.1 * (TAU * 1.3 * t).sin(),
                0.0,
            )
        });
        let input = SwayInput {
            fs_hz: 50.0,
            frame,
            pendulum_height_m: 1.0,
            free_side: None,
        };
        let m = sway_metrics(&s, &input).unwrap();
        assert!((m.dominant_ml_hz.unwrap() - 0.37).abs() < 0.01, "{m:?}");
        assert!((m.dominant_ap_hz.unwrap() - 1.3).abs() < 0.01, "{m:?}");
        assert!((m.dominant_hz.unwrap() - 0.37).abs() < 0.01, "{m:?}");
    }

    #[test]
    fn sway_velocity_is_pendulum_height_times_angular_rate() {
        let frame = tilted_frame();
        let (omega, hz, h) = (0.02, 0.5, 0.95); // rad/s amplitude
        let s = synth(&frame, 100.0, 20.0, |t| {
            (0.0, 0.0, omega * (TAU * hz * t).sin())
        });
        let input = SwayInput {
            fs_hz: 100.0,
            frame,
            pendulum_height_m: h,
            free_side: None,
        };
        let m = sway_metrics(&s, &input).unwrap();
        // Mean |sin| = 2/π.
        let want = h * omega * 2.0 / PI;
        assert!((m.mean_velocity_mps - want).abs() / want < 0.01, "{m:?}");
        assert!((m.path_length_m - want * 20.0).abs() / (want * 20.0) < 0.01);
    }

    #[test]
    fn pelvic_drop_sign_follows_the_free_side() {
        let base = tilted_frame();
        // Hold posture: body rolled so the left side is 4° lower; seen from the body, world
        // up then turns toward the body's right (+4° about forward takes up toward −left).
        let r = Rotation3::from_axis_angle(
            &nalgebra::Unit::new_normalize(Vector3::from(base.forward)),
            4.0f64.to_radians(),
        );
        let up_hold = r * Vector3::from(base.up);
        let s: Vec<ImuSample> = (0..300)
            .map(|i| ImuSample {
                t: Micros::from_secs_f64(i as f64 / 100.0),
                acc_mps2: (up_hold * G).into(),
                gyr_dps: [0.0; 3],
            })
            .collect();
        let mut input = SwayInput {
            fs_hz: 100.0,
            frame: base,
            pendulum_height_m: 1.0,
            free_side: Some(Side::Left),
        };
        let left_free = sway_metrics(&s, &input).unwrap().pelvic_drop_deg.unwrap();
        input.free_side = Some(Side::Right);
        let right_free = sway_metrics(&s, &input).unwrap().pelvic_drop_deg.unwrap();
        assert!((left_free - 4.0).abs() < 0.01, "{left_free}");
        assert!((right_free + 4.0).abs() < 0.01, "{right_free}");
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let frame = tilted_frame();
        let input = SwayInput {
            fs_hz: 100.0,
            frame,
            pendulum_height_m: 1.0,
            free_side: None,
        };
        let short = synth(&frame, 100.0, 0.5, |_| (0.0, 0.0, 0.0));
        assert!(matches!(
            sway_metrics(&short, &input),
            Err(SwayError::TooShort(_))
        ));
        let bad = SwayInput {
            fs_hz: f64::NAN,
            ..input
        };
        assert!(matches!(
            sway_metrics(&short, &bad),
            Err(SwayError::BadRate(_))
        ));
        let skew = SwayInput {
            frame: TrunkFrame {
                up: [1.0, 0.0, 0.0],
                left: [1.0, 0.0, 0.0],
                forward: [0.0, 0.0, 1.0],
            },
            ..input
        };
        let long = synth(&frame, 100.0, 3.0, |_| (0.0, 0.0, 0.0));
        assert_eq!(sway_metrics(&long, &skew), Err(SwayError::BadFrame));
    }
}
