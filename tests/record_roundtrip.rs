//! End-to-end: `steady record --simulate` → recording folder → `steady analyze` and the
//! recording reader; the recording keeps holes (never filled) and lists them in meta.json.

use std::path::Path;
use std::process::Command;

use steady_core::Placement;

fn steady(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .output()
        .expect("run steady");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn record_then_analyze_matches_live_demo() {
    let dir = std::env::temp_dir().join(format!("steady-record-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    steady(&[
        "record",
        "--simulate",
        "--duration",
        "30s",
        "--loss-pct",
        "5",
        "--out",
        d,
    ]);
    // A second recording into the same folder is refused (nothing overwritten).
    let again = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["record", "--simulate", "--duration", "1s", "--out", d])
        .output()
        .unwrap();
    assert!(!again.status.success());

    let rec = steady_recording::read_recording(Path::new(&dir)).expect("readable recording");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("meta.json")).unwrap()).unwrap();
    for p in [
        Placement::LowerBack,
        Placement::LeftShank,
        Placement::RightShank,
    ] {
        let s = rec.sensor(p).expect("sensor file");
        let gaps = rec.meta.gaps_for(p);
        let lost: u64 = gaps.iter().map(|g| g.lost_samples).sum();
        assert!(lost > 0, "5 % loss must leave gaps on {p}");
        let c = &meta["completeness"][p.as_str()];
        assert_eq!(c["lost"].as_u64().unwrap(), lost);
        assert_eq!(c["received"].as_u64().unwrap(), s.samples.len() as u64);
        // Holes are holes: each listed gap spans (lost + 1) sample intervals in t_s.
        for g in &gaps {
            let dt_s = (g.end - g.start) as f64 * 1e-6;
            let expect_s = (g.lost_samples + 1) as f64 / 100.0;
            assert!(
                (dt_s - expect_s).abs() < 0.015, // the clock estimate settles by ~10 ms early on
                "gap {dt_s} s vs {expect_s} s"
            );
        }
        // Time strictly increases.
        assert!(s.samples.windows(2).all(|w| w[1].t > w[0].t));
    }

    // Analysis of the recording equals the live analysis of the same session.
    let a: serde_json::Value =
        serde_json::from_slice(&steady(&["analyze", d, "--json"]).stdout).unwrap();
    let live: serde_json::Value = serde_json::from_slice(
        &steady(&[
            "demo",
            "--headless",
            "--duration",
            "30s",
            "--loss-pct",
            "5",
            "--json",
        ])
        .stdout,
    )
    .unwrap();
    let ca = a["summary"]["cadence_spm"].as_f64().unwrap();
    let cl = live["metrics"]["cadence_spm"].as_f64().unwrap();
    assert!((ca - cl).abs() < 0.5, "offline {ca} vs live {cl}");
    let _ = std::fs::remove_dir_all(&dir);
}
