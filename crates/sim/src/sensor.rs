//! From body poses to IMU readings: sensor mounting, finite differencing, noise and bias.
//!
//! For a sensor with world-from-sensor rotation R(t) and position p(t) (both analytic, from
//! [`crate::body`]) the readings are
//! - gyroscope ω = vee(Rᵀ·Ṙ) with Ṙ by a central difference at ±1 ms (deg/s, sensor axes),
//! - accelerometer f = Rᵀ·(p̈ + g·ẑ) with p̈ by a second central difference at ±1 ms (m/s²),
//!
//! so gravity at rest reads 9.80665 m/s² on whichever sensor axis points up, whatever the
//! mounting. Nominal mountings (sensor axes in segment terms):
//! - lower back: x up, y right, z forward (the Mobilise-D convention of `/work/shared/data`);
//! - legs (thigh, shank, foot): x up (along the segment), y forward, z left — sagittal rotation is
//!   on `gyr_z`; a *mirrored* right-side sensor is turned 180° about x (y backward, z right),
//!   as in the gaitmap example recordings.
//!
//! Then a fixed per-sensor misalignment rotation, a constant gyroscope bias and white noise.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use steady_core::{ImuSample, Micros, Placement, Side, STANDARD_GRAVITY_MPS2};

use crate::body::Body;
use crate::layout::normal;
use crate::math::{self, rad, M3, V3};

/// Half-width of the finite-difference stencil, s.
const FD_H_S: f64 = 1e-3;

/// One simulated sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorSpec {
    /// Where it sits.
    pub placement: Placement,
    /// Fixed mounting error as rotations about the sensor's x, y, z axes (applied in that
    /// order), degrees.
    pub misalignment_deg: [f64; 3],
    /// Right-side leg sensor mounted mirror-wise (180° about x); ignored elsewhere.
    pub mirrored: bool,
}

impl SensorSpec {
    /// A sensor at `placement` with nominal mounting.
    pub fn new(placement: Placement) -> SensorSpec {
        SensorSpec {
            placement,
            misalignment_deg: [0.0; 3],
            mirrored: false,
        }
    }
}

/// Sensor set and error model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorConfig {
    /// The sensors (their index here is the `sensor_index` of the transport).
    pub sensors: Vec<SensorSpec>,
    /// Sampling rate, Hz.
    pub rate_hz: f64,
    /// Accelerometer white noise, m/s² (standard deviation per axis and sample).
    pub acc_noise_mps2: f64,
    /// Gyroscope white noise, deg/s.
    pub gyr_noise_dps: f64,
    /// Standard deviation of the constant per-sensor, per-axis gyroscope bias, deg/s.
    pub gyr_bias_dps: f64,
}

impl Default for SensorConfig {
    /// Lower back and both shanks at 100 Hz with modest MEMS-like noise and bias.
    fn default() -> Self {
        SensorConfig::new(&[
            Placement::LowerBack,
            Placement::LeftShank,
            Placement::RightShank,
        ])
    }
}

impl SensorConfig {
    /// Nominally mounted sensors at `placements`, 100 Hz, default noise.
    pub fn new(placements: &[Placement]) -> SensorConfig {
        SensorConfig {
            sensors: placements.iter().map(|&p| SensorSpec::new(p)).collect(),
            rate_hz: 100.0,
            acc_noise_mps2: 0.02,
            gyr_noise_dps: 0.15,
            gyr_bias_dps: 0.5,
        }
    }

    /// Every placement of [`Placement::ALL`].
    pub fn all() -> SensorConfig {
        SensorConfig::new(&Placement::ALL)
    }

    /// The same sensors without noise or bias (exact kinematics).
    pub fn noiseless(mut self) -> SensorConfig {
        self.acc_noise_mps2 = 0.0;
        self.gyr_noise_dps = 0.0;
        self.gyr_bias_dps = 0.0;
        self
    }

    /// The same configuration with right-side leg sensors mounted mirror-wise.
    pub fn mirrored(mut self) -> SensorConfig {
        for s in &mut self.sensors {
            s.mirrored = s.placement.side() == Some(Side::Right);
        }
        self
    }
}

/// Segment-local (F, L, U) from sensor axes, as columns: nominal mounting per placement.
fn mounting(spec: &SensorSpec) -> M3 {
    let c = match spec.placement.side() {
        // x = U, y = −L (right), z = F.
        None => [[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]],
        // x = U, y = −F, z = −L.
        Some(Side::Right) if spec.mirrored => [[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]],
        // x = U, y = F, z = L.
        Some(_) => [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]],
    };
    let [a, b, g] = spec.misalignment_deg;
    let m = math::mul(
        &math::rot_x(rad(a)),
        &math::mul(&math::rot_y(rad(b)), &math::rot_z(rad(g))),
    );
    math::mul(&c, &m)
}

/// One sensor's measurement model, ready to sample.
#[derive(Debug, Clone)]
pub(crate) struct SensorModel {
    pub spec: SensorSpec,
    mount: M3,
    bias_dps: V3,
    stream: u64,
}

impl SensorModel {
    pub fn new(spec: &SensorSpec, index: usize, cfg: &SensorConfig, seed: u64) -> SensorModel {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_B1A5);
        rng.set_stream(index as u64 + 1);
        let bias_dps = [
            cfg.gyr_bias_dps * normal(&mut rng),
            cfg.gyr_bias_dps * normal(&mut rng),
            cfg.gyr_bias_dps * normal(&mut rng),
        ];
        SensorModel {
            spec: spec.clone(),
            mount: mounting(spec),
            bias_dps,
            stream: index as u64 + 1,
        }
    }

    fn pose(&self, body: &Body, t: f64) -> (M3, V3) {
        let (r, p) = body.segment_pose(self.spec.placement, t);
        (math::mul(&r, &self.mount), p)
    }

    /// Exact (noise-free, bias-free) specific force (m/s²) and angular rate (deg/s) at `t`.
    pub fn exact(&self, body: &Body, t: f64) -> (V3, V3) {
        let h = FD_H_S;
        let (rm, pm) = self.pose(body, t - h);
        let (r0, p0) = self.pose(body, t);
        let (rp, pp) = self.pose(body, t + h);
        let mut acc = [0.0; 3];
        for a in 0..3 {
            acc[a] = (pp[a] - 2.0 * p0[a] + pm[a]) / (h * h);
        }
        acc[2] += STANDARD_GRAVITY_MPS2;
        let f = math::mul_tv(&r0, acc);
        let mut dr = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                dr[i][j] = (rp[i][j] - rm[i][j]) / (2.0 * h);
            }
        }
        let om = math::mul_t(&r0, &dr);
        let w = [
            0.5 * (om[2][1] - om[1][2]),
            0.5 * (om[0][2] - om[2][0]),
            0.5 * (om[1][0] - om[0][1]),
        ];
        (f, math::scale(w, 180.0 / std::f64::consts::PI))
    }

    /// Sample `k` (t = k / rate) with noise and bias; random access, deterministic from the seed.
    pub fn sample(&self, body: &Body, cfg: &SensorConfig, seed: u64, k: u64) -> ImuSample {
        let t = k as f64 / cfg.rate_hz;
        let (mut f, mut w) = self.exact(body, t);
        if cfg.acc_noise_mps2 > 0.0 || cfg.gyr_noise_dps > 0.0 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0015_E000);
            rng.set_stream(self.stream);
            // Each normal draws two f64 = four 32-bit words.
            rng.set_word_pos(u128::from(k) * 24);
            for x in &mut f {
                *x += cfg.acc_noise_mps2 * normal(&mut rng);
            }
            for x in &mut w {
                *x += cfg.gyr_noise_dps * normal(&mut rng);
            }
        }
        for (x, b) in w.iter_mut().zip(self.bias_dps) {
            *x += b;
        }
        ImuSample {
            t: Micros::from_secs_f64(t),
            acc_mps2: f,
            gyr_dps: w,
        }
    }
}
