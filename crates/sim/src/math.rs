//! Small 3-D vector/rotation helpers and the C2 knot channels every signal model is built from.
//!
//! World frame: X forward (initial walking direction), Y left, Z up. Segment-local frame
//! (F, L, U): forward, left, up of the body segment when the person stands upright.

/// A 3-vector.
pub type V3 = [f64; 3];
/// A 3×3 matrix, row-major (`m[row][col]`).
pub type M3 = [[f64; 3]; 3];

/// `a + b`.
pub fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
pub fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `k · a`.
pub fn scale(a: V3, k: f64) -> V3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

/// `m · v`.
pub fn mul_v(m: &M3, v: V3) -> V3 {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

/// `mᵀ · v`.
pub fn mul_tv(m: &M3, v: V3) -> V3 {
    [
        m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
        m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
        m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
    ]
}

/// `a · b`.
pub fn mul(a: &M3, b: &M3) -> M3 {
    let mut r = [[0.0; 3]; 3];
    for (i, row) in r.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    r
}

/// `aᵀ · b`.
pub fn mul_t(a: &M3, b: &M3) -> M3 {
    let mut r = [[0.0; 3]; 3];
    for (i, row) in r.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = a[0][i] * b[0][j] + a[1][i] * b[1][j] + a[2][i] * b[2][j];
        }
    }
    r
}

/// Rotation about the X (forward) axis by `a` radians.
pub fn rot_x(a: f64) -> M3 {
    let (s, c) = a.sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]
}

/// Rotation about the Y (left) axis by `a` radians: positive tips the up axis forward.
pub fn rot_y(a: f64) -> M3 {
    let (s, c) = a.sin_cos();
    // Right-hand rule about +Y: Z goes toward +X.
    [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]
}

/// Rotation about the Z (up) axis by `a` radians (positive = turn to the left).
pub fn rot_z(a: f64) -> M3 {
    let (s, c) = a.sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

/// Yaw–roll–pitch composition `Rz(yaw)·Rx(roll)·Ry(pitch)` (radians).
pub fn ypr(yaw: f64, roll: f64, pitch: f64) -> M3 {
    mul(&rot_z(yaw), &mul(&rot_x(roll), &rot_y(pitch)))
}

/// Quintic Hermite basis with zero second derivative at both ends (C2 joins between pieces).
fn quintic(p0: f64, d0: f64, p1: f64, d1: f64, dt: f64, tau: f64) -> f64 {
    let t2 = tau * tau;
    let t3 = t2 * tau;
    let t4 = t3 * tau;
    let t5 = t4 * tau;
    let h00 = 1.0 - 10.0 * t3 + 15.0 * t4 - 6.0 * t5;
    let h01 = 10.0 * t3 - 15.0 * t4 + 6.0 * t5;
    let h10 = tau - 6.0 * t3 + 8.0 * t4 - 3.0 * t5;
    let h11 = -4.0 * t3 + 7.0 * t4 - 3.0 * t5;
    h00 * p0 + h01 * p1 + dt * (h10 * d0 + h11 * d1)
}

/// `0 → 1` over `[0, 1]` with zero first and second derivatives at both ends.
pub fn smoothstep5(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * x * (10.0 - 15.0 * x + 6.0 * x * x)
}

/// One knot of a [`Channel`]: value and slope (per second) at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knot {
    /// Time, s (scenario timeline).
    pub t: f64,
    /// Value.
    pub v: f64,
    /// Slope, value per second.
    pub d: f64,
}

/// A scalar signal defined by knots and joined by quintic Hermite pieces (C2: value, slope and
/// zero curvature match at knots), constant before the first and after the last knot.
#[derive(Debug, Clone, Default)]
pub struct Channel {
    knots: Vec<Knot>,
}

impl Channel {
    /// A channel holding `v` forever.
    pub fn constant(v: f64) -> Channel {
        Channel {
            knots: vec![Knot { t: 0.0, v, d: 0.0 }],
        }
    }

    /// Append a knot; knots at or before the last knot's time replace nothing and are dropped
    /// unless strictly later (keeps the channel a function of time).
    pub fn push(&mut self, t: f64, v: f64, d: f64) {
        if let Some(last) = self.knots.last_mut() {
            if t <= last.t + 1e-9 {
                if (t - last.t).abs() <= 1e-9 {
                    *last = Knot { t, v, d };
                }
                return;
            }
        }
        self.knots.push(Knot { t, v, d });
    }

    /// Value at time `t`.
    pub fn eval(&self, t: f64) -> f64 {
        let k = &self.knots;
        match k.len() {
            0 => 0.0,
            _ if t <= k[0].t => k[0].v,
            n if t >= k[n - 1].t => k[n - 1].v,
            _ => {
                let i = k.partition_point(|x| x.t <= t) - 1;
                let (a, b) = (k[i], k[i + 1]);
                let dt = b.t - a.t;
                quintic(a.v, a.d, b.v, b.d, dt, (t - a.t) / dt)
            }
        }
    }
}

/// Degrees to radians.
pub fn rad(deg: f64) -> f64 {
    deg.to_radians()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_hits_knots_with_their_slopes() {
        let mut c = Channel::default();
        c.push(0.0, 1.0, 2.0);
        c.push(1.0, -1.0, 0.5);
        c.push(3.0, 4.0, 0.0);
        for (t, v, d) in [(0.0, 1.0, 2.0), (1.0, -1.0, 0.5)] {
            assert!((c.eval(t) - v).abs() < 1e-12);
            let h = 1e-6;
            let num = (c.eval(t + h) - c.eval(t - h)) / (2.0 * h);
            if t > 0.0 {
                assert!((num - d).abs() < 1e-4, "slope {num} vs {d}");
            }
        }
        assert_eq!(c.eval(10.0), 4.0);
    }

    #[test]
    fn rotations_are_orthonormal_and_right_handed() {
        let r = ypr(0.3, -0.2, 1.1);
        let p = mul_t(&r, &r);
        for (i, row) in p.iter().enumerate() {
            for (j, x) in row.iter().enumerate() {
                assert!((x - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // +pitch tips the up axis toward forward.
        let u = mul_v(&rot_y(0.1), [0.0, 0.0, 1.0]);
        assert!(u[0] > 0.09);
        // +yaw turns forward toward left.
        let f = mul_v(&rot_z(0.1), [1.0, 0.0, 0.0]);
        assert!(f[1] > 0.09);
    }
}
