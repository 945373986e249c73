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
    fn body_frame_is_right_handed() {
        let bf =
            forward_from_walking(Vector3::new(0.0, 0.0, 2.0), Vector3::new(1.0, 0.0, 0.3)).unwrap();
        assert!((bf.forward - Vector3::x()).norm() < 1e-12);
        assert!((bf.left - Vector3::y()).norm() < 1e-12);
    }
}
