//! Orientation: a Mahony-style complementary filter (nalgebra quaternions, integral gyro-bias
//! correction) and the automatic sensor-to-body alignment of a trunk sensor.
//!
//! Alignment needs no axis convention: "up" is the gravity reaction measured by the
//! accelerometer (tracked per sample by the filter), "forward" is found from the walking
//! itself (see [`forward_from_walking`]) and "left" completes a right-handed frame. A sensor
//! strapped on upside down, sideways or tilted therefore gives the same body-frame signals.

use nalgebra::{UnitQuaternion, Vector3};

/// Mahony filter gains. Defaults follow Mahony et al. 2008 (IEEE TAC 53:1203) in spirit:
/// a proportional gain small enough that walking accelerations (≈ ±0.3 g at the trunk)
/// barely tilt the estimate, and a slow integral term that learns the gyro bias.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MahonyGains {
    /// Proportional gain, rad/s per unit error (the tilt correction bandwidth ≈ kp/2π Hz).
    pub kp: f64,
    /// Integral gain for the gyro bias, rad/s² per unit error.
    pub ki: f64,
}

impl Default for MahonyGains {
    fn default() -> Self {
        // kp = 0.5 rad/s: ~0.08 Hz correction bandwidth, far below the ≥ 0.5 Hz step band,
        // so gait accelerations average out while gyro drift is still removed in seconds.
        MahonyGains { kp: 0.5, ki: 0.01 }
    }
}

/// Sensor attitude estimator (sensor → earth rotation, earth z up, yaw unobserved).
#[derive(Debug, Clone, PartialEq)]
pub struct Mahony {
    q: UnitQuaternion<f64>,
    bias_rps: Vector3<f64>,
    gains: MahonyGains,
    initialised: bool,
}

impl Mahony {
    /// A filter that initialises its tilt from the first accelerometer sample.
    pub fn new(gains: MahonyGains) -> Mahony {
        Mahony {
            q: UnitQuaternion::identity(),
            bias_rps: Vector3::zeros(),
            gains,
            initialised: false,
        }
    }

    /// Feeds one sample (`acc_mps2` specific force, `gyr_dps`, step `dt_s`).
    ///
    /// Written out on the quaternion's components (rather than through nalgebra's generic
    /// rotation and normalisation) because it runs on every sample: "up" is read off the
    /// rotation's third row and the renormalisation takes one square root and one division.
    pub fn update(&mut self, acc_mps2: [f64; 3], gyr_dps: [f64; 3], dt_s: f64) {
        let [ax, ay, az] = acc_mps2;
        let norm = (ax * ax + ay * ay + az * az).sqrt();
        if !self.initialised {
            if norm > 1e-6 {
                self.q = tilt_from_acc(&Vector3::from(acc_mps2));
                self.initialised = true;
            }
            return;
        }
        let w = Vector3::from(gyr_dps) * (std::f64::consts::PI / 180.0);
        let mut correction = Vector3::zeros();
        // Only trust the accelerometer as a gravity reference near 1 g (0.5–1.5 g).
        if norm > 0.5 * steady_core::STANDARD_GRAVITY_MPS2
            && norm < 1.5 * steady_core::STANDARD_GRAVITY_MPS2
        {
            let measured = Vector3::from(acc_mps2) / norm;
            let predicted = self.up_in_sensor();
            let e = measured.cross(&predicted);
            self.bias_rps -= e * (self.gains.ki * dt_s);
            correction = e * self.gains.kp;
        }
        let omega = (w - self.bias_rps + correction) * (0.5 * dt_s);
        // First-order quaternion integration q ← q ⊗ (1, ω·dt/2), renormalised: exact to
        // O((ω·dt)²), i.e. < 1e-4 rad per sample at 300 deg/s and 100 Hz, and no trig.
        let (qw, qx, qy, qz) = (self.q.w, self.q.i, self.q.j, self.q.k);
        let (ox, oy, oz) = (omega.x, omega.y, omega.z);
        let nw = qw - qx * ox - qy * oy - qz * oz;
        let nx = qx + qw * ox + qy * oz - qz * oy;
        let ny = qy + qw * oy + qz * ox - qx * oz;
        let nz = qz + qw * oz + qx * oy - qy * ox;
        let inv_len = 1.0 / (nw * nw + nx * nx + ny * ny + nz * nz).sqrt();
        self.q = UnitQuaternion::new_unchecked(nalgebra::Quaternion::new(
            nw * inv_len,
            nx * inv_len,
            ny * inv_len,
            nz * inv_len,
        ));
    }

    /// Current unit "up" vector expressed in sensor axes: earth z seen from the sensor, the
    /// third row of the sensor → earth rotation matrix.
    pub fn up_in_sensor(&self) -> Vector3<f64> {
        let (w, x, y, z) = (self.q.w, self.q.i, self.q.j, self.q.k);
        Vector3::new(
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            w * w - x * x - y * y + z * z,
        )
    }

    /// Current sensor → earth rotation.
    pub fn attitude(&self) -> UnitQuaternion<f64> {
        self.q
    }

    /// Current gyro-bias estimate in deg/s (sensor axes).
    pub fn gyro_bias_dps(&self) -> [f64; 3] {
        let b = self.bias_rps * (180.0 / std::f64::consts::PI);
        [b.x, b.y, b.z]
    }
}

/// Rate (Hz) at which [`DecimatedMahony`] updates the attitude: trunk tilt changes slowly
/// (walking rotates the pelvis by a few degrees at ≤ 2 Hz), so 25 Hz is > 10 samples per
/// cycle of the fastest tilt motion while costing a quarter of a 100 Hz filter.
pub const ATTITUDE_RATE_HZ: f64 = 25.0;

/// A [`Mahony`] filter run on blocks of `factor` samples (the rate ≈ [`ATTITUDE_RATE_HZ`]):
/// each update uses the block's mean specific force and its summed rotation (mean rate ×
/// block duration, i.e. the same integral of the gyro; only the O((ω·dt)²) non-commuting
/// part of the per-sample rotations is dropped). The boxcar mean is the anti-alias filter:
/// the accelerometer term only steers the tilt at ≈ 0.08 Hz ([`MahonyGains`]), and the
/// gyro is integrated, not sampled. The first sample initialises the tilt as in [`Mahony`].
#[derive(Debug, Clone, PartialEq)]
pub struct DecimatedMahony {
    filter: Mahony,
    factor: usize,
    acc_sum: [f64; 3],
    gyr_sum: [f64; 3],
    dt_sum_s: f64,
    pending: usize,
    up: Vector3<f64>,
}

impl DecimatedMahony {
    /// A filter for samples at `fs_hz`, updating every `round(fs_hz / ATTITUDE_RATE_HZ)` (≥ 1)
    /// samples.
    pub fn new(gains: MahonyGains, fs_hz: f64) -> DecimatedMahony {
        let factor = if fs_hz.is_finite() {
            ((fs_hz / ATTITUDE_RATE_HZ).round() as usize).max(1)
        } else {
            1
        };
        DecimatedMahony {
            filter: Mahony::new(gains),
            factor,
            acc_sum: [0.0; 3],
            gyr_sum: [0.0; 3],
            dt_sum_s: 0.0,
            pending: 0,
            up: Vector3::z(),
        }
    }

    /// Samples per attitude update.
    pub fn factor(&self) -> usize {
        self.factor
    }

    /// "Up" in sensor axes as of the last update.
    pub fn up_in_sensor(&self) -> Vector3<f64> {
        self.up
    }

    /// Feeds one sample; when it completes a block (or initialises the filter) returns the
    /// number of samples the update covers and "up" after it, so a caller can interpolate
    /// "up" over those samples from the previous value.
    pub fn push(
        &mut self,
        acc_mps2: [f64; 3],
        gyr_dps: [f64; 3],
        dt_s: f64,
    ) -> Option<(usize, Vector3<f64>)> {
        if !self.filter.initialised {
            self.filter.update(acc_mps2, gyr_dps, dt_s);
            self.up = self.filter.up_in_sensor();
            return Some((1, self.up));
        }
        for k in 0..3 {
            self.acc_sum[k] += acc_mps2[k];
            self.gyr_sum[k] += gyr_dps[k];
        }
        self.dt_sum_s += dt_s;
        self.pending += 1;
        if self.pending < self.factor {
            return None;
        }
        let n = self.pending as f64;
        let mean = |s: [f64; 3]| [s[0] / n, s[1] / n, s[2] / n];
        self.filter
            .update(mean(self.acc_sum), mean(self.gyr_sum), self.dt_sum_s);
        let covered = self.pending;
        self.acc_sum = [0.0; 3];
        self.gyr_sum = [0.0; 3];
        self.dt_sum_s = 0.0;
        self.pending = 0;
        self.up = self.filter.up_in_sensor();
        Some((covered, self.up))
    }
}

/// The rotation that maps the measured gravity reaction onto earth z (yaw arbitrary).
pub fn tilt_from_acc(acc: &Vector3<f64>) -> UnitQuaternion<f64> {
    UnitQuaternion::rotation_between(acc, &Vector3::z()).unwrap_or_else(|| {
        // Exactly upside down: any half-turn about a horizontal axis.
        UnitQuaternion::from_axis_angle(&Vector3::x_axis(), std::f64::consts::PI)
    })
}

/// Body axes of a trunk sensor expressed in sensor coordinates (all unit vectors).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyFrame {
    /// Vertical, pointing up.
    pub up: Vector3<f64>,
    /// Walking direction.
    pub forward: Vector3<f64>,
    /// The person's left (`up × forward`).
    pub left: Vector3<f64>,
}

/// Forward direction from walking, in sensor axes, or `None` without a clear signal.
///
/// Physics (inverted pendulum, Cavagna et al. 1977; Zijlstra & Hof 2003): during walking the
/// trunk trades kinetic for potential energy, so forward speed is lowest when the centre of
/// mass is highest. Hence forward acceleration ≈ −(vertical velocity) × const at the step
/// frequency, while medio-lateral acceleration repeats once per *stride* and averages out.
/// The covariance of the horizontal acceleration with −v_vertical therefore points forward,
/// giving both the axis and its sign.
///
/// `horizontal` are acceleration vectors with gravity projected out (sensor axes),
/// `v_vertical` the vertical velocity (band-passed), `up` the mean up vector.
pub fn forward_covariance(horizontal: &[[f64; 3]], v_vertical: &[f64]) -> Vector3<f64> {
    let mut c = Vector3::zeros();
    for (h, v) in horizontal.iter().zip(v_vertical) {
        c -= Vector3::from(*h) * *v;
    }
    c
}

/// Completes a [`BodyFrame`] from `up` and a (possibly not yet orthogonal) forward estimate.
pub fn forward_from_walking(up: Vector3<f64>, forward_cov: Vector3<f64>) -> Option<BodyFrame> {
    let up = up.try_normalize(1e-9)?;
    let f = forward_cov - up * up.dot(&forward_cov);
    let forward = f.try_normalize(1e-12)?;
    let left = up.cross(&forward);
    Some(BodyFrame { up, forward, left })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mahony_converges_to_gravity_when_tilted_and_learns_gyro_bias() {
        // Sensor tilted 30° about x and 20° about y, at rest, gyro with a constant bias.
        let tilt = UnitQuaternion::from_euler_angles(std::f64::consts::FRAC_PI_6, 0.349, 0.0);
        let up_true = tilt.inverse_transform_vector(&Vector3::z());
        let acc = up_true * steady_core::STANDARD_GRAVITY_MPS2;
        let mut f = Mahony::new(MahonyGains::default());
        // Start from a wrong attitude: first sample says "flat".
        f.update([0.0, 0.0, 9.81], [0.0; 3], 0.01);
        for _ in 0..30000 {
            f.update([acc.x, acc.y, acc.z], [0.8, -0.5, 0.0], 0.01);
        }
        let err_deg = f.up_in_sensor().angle(&up_true).to_degrees();
        assert!(err_deg < 0.5, "tilt error {err_deg}°");
        let b = f.gyro_bias_dps();
        // The bias component about the horizontal axes is observable from gravity.
        let b_h = Vector3::from(b) - up_true * up_true.dot(&Vector3::from(b));
        let true_h =
            Vector3::new(0.8, -0.5, 0.0) - up_true * up_true.dot(&Vector3::new(0.8, -0.5, 0.0));
        assert!((b_h - true_h).norm() < 0.2, "bias {b:?}");
    }

    #[test]
    fn decimated_filter_tracks_the_full_rate_one() {
        // A slow rocking tilt (±10° at 1 Hz about x) with gravity measured accordingly.
        let fs = 100.0;
        let mut full = Mahony::new(MahonyGains::default());
        let mut dec = DecimatedMahony::new(MahonyGains::default(), fs);
        assert_eq!(dec.factor(), 4);
        let mut worst_deg: f64 = 0.0;
        for i in 0..3000 {
            let t = i as f64 / fs;
            let w = 2.0 * std::f64::consts::PI;
            let angle = 10f64.to_radians() * (w * t).sin();
            let rate_dps = (10f64.to_radians() * w * (w * t).cos()).to_degrees();
            let up = Vector3::new(0.0, angle.sin(), angle.cos());
            let acc = up * steady_core::STANDARD_GRAVITY_MPS2;
            full.update([acc.x, acc.y, acc.z], [rate_dps, 0.0, 0.0], 1.0 / fs);
            if let Some((covered, up_dec)) =
                dec.push([acc.x, acc.y, acc.z], [rate_dps, 0.0, 0.0], 1.0 / fs)
            {
                assert!(covered == 1 || covered == 4);
                if i > 100 {
                    worst_deg = worst_deg.max(up_dec.angle(&full.up_in_sensor()).to_degrees());
                }
            }
        }
        assert!(worst_deg < 0.2, "decimated up differs by {worst_deg}°");
    }

    #[test]
    fn body_frame_is_right_handed() {
        let bf =
            forward_from_walking(Vector3::new(0.0, 0.0, 2.0), Vector3::new(1.0, 0.0, 0.3)).unwrap();
        assert!((bf.forward - Vector3::x()).norm() < 1e-12);
        assert!((bf.left - Vector3::y()).norm() < 1e-12);
    }
}
