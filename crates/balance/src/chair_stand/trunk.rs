//! Lower-back trunk kinematics shared by the chair stand and the TUG: vertical acceleration,
//! vertical velocity, tilt rate and yaw rate in earth terms, whatever the sensor mounting.
//!
//! Method: a Mahony attitude filter (steady-analysis) tracks "up" in sensor axes; the
//! specific force projected on up minus g is the vertical acceleration, the gyro projected on
//! up is the yaw (turning) rate, and the gyro component perpendicular to up is the tilt rate
//! (trunk flexion). Vertical velocity is the integral of the vertical acceleration, high-passed
//! at [`VELOCITY_HP_HZ`] to remove drift (integration of a small tilt error).
//!
//! Failure modes: a sensor that slips during the test changes "up" faster than the filter
//! follows (tilt error → velocity bias, partly removed by the high-pass); movements slower
//! than ~1/[`VELOCITY_HP_HZ`] s are attenuated.

use steady_analysis::dsp::{cumtrapz, FilterKind, Sos};
use steady_analysis::orientation::{Mahony, MahonyGains};
use steady_core::{ImuSample, STANDARD_GRAVITY_MPS2};

/// High-pass cut-off applied to the integrated vertical velocity, Hz.
pub const VELOCITY_HP_HZ: f64 = 0.08;
/// Low-pass cut-off of the trunk signals, Hz (sit-to-stand and turning are below ~2 Hz).
pub const TRUNK_LP_HZ: f64 = 2.0;
/// Shortest input accepted, s.
pub const MIN_DURATION_S: f64 = 2.0;

/// Why a test could not be analysed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// The required sensor is absent.
    #[error("needs a {0} sensor")]
    MissingSensor(&'static str),
    /// Too few samples.
    #[error("recording too short ({0:.1} s) for this test")]
    TooShort(f64),
    /// Sampling rate not usable.
    #[error("sampling rate {0} Hz outside 20–2000 Hz")]
    BadRate(f64),
    /// A sample holds NaN or infinity.
    #[error("sample {0} is not finite")]
    NotFinite(usize),
}

/// Checks the samples and rate; returns the duration in s.
pub fn check_input(samples: &[ImuSample], fs_hz: f64) -> Result<f64, InputError> {
    if !(fs_hz.is_finite() && (20.0..=2000.0).contains(&fs_hz)) {
        return Err(InputError::BadRate(fs_hz));
    }
    if let Some(i) = samples
        .iter()
        .position(|s| !s.acc_mps2.iter().chain(&s.gyr_dps).all(|v| v.is_finite()))
    {
        return Err(InputError::NotFinite(i));
    }
    let d = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.t_s() - a.t_s(),
        _ => 0.0,
    };
    if d < MIN_DURATION_S || samples.len() < 10 {
        return Err(InputError::TooShort(d.max(0.0)));
    }
    Ok(d)
}

/// Earth-frame trunk signals, one value per input sample.
#[derive(Debug, Clone, PartialEq)]
pub struct TrunkSignals {
    /// Sample times, s.
    pub t_s: Vec<f64>,
    /// Sampling rate, Hz.
    pub fs_hz: f64,
    /// Vertical acceleration (gravity removed), low-passed, m/s².
    pub acc_v_mps2: Vec<f64>,
    /// Vertical velocity (high-passed integral), m/s.
    pub vel_v_mps: Vec<f64>,
    /// Yaw rate about earth vertical, low-passed, deg/s (+ = turning left).
    pub yaw_rate_dps: Vec<f64>,
    /// Tilt rate (angular rate perpendicular to vertical, i.e. flexion/lean), low-passed, deg/s.
    pub tilt_rate_dps: Vec<f64>,
}

impl TrunkSignals {
    /// Index of the first sample at or after `t_s` (clamped).
    pub fn index_at(&self, t_s: f64) -> usize {
        self.t_s
            .partition_point(|&t| t < t_s)
            .min(self.t_s.len().saturating_sub(1))
    }
}

/// Computes [`TrunkSignals`] from lower-back samples at `fs_hz`.
pub fn trunk_signals(samples: &[ImuSample], fs_hz: f64) -> Result<TrunkSignals, InputError> {
    check_input(samples, fs_hz)?;
    let dt = 1.0 / fs_hz;
    let mut f = Mahony::new(MahonyGains::default());
    // Initialise the tilt from the mean of the first 0.5 s (quiet at the start of a test).
    let k0 = ((0.5 * fs_hz) as usize).clamp(1, samples.len());
    let mut a0 = [0.0; 3];
    for s in &samples[..k0] {
        for (a, v) in a0.iter_mut().zip(s.acc_mps2) {
            *a += v / k0 as f64;
        }
    }
    f.update(a0, [0.0; 3], dt);
    let n = samples.len();
    let (mut av, mut yaw, mut tilt) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for s in samples {
        f.update(s.acc_mps2, s.gyr_dps, dt);
        let up = f.up_in_sensor();
        let a = nalgebra::Vector3::from(s.acc_mps2);
        let b = f.gyro_bias_dps();
        let w = nalgebra::Vector3::from(s.gyr_dps) - nalgebra::Vector3::from(b);
        av.push(a.dot(&up) - STANDARD_GRAVITY_MPS2);
        let wy = w.dot(&up);
        yaw.push(wy);
        tilt.push((w - up * wy).norm());
    }
    // Design cannot fail for 20–2000 Hz (checked above); fall back to no filtering otherwise.
    let lp = Sos::butterworth(2, FilterKind::LowPass(TRUNK_LP_HZ), fs_hz).ok();
    let hp = Sos::butterworth(2, FilterKind::HighPass(VELOCITY_HP_HZ), fs_hz).ok();
    let pad = (3.0 * fs_hz) as usize;
    let lpf = |x: Vec<f64>| match &lp {
        Some(s) => s.filtfilt(&x, pad),
        None => x,
    };
    let acc_v = lpf(av);
    let v = cumtrapz(&acc_v, dt);
    let vel = match &hp {
        Some(s) => s.filtfilt(&v, (10.0 * fs_hz) as usize),
        None => v,
    };
    Ok(TrunkSignals {
        t_s: samples.iter().map(|s| s.t_s()).collect(),
        fs_hz,
        acc_v_mps2: acc_v,
        vel_v_mps: vel,
        yaw_rate_dps: lpf(yaw),
        tilt_rate_dps: lpf(tilt),
    })
}

/// A vertical movement of the trunk: a lobe of vertical velocity of one sign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerticalMove {
    /// Up (rise) or down (sit).
    pub up: bool,
    /// First sample index with |v| above the onset level.
    pub start: usize,
    /// Last sample index with |v| above the onset level.
    pub end: usize,
    /// Peak |v|, m/s.
    pub peak_mps: f64,
    /// Displacement over the lobe, m (positive).
    pub displacement_m: f64,
    /// Time the displacement reached half its total, s.
    pub half_s: f64,
}

/// Velocity level that opens and closes a lobe, m/s.
pub const LOBE_ONSET_MPS: f64 = 0.05;
/// Minimum peak vertical velocity of a sit-to-stand (Adamowicz et al. 2020, skdh) [V].
pub const MIN_TRANSITION_PEAK_MPS: f64 = 0.2;
/// Minimum vertical displacement of a sit-to-stand (Adamowicz et al. 2020, skdh) [V].
pub const MIN_TRANSITION_DISPLACEMENT_M: f64 = 0.125;

/// Every vertical-velocity lobe with peak ≥ [`MIN_TRANSITION_PEAK_MPS`] and displacement ≥
/// [`MIN_TRANSITION_DISPLACEMENT_M`], in time order.
pub fn vertical_moves(sig: &TrunkSignals) -> Vec<VerticalMove> {
    let v = &sig.vel_v_mps;
    let dt = 1.0 / sig.fs_hz;
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if v[i].abs() <= LOBE_ONSET_MPS {
            i += 1;
            continue;
        }
        let up = v[i] > 0.0;
        let start = i;
        while i < v.len() && v[i].abs() > LOBE_ONSET_MPS && (v[i] > 0.0) == up {
            i += 1;
        }
        let end = i - 1;
        let lobe = &v[start..=end];
        let peak = lobe.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        let disp: Vec<f64> = cumtrapz(&lobe.iter().map(|x| x.abs()).collect::<Vec<_>>(), dt);
        let total = disp.last().copied().unwrap_or(0.0);
        let half = disp.iter().position(|&d| d >= 0.5 * total).unwrap_or(0);
        if peak >= MIN_TRANSITION_PEAK_MPS && total >= MIN_TRANSITION_DISPLACEMENT_M {
            out.push(VerticalMove {
                up,
                start,
                end,
                peak_mps: peak,
                displacement_m: total,
                half_s: sig.t_s[start + half],
            });
        }
    }
    out
}

/// Back-dates the start of a rise to the onset of trunk flexion: the tilt-rate peak within
/// `max_back_s` before `start` (the forward lean), then back from it to the last sample whose
/// tilt rate is below `quiet_dps` (searching at most `max_back_s` before the peak).
pub fn flexion_onset(sig: &TrunkSignals, start: usize, max_back_s: f64, quiet_dps: f64) -> usize {
    let back = (max_back_s * sig.fs_hz) as usize;
    let lo = start.saturating_sub(back);
    let peak = (lo..=start)
        .max_by(|&a, &b| sig.tilt_rate_dps[a].total_cmp(&sig.tilt_rate_dps[b]))
        .unwrap_or(start);
    if sig.tilt_rate_dps[peak] < quiet_dps {
        return start;
    }
    let lo = peak.saturating_sub(back);
    (lo..=peak)
        .rev()
        .find(|&k| sig.tilt_rate_dps[k] < quiet_dps)
        .unwrap_or(lo)
}
