//! The sensor CSV: `t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z` (s, m/s², deg/s).

use std::fmt::Write;
use steady_core::{ImuSample, Micros};

const HEADER: [&str; 7] = ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"];

/// Parses a sensor CSV. Columns are found by header name, so extra columns are ignored.
/// Errors carry the 1-based line number. Time must not go backwards.
pub fn parse_imu_csv(text: &str) -> Result<Vec<ImuSample>, (usize, String)> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or((1, "empty file".to_string()))?;
    let names: Vec<&str> = header
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .collect();
    let mut column = [0usize; 7];
    for (k, wanted) in HEADER.iter().enumerate() {
        column[k] = names.iter().position(|n| n == wanted).ok_or((
            1,
            format!(
                "header lacks column `{wanted}` (expected {})",
                HEADER.join(",")
            ),
        ))?;
    }
    let mut samples = Vec::with_capacity(text.len() / 60);
    let mut fields: Vec<&str> = Vec::with_capacity(names.len());
    let mut last_t = i64::MIN;
    for (index, line) in lines {
        let line_no = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(line.split(','));
        if fields.len() < names.len() {
            return Err((
                line_no,
                format!("expected {} fields, found {}", names.len(), fields.len()),
            ));
        }
        let mut values = [0f64; 7];
        for k in 0..7 {
            let raw = fields[column[k]].trim();
            let v: f64 = raw.parse().map_err(|_| {
                (
                    line_no,
                    format!("`{raw}` in column {} is not a number", HEADER[k]),
                )
            })?;
            if !v.is_finite() {
                return Err((line_no, format!("non-finite value in column {}", HEADER[k])));
            }
            values[k] = v;
        }
        let t = Micros::from_secs_f64(values[0]);
        if t.0 < last_t {
            return Err((
                line_no,
                format!("time goes backwards (t_s = {})", values[0]),
            ));
        }
        last_t = t.0;
        samples.push(ImuSample {
            t,
            acc_mps2: [values[1], values[2], values[3]],
            gyr_dps: [values[4], values[5], values[6]],
        });
    }
    Ok(samples)
}

/// Writes samples as a sensor CSV (µs time resolution, 6 decimals for the signals).
pub fn write_imu_csv(samples: &[ImuSample]) -> String {
    let mut out = String::with_capacity(samples.len() * 72 + 64);
    out.push_str(&HEADER.join(","));
    out.push('\n');
    for s in samples {
        let _ = writeln!(
            out,
            "{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6}",
            s.t.as_secs_f64(),
            s.acc_mps2[0],
            s.acc_mps2[1],
            s.acc_mps2[2],
            s.gyr_dps[0],
            s.gyr_dps[1],
            s.gyr_dps[2]
        );
    }
    out
}
