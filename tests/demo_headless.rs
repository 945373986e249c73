//! End-to-end: `steady demo --headless --json` against the simulator's ground truth.

use std::process::Command;

fn run_demo(extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["demo", "--headless", "--duration", "30s", "--json"])
        .args(extra)
        .output()
        .expect("run steady");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
}

#[test]
fn demo_cadence_and_strides_close_to_truth() {
    let d = run_demo(&[]);
    let m = d["metrics"]["cadence_spm"]
        .as_f64()
        .expect("cadence measured");
    let t = d["truth"]["cadence_spm"].as_f64().expect("cadence truth");
    assert!((m - t).abs() / t < 0.05, "cadence {m} vs truth {t}");
    let ms = d["metrics"]["n_strides"].as_u64().unwrap();
    let ts = d["truth"]["n_strides"].as_u64().unwrap();
    assert!(ms + 6 >= ts && ms <= ts + 2, "strides {ms} vs truth {ts}");
    assert_eq!(d["sensors"].as_array().unwrap().len(), 3);
}

#[test]
fn completeness_follows_configured_loss() {
    let clean = run_demo(&["--loss-pct", "0"]);
    let lossy = run_demo(&["--loss-pct", "10"]);
    for (c, l) in clean["sensors"]
        .as_array()
        .unwrap()
        .iter()
        .zip(lossy["sensors"].as_array().unwrap())
    {
        let cc = c["completeness"].as_f64().unwrap();
        let lc = l["completeness"].as_f64().unwrap();
        // Bursts still lose a little on the clean link; 10 % independent loss on top.
        assert!(cc > 0.95, "clean completeness {cc}");
        assert!(lc < cc - 0.06 && lc > cc - 0.16, "lossy {lc} vs clean {cc}");
        // Lost samples are listed as gaps that add up.
        let sum: u64 = l["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["lost_samples"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, l["lost"].as_u64().unwrap());
        let received = l["received"].as_u64().unwrap() as f64;
        let lost = l["lost"].as_u64().unwrap() as f64;
        assert!((lc - received / (received + lost)).abs() < 1e-9);
    }
}
