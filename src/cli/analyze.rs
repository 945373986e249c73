//! `steady analyze <recording-folder> [--json]`: gait analysis of a recording folder using
//! every sensor present. The JSON schema is documented in `docs/analyze-json.md`.

use anyhow::Context;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use steady_analysis::gait::GaitReport;
use steady_analysis::{SensorInput, Subject};
use steady_core::Placement;
use steady_recording::{Meta, Recording, TestKind};

/// Arguments of `steady analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording folder (meta.json + imu.csv or imu_<placement>.csv).
    pub folder: PathBuf,
    /// Print one JSON document on stdout instead of a readable summary.
    #[arg(long)]
    pub json: bool,
}

/// What analysis may know about the participant, from `meta.json`.
pub fn subject_of(meta: &Meta) -> Subject {
    let p = &meta.participant;
    Subject {
        age_years: p.age_years,
        female: p
            .sex
            .as_deref()
            .and_then(|s| match s.trim().to_ascii_lowercase().as_str() {
                "f" | "female" | "w" | "woman" => Some(true),
                "m" | "male" | "man" => Some(false),
                _ => None,
            }),
        height_m: p.height_m,
        sensor_height_m: p.sensor_height_m,
    }
}

/// False when `meta.json` says the sensors are not synchronised (`"synchronised": false`,
/// as in gaitmap's ms_walk): then nothing is compared across legs in time.
pub fn legs_share_clock(meta: &Meta) -> bool {
    meta.raw.get("synchronised").and_then(Value::as_bool) != Some(false)
}

/// Runs the gait analysis of a loaded recording.
pub fn analyze_recording(rec: &Recording) -> anyhow::Result<GaitReport> {
    let mut inputs = Vec::new();
    for s in &rec.sensors {
        let fs = s
            .sampling_rate_hz(rec.meta.sampling_rate_hz)
            .with_context(|| {
                format!(
                    "{}: cannot tell the sampling rate (too few samples)",
                    s.placement
                )
            })?;
        inputs.push(SensorInput {
            placement: s.placement,
            samples: &s.samples,
            sampling_rate_hz: fs,
        });
    }
    Ok(steady_analysis::gait::analyze_with_clock(
        &inputs,
        &subject_of(&rec.meta),
        legs_share_clock(&rec.meta),
    ))
}

/// The structured-test part of the JSON (`"test"`), `None` for plain walking recordings.
/// Dispatches on the `meta.json` test; a test that cannot be analysed gives
/// `{"name": …, "error": "…"}` rather than failing the whole command.
pub fn test_section(recording: &Recording) -> Option<Value> {
    let kind = recording.meta.test.kind;
    let body: Result<Value, String> = match kind {
        TestKind::FourStageBalance => four_stage_section(recording),
        TestKind::Tug => tug_section(recording),
        TestKind::ChairStand30s => chair_stand_section(recording),
        TestKind::SingleLegStance => return Some(single_leg_stance_section(recording)),
        _ => return None,
    };
    let mut v = match body {
        Ok(Value::Object(mut o)) => {
            o.insert("name".into(), json!(kind.as_str()));
            Value::Object(o)
        }
        Ok(other) => json!({ "name": kind.as_str(), "result": other }),
        Err(e) => json!({ "name": kind.as_str(), "error": e }),
    };
    round_numbers(&mut v);
    Some(v)
}

/// Every sensor of the recording as analysis input (sensors without a usable rate skipped).
fn sensor_inputs(rec: &Recording) -> Vec<SensorInput<'_>> {
    rec.sensors
        .iter()
        .filter_map(|s| {
            Some(SensorInput {
                placement: s.placement,
                samples: &s.samples,
                sampling_rate_hz: s.sampling_rate_hz(rec.meta.sampling_rate_hz)?,
            })
        })
        .collect()
}

fn to_value(x: impl serde::Serialize) -> Result<Value, String> {
    serde_json::to_value(x).map_err(|e| e.to_string())
}

fn four_stage_section(rec: &Recording) -> Result<Value, String> {
    let stage_s = rec
        .meta
        .test
        .max_hold_s
        .unwrap_or(steady_balance::four_stage::STAGE_S);
    to_value(steady_balance::four_stage::analyze(
        &sensor_inputs(rec),
        stage_s,
    ))
}

fn tug_section(rec: &Recording) -> Result<Value, String> {
    let r = steady_balance::tug::analyze(&sensor_inputs(rec), &subject_of(&rec.meta), None)
        .map_err(|e| e.to_string())?;
    to_value(r)
}

fn chair_stand_section(rec: &Recording) -> Result<Value, String> {
    let inputs = sensor_inputs(rec);
    let lb = inputs
        .iter()
        .find(|i| i.placement == Placement::LowerBack)
        .ok_or("the chair stand needs a lower-back sensor")?;
    let subject = subject_of(&rec.meta);
    let sex = subject.female.map(|f| {
        if f {
            steady_balance::fall_risk::Sex::Female
        } else {
            steady_balance::fall_risk::Sex::Male
        }
    });
    let r = steady_balance::chair_stand::analyze(
        lb.samples,
        lb.sampling_rate_hz,
        rec.meta
            .test
            .duration_limit_s
            .unwrap_or(steady_balance::chair_stand::DEFAULT_DURATION_S),
        subject.age_years,
        sex,
    )
    .map_err(|e| e.to_string())?;
    let mut v = to_value(&r)?;
    if let Value::Object(o) = &mut v {
        // RECORDINGS.md names the score `repetitions`.
        o.insert("repetitions".into(), json!(r.count));
    }
    Ok(v)
}

/// `"test"` object of a single-leg stance recording (`hold_s`, `lift_off_s`, `touch_down_s`,
/// `ended_by`, `sensors_used`, `sway`, …); `{"name", "error"}` when it cannot be analysed.
fn single_leg_stance_section(rec: &Recording) -> Value {
    use steady_balance::sls::{detect_sls, detect_sls_either_side, SlsConfig};
    let t = &rec.meta.test;
    let mut inputs = Vec::new();
    for s in &rec.sensors {
        if let Some(fs) = s.sampling_rate_hz(rec.meta.sampling_rate_hz) {
            inputs.push(SensorInput {
                placement: s.placement,
                samples: &s.samples,
                sampling_rate_hz: fs,
            });
        }
    }
    let config = SlsConfig {
        max_hold_s: t
            .max_hold_s
            .filter(|v| v.is_finite() && *v > 0.0)
            .unwrap_or(steady_balance::norms::SLS_DEFAULT_MAX_HOLD_S),
        ..SlsConfig::default()
    };
    let subject = subject_of(&rec.meta);
    let pendulum_m = subject
        .sensor_height_m
        .or(subject.height_m.map(|h| 0.53 * h));
    let result = match t.stance_leg {
        Some(stance) => detect_sls(&inputs, stance, config, pendulum_m),
        None => detect_sls_either_side(&inputs, config, pendulum_m),
    };
    let eyes = if t.eyes_closed == Some(true) {
        steady_balance::norms::Eyes::Closed
    } else {
        steady_balance::norms::Eyes::Open
    };
    let trial = match result {
        Ok(trial) => trial,
        Err(e) => {
            return json!({
                "name": "single_leg_stance",
                "stance_leg": t.stance_leg,
                "error": e.to_string(),
            })
        }
    };
    let summary = steady_balance::sls::summarize(
        &[(trial.stance, trial.hold_s)],
        eyes,
        subject.age_years,
        subject.female,
    );
    let side = match trial.stance {
        steady_core::Side::Left => &summary.left,
        steady_core::Side::Right => &summary.right,
    };
    let mut v = json!({
        "name": "single_leg_stance",
        "stance_leg": trial.stance,
        "lifted_leg": trial.stance.opposite(),
        "eyes": eyes,
        "max_hold_s": trial.max_hold_s,
        "lift_off_s": trial.lift_off_s,
        "end_s": trial.end_s,
        "balance_end_s": trial.balance_end_s,
        "hold_s": trial.hold_s,
        "ended_by": trial.ended_by,
        "touch_down_s": trial.touch_down_s(),
        "foot_down_s": trial.foot_down_s,
        "sensors_used": trial.sensors_used,
        "timing": trial.timing,
        "confidence": trial.confidence,
        "sway": trial.sway,
        "impaired": side.as_ref().map(|s| s.impaired),
        "impaired_below_s": summary.impaired_below_s,
        "threshold_source": summary.threshold_source,
        "norm": side.as_ref().and_then(|s| s.norm),
        "percent_of_norm": side.as_ref().and_then(|s| s.percent_of_norm),
        "metrics": trial.metrics(),
    });
    round_numbers(&mut v);
    v
}

/// Rounds every non-integer number to 4 decimals (0.1 ms / 0.1 mm) for readable output.
fn round_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64() {
                let r = (x * 1e4).round() / 1e4;
                if let Some(num) = serde_json::Number::from_f64(r) {
                    *n = num;
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(round_numbers),
        Value::Object(o) => o.values_mut().for_each(round_numbers),
        _ => {}
    }
}

/// The whole `--json` document.
pub fn report_json(report: &GaitReport, test: Option<Value>) -> Value {
    let mut gait = json!({
        "events": report.events,
        "strides": report.strides,
        "bouts": report.bouts,
        "summary": report.summary,
    });
    round_numbers(&mut gait);
    if let Value::Object(o) = &mut gait {
        o.insert("test".into(), test.unwrap_or(Value::Null));
    }
    gait
}

/// Runs `steady analyze`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // The recording error already names the file at fault (and its cause) in its message.
    let rec = steady_recording::read_recording(&args.folder)
        .map_err(|e| anyhow::anyhow!("cannot read recording: {e}"))?;
    let report = analyze_recording(&rec)?;
    let test = crate::cli::analyze::test_section(&rec);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report_json(&report, test))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    print_summary(&args.folder, &rec, &report);
    if let Some(t) = test {
        println!("\nTest: {}", serde_json::to_string_pretty(&t)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn f(v: Option<f64>, prec: usize, unit: &str) -> String {
    v.map_or("—".into(), |v| format!("{v:.prec$} {unit}"))
}

fn print_summary(folder: &std::path::Path, rec: &Recording, report: &GaitReport) {
    let s = &report.summary;
    let sensors: Vec<String> = rec.placements().iter().map(|p| p.to_string()).collect();
    println!(
        "Recording {} ({:.1} s; sensors: {})",
        folder.display(),
        rec.duration_s(),
        sensors.join(", ")
    );
    println!(
        "Walking: {} bouts, {:.1} s, {} strides",
        s.n_bouts, s.walking_time_s, s.n_strides
    );
    println!("  cadence        {}", f(s.cadence_spm, 1, "steps/min"));
    println!("  walking speed  {}", f(s.speed_mps, 2, "m/s"));
    println!("  stride length  {}", f(s.stride_length_m, 2, "m"));
    println!("{:<22} {:>12} {:>12}", "per side (mean)", "left", "right");
    type Row<'a> = (&'a str, Option<f64>, Option<f64>, usize, &'a str);
    let rows: [Row; 8] = [
        ("step time", s.left.step_time_s, s.right.step_time_s, 3, "s"),
        (
            "stride time",
            s.left.stride_time_s,
            s.right.stride_time_s,
            3,
            "s",
        ),
        ("stance", s.left.stance_s, s.right.stance_s, 3, "s"),
        ("swing", s.left.swing_s, s.right.swing_s, 3, "s"),
        (
            "single-limb support",
            s.left.single_limb_support_s,
            s.right.single_limb_support_s,
            3,
            "s",
        ),
        (
            "double support",
            s.left.double_support_s,
            s.right.double_support_s,
            3,
            "s",
        ),
        (
            "stride length",
            s.left.stride_length_m,
            s.right.stride_length_m,
            2,
            "m",
        ),
        (
            "pelvic drop",
            s.left.pelvic_drop_deg,
            s.right.pelvic_drop_deg,
            1,
            "deg",
        ),
    ];
    for (name, l, r, p, u) in rows {
        println!("  {:<20} {:>12} {:>12}", name, f(l, p, u), f(r, p, u));
    }
    println!("Asymmetry (gait asymmetry 100·|ln(L/R)|):");
    for (name, a) in [
        ("step time", &s.asymmetry.step_time),
        ("stance", &s.asymmetry.stance),
        ("swing", &s.asymmetry.swing),
        ("single support", &s.asymmetry.single_support),
    ] {
        println!(
            "  {:<20} {}   (symmetry index {}, ratio L/R {})",
            name,
            f(a.gait_asymmetry_pct, 1, "%"),
            f(a.symmetry_index_pct, 1, "%"),
            f(a.symmetry_ratio, 3, "")
        );
    }
    println!(
        "Variability: stride time CV {}, stance CV {}, step length CV {}",
        f(s.variability.stride_time_cv_pct, 1, "%"),
        f(s.variability.stance_cv_pct, 1, "%"),
        f(s.variability.step_length_cv_pct, 1, "%")
    );
    println!(
        "Trunk: harmonic ratio (V) {}, step regularity {}, stride regularity {}",
        f(s.harmonic_ratio_v, 2, ""),
        f(s.step_regularity, 2, ""),
        f(s.stride_regularity, 2, "")
    );
    if s.quality.ok {
        println!("Quality: ok");
    } else {
        println!("Quality: CHECK — {}", s.quality.reasons.join("; "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_document_has_the_documented_shape() {
        let dir = std::path::Path::new("../shared/data/mobilised/HA_001/Test5_Trial1");
        let Ok(rec) = steady_recording::read_recording(dir) else {
            eprintln!("note: {} missing, skipping", dir.display());
            return;
        };
        let report = analyze_recording(&rec).unwrap();
        let v = report_json(&report, test_section(&rec));
        assert_eq!(v["test"], Value::Null);
        let ev = &v["events"][0];
        assert!(matches!(
            ev["kind"].as_str(),
            Some("initial_contact" | "final_contact")
        ));
        assert!(ev["t_s"].is_f64());
        let st = &v["strides"][0];
        for key in [
            "side",
            "start_s",
            "end_s",
            "stance_s",
            "swing_s",
            "single_support_s",
            "double_support_s",
            "length_m",
        ] {
            assert!(st.get(key).is_some(), "stride field {key}");
        }
        for key in [
            "start_s",
            "end_s",
            "cadence_spm",
            "speed_mps",
            "stride_length_m",
        ] {
            assert!(v["bouts"][0].get(key).is_some(), "bout field {key}");
        }
        let s = &v["summary"];
        assert!(s["left"]["stance_s"].is_f64());
        assert!(s["asymmetry"]["swing"]["gait_asymmetry_pct"].is_f64());
        assert!(s["quality"]["ok"].is_boolean());
        // Rounded to 0.1 ms.
        let t = ev["t_s"].as_f64().unwrap();
        assert!((t * 1e4 - (t * 1e4).round()).abs() < 1e-6);
    }

    #[test]
    fn sex_strings_map_to_subject() {
        let mut meta = Meta::default();
        meta.participant.sex = Some("Female".into());
        meta.participant.height_m = Some(1.7);
        let s = subject_of(&meta);
        assert_eq!(s.female, Some(true));
        assert_eq!(s.height_m, Some(1.7));
        meta.participant.sex = Some("x".into());
        assert_eq!(subject_of(&meta).female, None);
    }
}
