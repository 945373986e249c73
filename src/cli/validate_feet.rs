//! Foot-sensor validation: scores the foot pipeline against the motion-capture reference of
//! `<data>/gaitmap-example/healthy_walk` (see that folder's README).
//!
//! Rules: only detections inside a foot's reference `coverage` window (± [`FOOT_TOLERANCE_S`])
//! and outside its `reference_gaps` count; a detection matches the nearest unmatched
//! reference event of the same kind and foot within [`FOOT_TOLERANCE_S`] (closest pairs
//! first); strides are paired by both ICs (pre_ic and ic within [`FOOT_TOLERANCE_S`]);
//! reference strides flagged `irregular_long_stride` are not compared.

use anyhow::Context;
use serde_json::Value;
use std::path::Path;
use steady_analysis::gait::types::EventKind;
use steady_core::Side;

/// Matching tolerance for foot events (s), issue 3.
pub const FOOT_TOLERANCE_S: f64 = 0.1;

/// Pooled foot scores.
#[derive(Debug, Clone, Default)]
pub struct FootValidation {
    /// (tp, fp, fn) and signed errors (s) for IC.
    pub ic: (usize, usize, usize, Vec<f64>),
    /// The same for FC.
    pub fc: (usize, usize, usize, Vec<f64>),
    /// Stance errors (s).
    pub stance_s: Vec<f64>,
    /// Swing errors (s).
    pub swing_s: Vec<f64>,
    /// Stride length errors (%).
    pub length_pct: Vec<f64>,
    /// Speed errors (%).
    pub speed_pct: Vec<f64>,
    /// Double-support errors (s): both double-support phases of the stride's stance.
    pub double_support_s: Vec<f64>,
    /// Single-support errors (s): this limb alone on the ground (= stance − double support,
    /// the reference's `single_support_s`).
    pub single_support_s: Vec<f64>,
}

fn f1(s: &(usize, usize, usize, Vec<f64>)) -> f64 {
    2.0 * s.0 as f64 / (2 * s.0 + s.1 + s.2).max(1) as f64
}

fn mean(v: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (s, n) = v
        .into_iter()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Mean absolute value × `scale`.
fn mae(v: &[f64], scale: f64) -> Option<f64> {
    mean(v.iter().map(|e| e.abs() * scale))
}

fn match_events(det: &[f64], refs: &[f64], s: &mut (usize, usize, usize, Vec<f64>)) {
    let mut pairs = Vec::new();
    for (i, d) in det.iter().enumerate() {
        for (j, r) in refs.iter().enumerate() {
            if (d - r).abs() <= FOOT_TOLERANCE_S {
                pairs.push(((d - r).abs(), i, j));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut dm = vec![false; det.len()];
    let mut rm = vec![false; refs.len()];
    for (_, i, j) in pairs {
        if dm[i] || rm[j] {
            continue;
        }
        dm[i] = true;
        rm[j] = true;
        s.0 += 1;
        s.3.push(det[i] - refs[j]);
    }
    s.1 += dm.iter().filter(|m| !**m).count();
    s.2 += rm.iter().filter(|m| !**m).count();
}

/// Validates the foot pipeline on `<data>/gaitmap-example/healthy_walk`.
pub fn validate_feet(dir: &Path) -> anyhow::Result<FootValidation> {
    let report = crate::cli::validate::analyze_folder(dir)?;
    let path = dir.join("reference.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
    let r: Value = serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let mut out = FootValidation::default();
    for (side, key) in [(Side::Left, "left"), (Side::Right, "right")] {
        let f = &r["feet"][key];
        let times = |k: &str| -> Vec<f64> {
            f[k].as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["t_s"].as_f64())
                .collect()
        };
        let lo = f["coverage"]["first_event_t_s"].as_f64().unwrap_or(0.0) - FOOT_TOLERANCE_S;
        let hi = f["coverage"]["last_event_t_s"].as_f64().unwrap_or(0.0) + FOOT_TOLERANCE_S;
        let gaps: Vec<(f64, f64)> = f["reference_gaps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| Some((g["from"]["t_s"].as_f64()?, g["to"]["t_s"].as_f64()?)))
            .collect();
        let scored = |t: f64| t >= lo && t <= hi && !gaps.iter().any(|g| t > g.0 && t < g.1);
        let det = |kind: EventKind| -> Vec<f64> {
            report
                .events
                .iter()
                .filter(|e| e.kind == kind && e.side == Some(side) && scored(e.t_s))
                .map(|e| e.t_s)
                .collect()
        };
        match_events(
            &det(EventKind::InitialContact),
            &times("initial_contacts"),
            &mut out.ic,
        );
        match_events(
            &det(EventKind::FinalContact),
            &times("terminal_contacts"),
            &mut out.fc,
        );
        for s in f["strides"].as_array().into_iter().flatten() {
            let flagged = s["flags"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "irregular_long_stride"));
            let (Some(pre), Some(ic)) = (s["pre_ic"]["t_s"].as_f64(), s["ic"]["t_s"].as_f64())
            else {
                continue;
            };
            if flagged {
                continue;
            }
            let Some(d) = report.strides.iter().find(|d| {
                d.side == Some(side)
                    && (d.start_s - pre).abs() <= FOOT_TOLERANCE_S
                    && (d.end_s - ic).abs() <= FOOT_TOLERANCE_S
            }) else {
                continue;
            };
            let put = |v: &mut Vec<f64>, a: Option<f64>, b: Option<f64>| {
                if let (Some(a), Some(b)) = (a, b) {
                    v.push(a - b);
                }
            };
            put(&mut out.stance_s, d.stance_s, s["stance_time_s"].as_f64());
            put(&mut out.swing_s, d.swing_s, s["swing_time_s"].as_f64());
            put(
                &mut out.double_support_s,
                d.double_support_s,
                s["double_support_s"].as_f64(),
            );
            let single_limb = d.stance_s.zip(d.double_support_s).map(|(st, ds)| st - ds);
            put(
                &mut out.single_support_s,
                single_limb,
                s["single_support_s"].as_f64(),
            );
            if let (Some(l), Some(rl), Some(rv)) = (
                d.length_m,
                s["stride_length_m"].as_f64(),
                s["gait_velocity_mps"].as_f64(),
            ) {
                out.length_pct.push(100.0 * (l - rl) / rl);
                let v = l / d.duration_s();
                out.speed_pct.push(100.0 * (v - rv) / rv);
            }
        }
    }
    Ok(out)
}

/// Prints the foot table.
pub fn print_feet(v: &FootValidation) {
    let fm = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.1}"));
    println!();
    println!("Foot gait vs motion capture (gaitmap-example/healthy_walk, tolerance {FOOT_TOLERANCE_S} s)");
    for (name, s) in [("IC", &v.ic), ("FC", &v.fc)] {
        let p = s.0 as f64 / (s.0 + s.1).max(1) as f64;
        let r = s.0 as f64 / (s.0 + s.2).max(1) as f64;
        println!(
            "  {name}  precision {p:.3}  recall {r:.3}  F1 {:.3}  timing MAE {} ms  bias {} ms",
            f1(s),
            fm(mae(&s.3, 1e3)),
            fm(mean(s.3.iter().map(|e| e * 1e3)))
        );
    }
    let bias = |v: &[f64], k: f64| fm(mean(v.iter().map(|e| e * k)));
    println!(
        "  per stride ({} matched): stance MAE {} ms, swing MAE {} ms, stride length error {} %, speed error {} %",
        v.stance_s.len(),
        fm(mae(&v.stance_s, 1e3)),
        fm(mae(&v.swing_s, 1e3)),
        fm(mae(&v.length_pct, 1.0)),
        fm(mae(&v.speed_pct, 1.0))
    );
    println!(
        "  per stride bias: stance {} ms, swing {} ms, stride length {} %, speed {} %",
        bias(&v.stance_s, 1e3),
        bias(&v.swing_s, 1e3),
        bias(&v.length_pct, 1.0),
        bias(&v.speed_pct, 1.0)
    );
    println!(
        "  support ({} strides with both feet): double support MAE {} ms (bias {}), single support MAE {} ms (bias {})",
        v.double_support_s.len(),
        fm(mae(&v.double_support_s, 1e3)),
        bias(&v.double_support_s, 1e3),
        fm(mae(&v.single_support_s, 1e3)),
        bias(&v.single_support_s, 1e3)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression guard at the measured accuracy (skipped when `../shared/data` is absent).
    #[test]
    fn foot_accuracy_on_healthy_walk() {
        let dir = Path::new("../shared/data/gaitmap-example/healthy_walk");
        if !dir.join("reference.json").exists() {
            eprintln!("note: {} missing, skipping", dir.display());
            return;
        }
        let v = validate_feet(dir).expect("validation runs");
        assert_eq!(f1(&v.ic), 1.0);
        assert_eq!(f1(&v.fc), 1.0);
        assert!(mae(&v.ic.3, 1e3).unwrap() <= 6.0);
        assert!(mae(&v.fc.3, 1e3).unwrap() <= 12.5);
        assert!(v.stance_s.len() >= 50);
        assert!(mae(&v.stance_s, 1e3).unwrap() <= 14.0);
        assert!(mae(&v.swing_s, 1e3).unwrap() <= 14.0);
        assert!(v.double_support_s.len() >= 45);
        assert!(mae(&v.single_support_s, 1e3).unwrap() <= 15.0);
        assert!(mae(&v.length_pct, 1.0).unwrap() <= 1.5);
        assert!(mae(&v.speed_pct, 1.0).unwrap() <= 1.5);
    }
}
