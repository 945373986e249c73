//! Signal conditioning: Butterworth filters as cascaded biquads (designed in code by the
//! bilinear transform), zero-phase `filtfilt` for windows and a causal form for streaming,
//! linear resampling, block-mean decimation of IMU samples, peak finding and trapezoid
//! integration.
//!
//! All cut-offs are in Hz and passed by the caller, who documents why it chose them.

/// One second-order section in transposed direct form II (`a0` normalised to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    /// Numerator coefficients b0, b1, b2.
    pub b: [f64; 3],
    /// Denominator coefficients a1, a2 (a0 = 1).
    pub a: [f64; 2],
}

impl Biquad {
    /// Gain at DC (z = 1).
    pub fn dc_gain(&self) -> f64 {
        (self.b[0] + self.b[1] + self.b[2]) / (1.0 + self.a[0] + self.a[1])
    }

    /// Magnitude response at `f_hz` for sampling rate `fs_hz`.
    pub fn magnitude(&self, f_hz: f64, fs_hz: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * f_hz / fs_hz;
        // H(e^{jw}) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
        let (c1, s1, c2, s2) = (w.cos(), -w.sin(), (2.0 * w).cos(), -(2.0 * w).sin());
        let nr = self.b[0] + self.b[1] * c1 + self.b[2] * c2;
        let ni = self.b[1] * s1 + self.b[2] * s2;
        let dr = 1.0 + self.a[0] * c1 + self.a[1] * c2;
        let di = self.a[0] * s1 + self.a[1] * s2;
        ((nr * nr + ni * ni) / (dr * dr + di * di)).sqrt()
    }
}

/// A cascade of biquads (a Butterworth filter of even order is `order / 2` sections).
#[derive(Debug, Clone, PartialEq)]
pub struct Sos {
    /// The sections, applied in order.
    pub sections: Vec<Biquad>,
}

/// Which Butterworth response to design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterKind {
    /// Low-pass with the cut-off in Hz.
    LowPass(f64),
    /// High-pass with the cut-off in Hz.
    HighPass(f64),
    /// Band-pass (high-pass at the first, low-pass at the second cut-off, Hz).
    BandPass(f64, f64),
}

/// Errors of filter design.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DspError {
    /// Cut-off not inside (0, fs/2) or order not a positive even number.
    #[error("invalid filter: {0}")]
    InvalidFilter(String),
}

impl Sos {
    /// Designs a Butterworth filter of even `order` (per pass) with the bilinear transform
    /// (pre-warped so the single-pass response is −3 dB exactly at each cut-off).
    pub fn butterworth(order: usize, kind: FilterKind, fs_hz: f64) -> Result<Sos, DspError> {
        if order == 0 || !order.is_multiple_of(2) {
            return Err(DspError::InvalidFilter(format!(
                "order {order} must be even and positive"
            )));
        }
        let check = |fc: f64| {
            if fc > 0.0 && fc < fs_hz / 2.0 && fc.is_finite() {
                Ok(())
            } else {
                Err(DspError::InvalidFilter(format!(
                    "cut-off {fc} Hz outside (0, {}) Hz",
                    fs_hz / 2.0
                )))
            }
        };
        let mut sections = Vec::new();
        match kind {
            FilterKind::LowPass(fc) => {
                check(fc)?;
                sections.extend(butter_sections(order, fc, fs_hz, false));
            }
            FilterKind::HighPass(fc) => {
                check(fc)?;
                sections.extend(butter_sections(order, fc, fs_hz, true));
            }
            FilterKind::BandPass(lo, hi) => {
                check(lo)?;
                check(hi)?;
                if lo >= hi {
                    return Err(DspError::InvalidFilter(format!("band {lo}..{hi} Hz empty")));
                }
                sections.extend(butter_sections(order, lo, fs_hz, true));
                sections.extend(butter_sections(order, hi, fs_hz, false));
            }
        }
        Ok(Sos { sections })
    }

    /// Magnitude response of one causal pass at `f_hz`.
    pub fn magnitude(&self, f_hz: f64, fs_hz: f64) -> f64 {
        self.sections
            .iter()
            .map(|s| s.magnitude(f_hz, fs_hz))
            .product()
    }

    /// Causal filtering of a whole slice, starting from the steady state of `x[0]`.
    pub fn filter(&self, x: &[f64]) -> Vec<f64> {
        let mut state = SosState::new(self, x.first().copied().unwrap_or(0.0));
        x.iter().map(|&v| state.step(self, v)).collect()
    }

    /// Zero-phase forward-backward filtering (magnitude squared, so −6 dB at a cut-off),
    /// with odd-reflection padding of `pad` samples at both ends (clamped to `len − 1`).
    pub fn filtfilt(&self, x: &[f64], pad: usize) -> Vec<f64> {
        let n = x.len();
        if n == 0 {
            return Vec::new();
        }
        let pad = pad.min(n - 1);
        // Odd reflection keeps value and slope continuous at the edges.
        let mut ext = reflect(x, pad);
        let mut state = SosState::new(self, ext[0]);
        self.run(&mut state, &mut ext, false);
        let last = *ext.last().unwrap_or(&0.0);
        let mut state = SosState::new(self, last);
        self.run(&mut state, &mut ext, true);
        ext.copy_within(pad..pad + n, 0);
        ext.truncate(n);
        ext
    }

    /// Filters `x` in place (backwards when `reverse`), continuing from `state`. Exactly the
    /// arithmetic of [`SosState::step`] per sample, but with the state of the usual 1, 2 or 4
    /// sections held in registers (the recursion is latency-bound, so this is what costs).
    fn run(&self, state: &mut SosState, x: &mut [f64], reverse: bool) {
        match self.sections.len() {
            1 => run_sections::<1>(&self.sections, &mut state.z, x, reverse),
            2 => run_sections::<2>(&self.sections, &mut state.z, x, reverse),
            4 => run_sections::<4>(&self.sections, &mut state.z, x, reverse),
            _ => {
                if reverse {
                    x.iter_mut().rev().for_each(|v| *v = state.step(self, *v));
                } else {
                    x.iter_mut().for_each(|v| *v = state.step(self, *v));
                }
            }
        }
    }
}

/// The cascade of `S` sections over `x` with the state in local arrays (see [`Sos::run`]).
fn run_sections<const S: usize>(
    sections: &[Biquad],
    state: &mut [[f64; 2]],
    x: &mut [f64],
    reverse: bool,
) {
    let (Ok(secs), Ok(z0)) = (
        <[Biquad; S]>::try_from(&sections[..S]),
        <[[f64; 2]; S]>::try_from(&state[..S]),
    ) else {
        return;
    };
    let mut z = z0;
    let mut step = |v: &mut f64| {
        let mut u = *v;
        for j in 0..S {
            let s = &secs[j];
            let y = s.b[0] * u + z[j][0];
            z[j][0] = s.b[1] * u - s.a[0] * y + z[j][1];
            z[j][1] = s.b[2] * u - s.a[1] * y;
            u = y;
        }
        *v = u;
    };
    if reverse {
        x.iter_mut().rev().for_each(&mut step);
    } else {
        x.iter_mut().for_each(&mut step);
    }
    state[..S].copy_from_slice(&z);
}

/// Zero-phase filtering of several equally long channels, each with its own filter. Each
/// output equals `filters[c].filtfilt(inputs[c], pad)` exactly. Two to four channels whose
/// filters have the same number of sections (1, 2 or 4) run as the lanes of one recursion
/// (see [`lanes_filtfilt`]): the recursion is latency-bound, so the extra channels cost
/// little more time than one.
pub fn filtfilt_many(filters: &[&Sos], inputs: &[&[f64]], pad: usize) -> Vec<Vec<f64>> {
    let lanes = match (filters, inputs) {
        ([a, b], [x, y]) => lanes_filtfilt::<2>([a, b], [x, y], pad).map(Vec::from),
        ([a, b, c], [x, y, z]) => lanes_filtfilt::<3>([a, b, c], [x, y, z], pad).map(Vec::from),
        ([a, b, c, d], [x, y, z, w]) => {
            lanes_filtfilt::<4>([a, b, c, d], [x, y, z, w], pad).map(Vec::from)
        }
        _ => None,
    };
    if let Some(out) = lanes {
        return out;
    }
    filters
        .iter()
        .zip(inputs)
        .map(|(f, x)| f.filtfilt(x, pad))
        .collect()
}

/// Odd-reflection padding of `pad` samples at both ends (as in [`Sos::filtfilt`]).
fn reflect(x: &[f64], pad: usize) -> Vec<f64> {
    let n = x.len();
    let mut ext = Vec::with_capacity(n + 2 * pad);
    for i in (1..=pad).rev() {
        ext.push(2.0 * x[0] - x[i]);
    }
    ext.extend_from_slice(x);
    for i in 1..=pad {
        ext.push(2.0 * x[n - 1] - x[n - 1 - i]);
    }
    ext
}

/// `L` channels through [`Sos::filtfilt`] in one loop, when all filters have 1, 2 or 4
/// sections alike and the inputs are equally long and not empty (else `None`).
fn lanes_filtfilt<const L: usize>(
    filters: [&Sos; L],
    inputs: [&[f64]; L],
    pad: usize,
) -> Option<[Vec<f64>; L]> {
    let n = inputs[0].len();
    let sections = filters[0].sections.len();
    if n == 0
        || inputs.iter().any(|x| x.len() != n)
        || filters.iter().any(|f| f.sections.len() != sections)
    {
        return None;
    }
    let pad = pad.min(n - 1);
    // The reflected channels interleaved, one row of `L` values per sample.
    let mut rows: Vec<Lanes<L>> = Vec::with_capacity(n + 2 * pad);
    let at = |i: usize| -> Lanes<L> { std::array::from_fn(|c| inputs[c][i]) };
    let reflect_at = |i: usize, edge: usize| -> Lanes<L> {
        std::array::from_fn(|c| 2.0 * inputs[c][edge] - inputs[c][i])
    };
    rows.extend((1..=pad).rev().map(|i| reflect_at(i, 0)));
    rows.extend((0..n).map(at));
    rows.extend((1..=pad).map(|i| reflect_at(n - 1 - i, n - 1)));
    match sections {
        1 => lanes_sections::<L, 1>(filters, &mut rows),
        2 => lanes_sections::<L, 2>(filters, &mut rows),
        4 => lanes_sections::<L, 4>(filters, &mut rows),
        _ => return None,
    }
    let core = &rows[pad..pad + n];
    Some(std::array::from_fn(|c| core.iter().map(|r| r[c]).collect()))
}

/// `L` lanes of `f64` (one per channel) combined element-wise; the compiler maps them to
/// SIMD registers, so one instruction serves several channels.
type Lanes<const L: usize> = [f64; L];

#[inline(always)]
fn lanes_mul<const L: usize>(p: Lanes<L>, q: Lanes<L>) -> Lanes<L> {
    std::array::from_fn(|c| p[c] * q[c])
}

#[inline(always)]
fn lanes_add<const L: usize>(p: Lanes<L>, q: Lanes<L>) -> Lanes<L> {
    std::array::from_fn(|c| p[c] + q[c])
}

#[inline(always)]
fn lanes_sub<const L: usize>(p: Lanes<L>, q: Lanes<L>) -> Lanes<L> {
    std::array::from_fn(|c| p[c] - q[c])
}

/// Forward then backward pass of `L` `S`-section cascades over the equally long `x[c]`,
/// each starting from its steady state like [`Sos::filtfilt`]. The channels are the lanes
/// of one recursion (coefficients and state grouped per section); per lane this is exactly
/// the arithmetic of [`SosState::step`], operation for operation.
fn lanes_sections<const L: usize, const S: usize>(filters: [&Sos; L], rows: &mut [Lanes<L>]) {
    // Per section: b0, b1, b2, a1, a2, each with one entry per channel.
    let mut coef = [[[0.0; L]; 5]; S];
    for (j, cj) in coef.iter_mut().enumerate() {
        for (c, f) in filters.iter().enumerate() {
            let s = &f.sections[j];
            let k = [s.b[0], s.b[1], s.b[2], s.a[0], s.a[1]];
            for (lane, v) in cj.iter_mut().zip(k) {
                lane[c] = v;
            }
        }
    }
    let init = |row: &Lanes<L>| -> [[Lanes<L>; 2]; S] {
        let mut z = [[[0.0; L]; 2]; S];
        for (c, f) in filters.iter().enumerate() {
            let st = SosState::new(f, row[c]);
            for (zj, sj) in z.iter_mut().zip(&st.z) {
                zj[0][c] = sj[0];
                zj[1][c] = sj[1];
            }
        }
        z
    };
    let Some(&first) = rows.first() else {
        return;
    };
    let mut z = init(&first);
    rows.iter_mut()
        .for_each(|r| *r = lanes_step(&coef, &mut z, *r));
    // The backward pass starts from the steady state of the forward output's last sample.
    let last = rows[rows.len() - 1];
    let mut z = init(&last);
    rows.iter_mut()
        .rev()
        .for_each(|r| *r = lanes_step(&coef, &mut z, *r));
}

/// One sample of `L` channels through `S` sections (coefficients `coef[section]` = b0, b1,
/// b2, a1, a2 per lane, state `z`); per lane exactly [`SosState::step`]. Inlined so that the
/// state stays in registers across the loop.
#[inline(always)]
fn lanes_step<const L: usize, const S: usize>(
    coef: &[[Lanes<L>; 5]; S],
    z: &mut [[Lanes<L>; 2]; S],
    row: Lanes<L>,
) -> Lanes<L> {
    let mut u = row;
    for j in 0..S {
        let [b0, b1, b2, a1, a2] = coef[j];
        let o = lanes_add(lanes_mul(b0, u), z[j][0]);
        z[j][0] = lanes_add(lanes_sub(lanes_mul(b1, u), lanes_mul(a1, o)), z[j][1]);
        z[j][1] = lanes_sub(lanes_mul(b2, u), lanes_mul(a2, o));
        u = o;
    }
    u
}

/// Butterworth biquads via the RBJ bilinear forms with the Butterworth pole Qs.
fn butter_sections(order: usize, fc: f64, fs: f64, high: bool) -> Vec<Biquad> {
    let k = (std::f64::consts::PI * fc / fs).tan();
    (0..order / 2)
        .map(|i| {
            let theta = std::f64::consts::PI * (2 * i + 1) as f64 / (2 * order) as f64;
            let q = 1.0 / (2.0 * theta.cos());
            let norm = 1.0 / (1.0 + k / q + k * k);
            let a = [2.0 * (k * k - 1.0) * norm, (1.0 - k / q + k * k) * norm];
            let b = if high {
                [norm, -2.0 * norm, norm]
            } else {
                let b0 = k * k * norm;
                [b0, 2.0 * b0, b0]
            };
            Biquad { b, a }
        })
        .collect()
}

/// Running state of an [`Sos`] for sample-by-sample (streaming) use.
#[derive(Debug, Clone, PartialEq)]
pub struct SosState {
    z: Vec<[f64; 2]>,
}

impl SosState {
    /// State as if the input had been `x0` forever (no start-up transient for a constant).
    pub fn new(sos: &Sos, x0: f64) -> SosState {
        let mut input = x0;
        let z = sos
            .sections
            .iter()
            .map(|s| {
                let y = s.dc_gain() * input;
                let z2 = s.b[2] * input - s.a[1] * y;
                let z1 = y - s.b[0] * input;
                input = y;
                [z1, z2]
            })
            .collect();
        SosState { z }
    }

    /// Filters one sample.
    pub fn step(&mut self, sos: &Sos, x: f64) -> f64 {
        let mut v = x;
        for (s, z) in sos.sections.iter().zip(self.z.iter_mut()) {
            let y = s.b[0] * v + z[0];
            z[0] = s.b[1] * v - s.a[0] * y + z[1];
            z[1] = s.b[2] * v - s.a[1] * y;
            v = y;
        }
        v
    }
}

/// Dot product of two equally long slices (the shorter length otherwise), summed in four
/// interleaved partial sums so the additions do not wait on each other.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Sum of a slice in four interleaved partial sums (see [`dot`]).
pub fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let c = x.chunks_exact(4);
    let tail: f64 = c.remainder().iter().sum();
    for v in c {
        for k in 0..4 {
            acc[k] += v[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Cumulative trapezoid integral with step `dt_s`, starting at 0.
pub fn cumtrapz(x: &[f64], dt_s: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    let mut acc = 0.0;
    for i in 0..x.len() {
        if i > 0 {
            acc += 0.5 * (x[i] + x[i - 1]) * dt_s;
        }
        out.push(acc);
    }
    out
}

/// Central-difference derivative (one-sided at the ends).
pub fn derivative(x: &[f64], dt_s: f64) -> Vec<f64> {
    (0..x.len()).map(|i| derivative_at(x, i, dt_s)).collect()
}

/// Sample `i` of [`derivative`]`(x, dt_s)` alone (for a search over a short range).
pub fn derivative_at(x: &[f64], i: usize, dt_s: f64) -> f64 {
    let n = x.len();
    if n < 2 {
        0.0
    } else if i == 0 {
        (x[1] - x[0]) / dt_s
    } else if i == n - 1 {
        (x[n - 1] - x[n - 2]) / dt_s
    } else {
        (x[i + 1] - x[i - 1]) / (2.0 * dt_s)
    }
}

/// Indices of local maxima (first sample of a flat top), excluding the two ends.
pub fn local_maxima(x: &[f64]) -> Vec<usize> {
    let mut out = Vec::new();
    let n = x.len();
    let mut i = 1;
    while i + 1 < n {
        if x[i] > x[i - 1] {
            let mut j = i;
            while j + 1 < n && x[j + 1] == x[i] {
                j += 1;
            }
            if j + 1 < n && x[j + 1] < x[i] {
                out.push(i);
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Prominence of the peak at `i`: height above the higher of the two lowest points reached
/// before a higher sample (searching at most `wlen` samples each way).
pub fn prominence(x: &[f64], i: usize, wlen: usize) -> f64 {
    let lo = i.saturating_sub(wlen);
    let hi = (i + wlen).min(x.len() - 1);
    let left_min = min_before_higher(&x[lo..i], x[i], true);
    let right_min = min_before_higher(&x[i + 1..=hi], x[i], false);
    x[i] - left_min.max(right_min)
}

/// The lowest of `peak` and the values of `seg` scanned (from its end when `backwards`) up
/// to the first one above `peak`. Four values at a time while none is above (a minimum does
/// not depend on the order it is taken in, so this is exactly the one-by-one scan).
fn min_before_higher(seg: &[f64], peak: f64, backwards: bool) -> f64 {
    let mut m = [peak; 4];
    let one_by_one = |m: [f64; 4], vals: &mut dyn Iterator<Item = &f64>| -> (f64, bool) {
        let mut mm = m[0].min(m[1]).min(m[2].min(m[3]));
        for &v in vals {
            if v > peak {
                return (mm, true);
            }
            mm = mm.min(v);
        }
        (mm, false)
    };
    if backwards {
        let mut chunks = seg.rchunks_exact(4);
        for c in &mut chunks {
            if c.iter().any(|&v| v > peak) {
                return one_by_one(m, &mut c.iter().rev()).0;
            }
            for k in 0..4 {
                m[k] = m[k].min(c[k]);
            }
        }
        one_by_one(m, &mut chunks.remainder().iter().rev()).0
    } else {
        let mut chunks = seg.chunks_exact(4);
        for c in &mut chunks {
            if c.iter().any(|&v| v > peak) {
                return one_by_one(m, &mut c.iter()).0;
            }
            for k in 0..4 {
                m[k] = m[k].min(c[k]);
            }
        }
        one_by_one(m, &mut chunks.remainder().iter()).0
    }
}

/// `prominence(x, i, wlen) >= min` exactly, but each side's scan stops as soon as it has
/// gone `min` below the peak (x[i] − v ≥ min for a v on that side: the side's minimum can
/// only be lower, and the subtraction is monotonic, so the answer cannot change).
pub(crate) fn prominence_at_least(x: &[f64], i: usize, wlen: usize, min: f64) -> bool {
    let lo = i.saturating_sub(wlen);
    let hi = (i + wlen).min(x.len() - 1);
    let deep_enough = |it: &mut dyn Iterator<Item = &f64>| {
        // The peak itself starts each side's minimum (x[i] − x[i]: 0 for a finite peak).
        if x[i].is_finite() && min <= 0.0 {
            return true;
        }
        for &v in it {
            if v > x[i] {
                return false;
            }
            if x[i] - v >= min {
                return true;
            }
        }
        false
    };
    deep_enough(&mut x[lo..i].iter().rev()) && deep_enough(&mut x[i + 1..=hi].iter())
}

/// Local maxima with prominence ≥ `min_prominence` (search window `wlen` samples), then
/// thinned so that no two are closer than `min_distance` samples (higher peaks win; ties by
/// index, so the result is deterministic).
pub fn find_peaks(x: &[f64], min_prominence: f64, wlen: usize, min_distance: usize) -> Vec<usize> {
    let mut peaks: Vec<usize> = local_maxima(x)
        .into_iter()
        .filter(|&i| prominence_at_least(x, i, wlen, min_prominence))
        .collect();
    if min_distance <= 1 || peaks.len() < 2 {
        return peaks;
    }
    let mut order: Vec<usize> = (0..peaks.len()).collect();
    order.sort_by(|&a, &b| {
        x[peaks[b]]
            .partial_cmp(&x[peaks[a]])
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut keep = vec![true; peaks.len()];
    for &k in &order {
        if !keep[k] {
            continue;
        }
        let p = peaks[k];
        for (m, &q) in peaks.iter().enumerate() {
            if m != k && keep[m] && q.abs_diff(p) < min_distance {
                keep[m] = false;
            }
        }
    }
    let mut idx = 0;
    peaks.retain(|_| {
        idx += 1;
        keep[idx - 1]
    });
    peaks
}

/// Linear resampling of `(t_s, value)` pairs onto a uniform grid at `fs_hz` from `t[0]`.
pub fn resample_linear(t_s: &[f64], x: &[f64], fs_hz: f64) -> Vec<f64> {
    if t_s.is_empty() || t_s.len() != x.len() {
        return Vec::new();
    }
    let t0 = t_s[0];
    let n = ((t_s[t_s.len() - 1] - t0) * fs_hz).floor() as usize + 1;
    let mut out = Vec::with_capacity(n);
    let mut j = 0;
    for i in 0..n {
        let t = t0 + i as f64 / fs_hz;
        while j + 1 < t_s.len() && t_s[j + 1] < t {
            j += 1;
        }
        if j + 1 >= t_s.len() {
            out.push(x[t_s.len() - 1]);
        } else {
            let span = t_s[j + 1] - t_s[j];
            let w = if span > 0.0 { (t - t_s[j]) / span } else { 0.0 };
            out.push(x[j] + w.clamp(0.0, 1.0) * (x[j + 1] - x[j]));
        }
    }
    out
}

/// Decimates IMU samples by averaging consecutive blocks of `block` samples (a boxcar
/// anti-alias filter: first null at the output rate, −0.2 dB at 3.5 Hz for 100 → 25 Hz),
/// each mean stamped at its block's centre time (midway between its first and last sample).
/// A last, shorter block is averaged the same way. `block` 0 or 1 returns the input.
pub fn block_mean(samples: &[steady_core::ImuSample], block: usize) -> Vec<steady_core::ImuSample> {
    if block <= 1 {
        return samples.to_vec();
    }
    samples
        .chunks(block)
        .map(|c| {
            let n = c.len() as f64;
            let mean3 = |f: &dyn Fn(&steady_core::ImuSample) -> [f64; 3]| {
                c.iter().fold([0.0; 3], |a, s| {
                    let v = f(s);
                    [a[0] + v[0] / n, a[1] + v[1] / n, a[2] + v[2] / n]
                })
            };
            let (first, last) = (c[0].t.0, c[c.len() - 1].t.0);
            steady_core::ImuSample {
                t: steady_core::Micros(first + (last - first) / 2),
                acc_mps2: mean3(&|s| s.acc_mps2),
                gyr_dps: mean3(&|s| s.gyr_dps),
            }
        })
        .collect()
}

/// Means of consecutive blocks of `block` values (a boxcar decimation of one channel, the
/// counterpart of [`block_mean`]); a last, shorter block is averaged the same way. `block` 0
/// or 1 returns the input.
pub fn block_means(x: &[f64], block: usize) -> Vec<f64> {
    if block <= 1 {
        return x.to_vec();
    }
    x.chunks(block)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect()
}

/// Position (in input samples) of the centre of block `k` of [`block_means`] over `n`
/// samples: midway between the block's first and last sample.
pub fn block_centre(k: usize, block: usize, n: usize) -> f64 {
    let block = block.max(1);
    let len = block.min(n.saturating_sub(k * block)).max(1);
    (k * block) as f64 + (len - 1) as f64 / 2.0
}

/// Back to the input rate: `n` samples of the signal whose block means (see [`block_means`],
/// `block` samples each) are `xd`, linear between block centres and held before the first
/// and after the last centre (each value as [`upsample_linear_at`] gives it). Empty when
/// `xd` is.
pub fn upsample_linear(xd: &[f64], block: usize, n: usize) -> Vec<f64> {
    let m = xd.len();
    if m == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(n);
    // Held up to the first centre, then one straight piece per pair of centres.
    let first = (block_centre(0, block, n).ceil() as usize).min(n);
    out.resize(first, xd[0]);
    for k in 0..m - 1 {
        let (ca, cb) = (block_centre(k, block, n), block_centre(k + 1, block, n));
        let end = (cb.ceil() as usize).min(n);
        let (a, d) = (xd[k], xd[k + 1] - xd[k]);
        out.extend((out.len()..end).map(|i| a + d * ((i as f64 - ca) / (cb - ca))));
    }
    out.resize(n, xd[m - 1]);
    out
}

/// Sample `i` of [`upsample_linear`]`(xd, block, n)` alone (0 when `xd` is empty).
pub fn upsample_linear_at(xd: &[f64], block: usize, n: usize, i: usize) -> f64 {
    let m = xd.len();
    if m == 0 {
        return 0.0;
    }
    let block = block.max(1);
    let k = (i / block).min(m - 1);
    let t = i as f64;
    let c = block_centre(k, block, n);
    // The two centres around `i`: its block's and the neighbour on its side.
    let k0 = if t >= c {
        k
    } else if k == 0 {
        return xd[0];
    } else {
        k - 1
    };
    if k0 + 1 >= m {
        return xd[m - 1];
    }
    let (ca, cb) = (block_centre(k0, block, n), block_centre(k0 + 1, block, n));
    if t <= ca {
        return xd[k0];
    }
    xd[k0] + (xd[k0 + 1] - xd[k0]) * ((t - ca) / (cb - ca))
}

/// Median of a slice (NaN-free input assumed); `None` when empty.
pub fn median(x: &[f64]) -> Option<f64> {
    if x.is_empty() {
        return None;
    }
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_mean_averages_stamps_at_the_centre_and_damps_what_would_alias() {
        use steady_core::{ImuSample, Micros};
        let fs = 100.0;
        let wave = |hz: f64| -> Vec<ImuSample> {
            (0..400)
                .map(|i| {
                    let t = i as f64 / fs;
                    let v = (std::f64::consts::TAU * hz * t).sin();
                    ImuSample {
                        t: Micros((t * 1e6).round() as i64),
                        acc_mps2: [v, 9.81, -v],
                        gyr_dps: [0.0, 2.0 * v, 1.0],
                    }
                })
                .collect()
        };
        let x = wave(1.0);
        let d = block_mean(&x, 4);
        assert_eq!(d.len(), 100);
        // Centre of samples 0..=3 at 10 ms spacing: 15 ms; then every 40 ms.
        assert_eq!(d[0].t, Micros(15_000));
        assert_eq!(d[1].t, Micros(55_000));
        let m: f64 = x[4..8].iter().map(|s| s.acc_mps2[0]).sum::<f64>() / 4.0;
        assert!((d[1].acc_mps2[0] - m).abs() < 1e-12);
        assert!((d[1].acc_mps2[1] - 9.81).abs() < 1e-12 && (d[1].gyr_dps[2] - 1.0).abs() < 1e-12);
        // A 40 Hz component would alias to 10 Hz at 25 Hz: the block mean passes a quarter of
        // it (|sin(4πf/fs)| / (4|sin(πf/fs)|) = 0.25), plain picking passes all of it.
        let rms = |v: &[ImuSample]| {
            (v.iter().map(|s| s.acc_mps2[0].powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        let hi = wave(40.0);
        let picked: Vec<ImuSample> = hi.iter().step_by(4).copied().collect();
        let blocked = block_mean(&hi, 4);
        assert!(rms(&blocked) < 0.3 * rms(&hi), "{}", rms(&blocked));
        assert!(rms(&picked) > 0.9 * rms(&hi));
        // A short last block, and the identity for block 1.
        let odd = block_mean(&x[..6], 4);
        assert_eq!(odd.len(), 2);
        assert_eq!(odd[1].t, Micros(45_000));
        assert_eq!(block_mean(&x[..5], 1), x[..5].to_vec());
    }

    #[test]
    fn butterworth_is_minus_3_db_at_cutoff() {
        let fs = 100.0;
        for order in [2, 4, 6] {
            let lp = Sos::butterworth(order, FilterKind::LowPass(5.0), fs).unwrap();
            let db = 20.0 * lp.magnitude(5.0, fs).log10();
            assert!((db + 3.0103).abs() < 0.01, "order {order}: {db} dB");
            assert!((lp.magnitude(0.0, fs) - 1.0).abs() < 1e-9);
            assert!(lp.magnitude(20.0, fs) < 0.05);
            let hp = Sos::butterworth(order, FilterKind::HighPass(0.5), fs).unwrap();
            let db = 20.0 * hp.magnitude(0.5, fs).log10();
            assert!((db + 3.0103).abs() < 0.01, "order {order}: {db} dB");
            assert!(hp.magnitude(0.0, fs) < 1e-9);
        }
    }

    #[test]
    fn filtfilt_has_no_phase_shift_and_halves_power_at_cutoff() {
        let fs = 100.0;
        let lp = Sos::butterworth(4, FilterKind::LowPass(5.0), fs).unwrap();
        let f = 2.0;
        let x: Vec<f64> = (0..2000)
            .map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / fs).sin())
            .collect();
        let y = lp.filtfilt(&x, 100);
        // Peak of the output in the middle sits on the input peak (no delay).
        let mid = &y[900..1100];
        let (imax, _) =
            mid.iter()
                .enumerate()
                .fold((0, f64::MIN), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
        let xi = &x[900..1100];
        let (jmax, _) = xi
            .iter()
            .enumerate()
            .fold((0, f64::MIN), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
        assert_eq!(imax, jmax);
        let x5: Vec<f64> = (0..4000)
            .map(|i| (2.0 * std::f64::consts::PI * 5.0 * i as f64 / fs).sin())
            .collect();
        let y5 = lp.filtfilt(&x5, 100);
        let amp = y5[1000..3000].iter().fold(0.0f64, |a, v| a.max(v.abs()));
        assert!((amp - 0.5).abs() < 0.02, "amp {amp}");
    }

    #[test]
    fn many_channels_equal_one_by_one() {
        let fs = 100.0;
        let a = Sos::butterworth(4, FilterKind::LowPass(3.0), fs).unwrap();
        let b = Sos::butterworth(2, FilterKind::HighPass(0.2), fs).unwrap();
        let x: Vec<f64> = (0..500).map(|i| ((i * 37 % 101) as f64).sin()).collect();
        let y: Vec<f64> = (0..500).map(|i| (i as f64 * 0.05).cos()).collect();
        let out = filtfilt_many(&[&a, &b], &[&x, &y], 100);
        assert_eq!(out[0], a.filtfilt(&x, 100));
        assert_eq!(out[1], b.filtfilt(&y, 100));
        // Pairs run side by side: same section counts (1, 2, 4) and a mixed pair.
        let c = Sos::butterworth(4, FilterKind::LowPass(5.0), fs).unwrap();
        let d = Sos::butterworth(2, FilterKind::HighPass(0.5), fs).unwrap();
        let e = Sos::butterworth(4, FilterKind::BandPass(0.5, 3.0), fs).unwrap();
        for (f, g) in [(&a, &c), (&b, &d), (&e, &e), (&a, &b)] {
            let out = filtfilt_many(&[f, g], &[&x, &y], 100);
            assert_eq!(out[0], f.filtfilt(&x, 100));
            assert_eq!(out[1], g.filtfilt(&y, 100));
        }
        // Three and four lanes (equal section counts), and a mixed triple run one by one.
        let w: Vec<f64> = (0..500).map(|i| ((i * 13 % 37) as f64).cos()).collect();
        let out = filtfilt_many(&[&a, &c, &a], &[&x, &y, &w], 100);
        assert_eq!(
            out,
            vec![
                a.filtfilt(&x, 100),
                c.filtfilt(&y, 100),
                a.filtfilt(&w, 100)
            ]
        );
        let out = filtfilt_many(&[&e, &e, &e, &e], &[&x, &y, &w, &x], 100);
        assert_eq!(out[2], e.filtfilt(&w, 100));
        assert_eq!(out[3], e.filtfilt(&x, 100));
        let out = filtfilt_many(&[&a, &b, &c], &[&x, &y, &w], 100);
        assert_eq!(out[1], b.filtfilt(&y, 100));
    }

    /// The register-held cascade must give exactly the numbers of the sample-by-sample
    /// [`SosState::step`] (the streaming form), for every section count.
    #[test]
    fn filtfilt_equals_a_step_by_step_forward_backward_pass() {
        let fs = 100.0;
        let x: Vec<f64> = (0..700)
            .map(|i| ((i * 37 % 101) as f64).sin() + (i as f64 * 0.03).cos())
            .collect();
        for (order, kind) in [
            (2, FilterKind::HighPass(0.2)),
            (4, FilterKind::LowPass(5.0)),
            (6, FilterKind::LowPass(2.0)),
            (8, FilterKind::LowPass(3.0)),
            (4, FilterKind::BandPass(0.5, 3.0)),
        ] {
            let f = Sos::butterworth(order, kind, fs).unwrap();
            let pad = 50;
            let n = x.len();
            let mut ext: Vec<f64> = (1..=pad).rev().map(|i| 2.0 * x[0] - x[i]).collect();
            ext.extend_from_slice(&x);
            ext.extend((1..=pad).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
            let mut st = SosState::new(&f, ext[0]);
            ext.iter_mut().for_each(|v| *v = st.step(&f, *v));
            let mut st = SosState::new(&f, ext[ext.len() - 1]);
            ext.iter_mut().rev().for_each(|v| *v = st.step(&f, *v));
            assert_eq!(
                f.filtfilt(&x, pad),
                ext[pad..pad + n].to_vec(),
                "{order} {kind:?}"
            );
        }
    }

    #[test]
    fn bad_filters_are_errors() {
        assert!(Sos::butterworth(3, FilterKind::LowPass(5.0), 100.0).is_err());
        assert!(Sos::butterworth(4, FilterKind::LowPass(60.0), 100.0).is_err());
        assert!(Sos::butterworth(4, FilterKind::BandPass(3.0, 2.0), 100.0).is_err());
    }

    #[test]
    fn prominence_equals_a_one_by_one_scan() {
        // The definition, scanned sample by sample each way until a higher sample.
        let direct = |x: &[f64], i: usize, wlen: usize| {
            let (lo, hi) = (i.saturating_sub(wlen), (i + wlen).min(x.len() - 1));
            let mut left = x[i];
            for j in (lo..i).rev() {
                if x[j] > x[i] {
                    break;
                }
                left = left.min(x[j]);
            }
            let mut right = x[i];
            for &v in &x[i + 1..=hi] {
                if v > x[i] {
                    break;
                }
                right = right.min(v);
            }
            x[i] - left.max(right)
        };
        let x: Vec<f64> = (0..300)
            .map(|i| ((i * 37 % 101) as f64 * 0.07).sin() + (i as f64 * 0.05).cos())
            .collect();
        for i in local_maxima(&x) {
            for wlen in [1, 3, 5, 20, 200] {
                assert_eq!(prominence(&x, i, wlen), direct(&x, i, wlen), "{i} {wlen}");
            }
        }
    }

    #[test]
    fn early_stopping_prominence_test_agrees_with_the_full_prominence() {
        let x: Vec<f64> = (0..400)
            .map(|i| ((i * 37 % 101) as f64 * 0.07).sin() + (i as f64 * 0.05).cos())
            .collect();
        for i in local_maxima(&x) {
            for wlen in [3, 20, 200] {
                for min in [0.0, 0.05, 0.3, 1.0, 3.0] {
                    assert_eq!(
                        prominence_at_least(&x, i, wlen, min),
                        prominence(&x, i, wlen) >= min,
                        "peak {i} wlen {wlen} min {min}"
                    );
                }
            }
        }
    }

    #[test]
    fn peaks_respect_prominence_and_distance() {
        let x = [0.0, 1.0, 0.9, 1.1, 0.0, 0.2, 0.1, 3.0, 0.0];
        assert_eq!(local_maxima(&x), vec![1, 3, 5, 7]);
        assert_eq!(find_peaks(&x, 0.5, 10, 1), vec![3, 7]);
        assert_eq!(find_peaks(&x, 0.0, 10, 3), vec![3, 7]);
    }

    #[test]
    fn resample_and_integrate() {
        let t = [0.0, 0.1, 0.3];
        let x = [0.0, 1.0, 3.0];
        let y = resample_linear(&t, &x, 10.0);
        assert_eq!(y.len(), 4);
        assert!((y[2] - 2.0).abs() < 1e-12);
        let c = cumtrapz(&[1.0, 1.0, 1.0], 0.5);
        assert_eq!(c, vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn block_means_and_linear_upsampling_invert_on_a_ramp() {
        // A ramp's block means sit on the ramp at the block centres, so upsampling them gives
        // the ramp back between the first and the last centre (and holds outside).
        let x: Vec<f64> = (0..10).map(|i| 2.0 * i as f64 + 1.0).collect();
        let d = block_means(&x, 4);
        // Blocks 0..4, 4..8, 8..10: centres 1.5, 5.5, 8.5.
        assert_eq!(d, vec![4.0, 12.0, 18.0]);
        assert_eq!(block_centre(2, 4, 10), 8.5);
        let y = upsample_linear(&d, 4, 10);
        assert_eq!(y.len(), 10);
        assert_eq!(&y[..2], &[4.0, 4.0]);
        for i in 2..=8 {
            assert!((y[i] - x[i]).abs() < 1e-12, "{i}: {} vs {}", y[i], x[i]);
        }
        assert_eq!(y[9], 18.0);
        assert_eq!(block_means(&x, 1), x);
        assert_eq!(upsample_linear(&x, 1, 10), x);
        assert!(upsample_linear(&[], 4, 10).is_empty());
        // Point evaluation gives the same samples, also for odd lengths and a short last block.
        let z: Vec<f64> = (0..7).map(|i| ((i * 5 % 7) as f64).sin()).collect();
        for (block, n) in [(4usize, 27usize), (3, 21), (1, 7), (5, 31)] {
            let zd = &z[..n.div_ceil(block)];
            let all = upsample_linear(zd, block, n);
            assert_eq!(all.len(), n);
            for (i, v) in all.iter().enumerate() {
                assert_eq!(*v, upsample_linear_at(zd, block, n, i), "{block} {n} {i}");
            }
        }
    }

    #[test]
    fn dot_sums_all_products() {
        let a: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..11).map(|i| (i % 3) as f64 - 1.0).collect();
        let direct: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), direct);
        assert_eq!(dot(&a[..3], &b), a[1] * b[1] + a[2] * b[2] - a[0]);
        assert_eq!(dot(&[], &b), 0.0);
        assert_eq!(sum(&a), 55.0);
        assert_eq!(sum(&a[..3]), 3.0);
    }
}
