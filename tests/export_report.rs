//! `steady export --format report`: an HTML report with inline SVG, checked end to end. No
//! headless browser is on the CI image, so the test parses the document as XML (it is
//! written in XHTML syntax) with Python's expat and inspects the SVG structure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "steady-export-report-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn steady(data_dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("STEADY_DATA_DIR", data_dir)
        .output()
        .expect("run steady");
    assert!(
        o.status.success(),
        "steady {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

const PARSE_PY: &str = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
svg = '{http://www.w3.org/2000/svg}'
charts = root.iter(svg + 'svg')
for c in charts:
    kinds = sorted({e.get('class', '').split(' ')[0] + ':' + e.tag.replace(svg, '') for e in c if e.get('class')})
    print(c.get('class'), len(list(c)), ' '.join(kinds))
"#;

#[test]
fn report_is_well_formed_and_has_the_charts() {
    let root = temp_dir("report");
    let data = root.join("data");
    let rec = root.join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/analysis/tests/fixtures/ha001_test5_trial1_imu.csv"),
        rec.join("imu.csv"),
    )
    .unwrap();
    std::fs::write(rec.join("meta.json"), r#"{"sampling_rate_hz": 100}"#).unwrap();
    steady(
        &data,
        &[
            "patient",
            "add",
            "R-1",
            "--birth-year",
            "1955",
            "--sex",
            "male",
        ],
    );
    let r = rec.to_str().unwrap();
    steady(
        &data,
        &[
            "import",
            r,
            "--patient",
            "R-1",
            "--metric",
            "tug_s=15.2",
            "--metric",
            "single_leg_stance_s=3.5:left",
            "--metric",
            "single_leg_stance_s=11:right",
        ],
    );
    steady(
        &data,
        &["import", r, "--patient", "R-1", "--metric", "tug_s=11.9"],
    );
    steady(&data, &["goal", "add", "R-1", "tug_s < 12"]);
    let out = root.join("report.html");
    steady(
        &data,
        &[
            "export",
            "R-1",
            "--format",
            "report",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));

    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    };
    let o = Command::new(python)
        .args(["-c", PARSE_PY, out.to_str().unwrap()])
        .output()
        .expect("python3 for the XML check");
    assert!(
        o.status.success(),
        "report is not well-formed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let charts = String::from_utf8_lossy(&o.stdout).to_string();
    let lines: Vec<&str> = charts.lines().collect();
    // Two sessions with a gait cycle and an asymmetry chart each, one balance chart (first
    // session), and trend charts (both sessions share gait metrics and TUG).
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("chart gait-cycle"))
            .count(),
        2,
        "{charts}"
    );
    let gait = lines
        .iter()
        .find(|l| l.starts_with("chart gait-cycle"))
        .unwrap();
    assert!(
        gait.contains("bar:rect") && gait.contains("ref:line"),
        "{gait}"
    );
    let trends: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("chart trend"))
        .collect();
    assert!(trends.len() >= 3, "{charts}");
    assert!(trends
        .iter()
        .all(|l| l.contains("line:polyline") && l.contains("point:circle")));
    // TUG has an MDC (2.08 s): its chart has the band; 15.2 → 11.9 s is a real improvement.
    assert!(trends.iter().any(|l| l.contains("mdc-band:rect")));
    assert!(
        html.contains("change -3.30 s exceeds the MDC: real improvement"),
        "TUG verdict"
    );
    assert!(html.contains("TUG 15.2 s ≥ 12 s"));
    assert!(html.contains("left leg held 3.5 s &lt; 5 s"));
    let _ = std::fs::remove_dir_all(&root);
}
