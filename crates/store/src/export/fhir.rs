//! FHIR R4 (4.0.1) transaction Bundle of a patient's sessions (clinical.md §5.1):
//!
//! - `Patient`: pseudonymous (identifier = the pseudonym; no name), gender, birth year;
//!   de-identified: no identifier and no birth date.
//! - `Device`: the steady software, and one per sensor (`parent` → steady).
//! - `Observation` per metric and session: LOINC coding first where one exists, the steady
//!   CodeSystem second; UCUM `valueQuantity`; per-side metrics as one Observation with a
//!   `component` per side; `method` names the algorithm; `device` → steady.
//! - `DiagnosticReport` per session, `result` → its Observations, `conclusion` = findings.
//! - `Goal` per care-plan goal (`target.measure` = the metric's code, `outcomeReference`
//!   → its Observations) and one `CarePlan` (`goal` → the Goals) when goals exist; the
//!   Observations then carry `basedOn` → the CarePlan.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use steady_core::{Metric, Side};

use super::{iso_time, year_of, ExportInput};
use crate::catalog::{self, LOINC_SYSTEM, STEADY_CODE_SYSTEM, STEADY_METHOD_SYSTEM, UCUM_SYSTEM};
use crate::clinical;
use crate::goals::GoalSides;
use crate::store::GoalStatus;

/// Identifier system of patient pseudonyms.
pub const PSEUDONYM_SYSTEM: &str = "https://steady-gait.org/fhir/NamingSystem/patient-pseudonym";
/// Identifier system of sensor devices.
pub const SENSOR_SYSTEM: &str = "https://steady-gait.org/fhir/NamingSystem/sensor";
/// Observation category system.
pub const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// Deterministic `urn:uuid:` generator (FNV-1a over a seed and a name).
struct Ids {
    seed: u64,
}

impl Ids {
    fn fnv(seed: u64, text: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    fn urn(&self, name: &str) -> String {
        let a = Self::fnv(self.seed, name);
        let b = Self::fnv(self.seed.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15, name);
        // Version 4 / variant 1 bits so that the value is a well-formed UUID.
        let a = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
        let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
        format!(
            "urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

fn reference(urn: &str) -> Value {
    json!({ "reference": urn })
}

fn entry(urn: &str, resource: Value) -> Value {
    let kind = resource["resourceType"]
        .as_str()
        .unwrap_or("Basic")
        .to_string();
    json!({
        "fullUrl": urn,
        "resource": resource,
        "request": { "method": "POST", "url": kind },
    })
}

/// The `CodeableConcept` of a metric key: LOINC first (if any), then the steady code.
pub fn metric_code(key: &str) -> Value {
    let info = catalog::lookup(key);
    let display = catalog::display(key);
    let mut coding = Vec::new();
    if let Some((code, name)) = info.and_then(|i| i.loinc) {
        coding.push(json!({"system": LOINC_SYSTEM, "code": code, "display": name}));
    }
    coding.push(json!({"system": STEADY_CODE_SYSTEM, "code": key, "display": display}));
    json!({ "coding": coding, "text": display })
}

fn quantity(value: f64, ucum: &str) -> Value {
    json!({
        "value": value,
        "unit": match catalog::unit_display(ucum) {
            "" => ucum,
            d => d,
        },
        "system": UCUM_SYSTEM,
        "code": ucum,
    })
}

fn side_code(key: &str, side: Side) -> Value {
    let display = format!("{}, {side}", catalog::display(key));
    json!({
        "coding": [{"system": STEADY_CODE_SYSTEM, "code": format!("{key}.{side}"), "display": display}],
        "text": display,
    })
}

/// Groups metrics by key, keeping first-seen order.
fn group(metrics: &[Metric]) -> Vec<(String, Vec<&Metric>)> {
    let mut out: Vec<(String, Vec<&Metric>)> = Vec::new();
    for m in metrics {
        match out.iter_mut().find(|(k, _)| *k == m.key) {
            Some((_, v)) => v.push(m),
            None => out.push((m.key.clone(), vec![m])),
        }
    }
    out
}

fn session_code(test: &str) -> Value {
    let display = format!("steady {} assessment", test.replace('_', " "));
    json!({
        "coding": [{"system": STEADY_CODE_SYSTEM, "code": format!("session.{test}"), "display": display}],
        "text": display,
    })
}

/// The transaction Bundle.
pub fn bundle(input: &ExportInput) -> Value {
    let seed = if input.deidentify {
        // Fresh random ids: de-identified bundles must not be linkable to the pseudonym.
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    } else {
        Ids::fnv(0, &input.patient.pseudonym)
    };
    let ids = Ids { seed };
    let mut entries = Vec::new();

    // Patient.
    let patient_urn = ids.urn("patient");
    let mut patient = json!({ "resourceType": "Patient" });
    if !input.deidentify {
        patient["identifier"] =
            json!([{ "system": PSEUDONYM_SYSTEM, "value": input.patient.pseudonym }]);
        if let Some(y) = input.patient.birth_year {
            patient["birthDate"] = json!(format!("{y:04}"));
        }
    }
    if let Some(sex) = input.patient.sex {
        patient["gender"] = json!(sex.as_str());
    }
    entries.push(entry(&patient_urn, patient));

    // The steady software device, parent of every sensor.
    let steady_urn = ids.urn("device:steady");
    entries.push(entry(
        &steady_urn,
        json!({
            "resourceType": "Device",
            "deviceName": [{"name": "steady", "type": "model-name"}],
            "type": {"text": "Gait and balance analysis software"},
            "version": [{"value": env!("CARGO_PKG_VERSION")}],
        }),
    ));
    let mut sensor_urns: BTreeMap<String, String> = BTreeMap::new();
    for s in &input.sessions {
        for sensor in &s.info.sensors {
            let device = if input.deidentify {
                None
            } else {
                sensor.device.clone()
            };
            let name = format!(
                "{}|{}",
                sensor.placement,
                device.clone().unwrap_or_default()
            );
            if sensor_urns.contains_key(&name) {
                continue;
            }
            let urn = ids.urn(&format!("device:{name}"));
            let mut d = json!({
                "resourceType": "Device",
                "deviceName": [{"name": format!("IMU {}", sensor.placement), "type": "user-friendly-name"}],
                "type": {"text": "Inertial measurement unit (accelerometer and gyroscope)"},
                "patient": reference(&patient_urn),
                "parent": reference(&steady_urn),
            });
            if let Some(dev) = device {
                d["identifier"] = json!([{"system": SENSOR_SYSTEM, "value": dev}]);
            }
            entries.push(entry(&urn, d));
            sensor_urns.insert(name, urn);
        }
    }

    let careplan_urn = ids.urn("careplan");
    let has_goals = !input.goals.is_empty();
    let age = |t_ms: i64| input.patient.age_years_in(year_of(t_ms));
    // Observations per session; remember them by metric key for the goals.
    let mut obs_by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut all_obs = Vec::new();
    for s in &input.sessions {
        let when = iso_time(s.info.started_unix_ms, input.deidentify);
        let mut results = Vec::new();
        for (key, ms) in group(&s.metrics) {
            let urn = ids.urn(&format!("obs:{}:{key}", s.info.id));
            let first = ms[0];
            let mut o = json!({
                "resourceType": "Observation",
                "status": "final",
                "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "exam", "display": "Exam"}]}],
                "code": metric_code(&key),
                "subject": reference(&patient_urn),
                "effectiveDateTime": when,
                "device": reference(&steady_urn),
                "method": {"coding": [{"system": STEADY_METHOD_SYSTEM, "code": first.source}], "text": first.source},
            });
            let sided: Vec<&&Metric> = ms.iter().filter(|m| m.side.is_some()).collect();
            if sided.is_empty() {
                o["valueQuantity"] = quantity(first.value, &first.unit);
            } else {
                o["component"] = json!(sided
                    .iter()
                    .map(|m| json!({
                        "code": side_code(&key, m.side.expect("sided")),
                        "valueQuantity": quantity(m.value, &m.unit),
                    }))
                    .collect::<Vec<_>>());
            }
            let counts: Vec<String> = ms
                .iter()
                .filter_map(|m| {
                    m.n.map(|n| match m.side {
                        Some(side) => format!("{side}: n = {n}"),
                        None => format!("n = {n}"),
                    })
                })
                .collect();
            if !counts.is_empty() {
                o["note"] = json!([{"text": format!("Based on {} (strides, cycles or trials)", counts.join(", "))}]);
            }
            if has_goals {
                o["basedOn"] = json!([reference(&careplan_urn)]);
            }
            obs_by_key.entry(key.clone()).or_default().push(urn.clone());
            results.push(reference(&urn));
            all_obs.push(reference(&urn));
            entries.push(entry(&urn, o));
        }
        let findings = clinical::fall_risk_findings(
            &s.metrics,
            age(s.info.started_unix_ms),
            input.patient.sex,
        );
        let conclusion = if !findings.iter().any(|f| f.measured()) {
            "No fall-risk indicator measured in this session.".to_string()
        } else {
            let positive: Vec<&str> = findings
                .iter()
                .filter(|f| f.positive())
                .map(|f| f.reason.as_str())
                .collect();
            format!(
                "{} of {} fall-risk indicators positive{} ({})",
                positive.len(),
                findings.iter().filter(|f| f.measured()).count(),
                if positive.is_empty() {
                    String::new()
                } else {
                    format!(": {}", positive.join("; "))
                },
                clinical::DISCLAIMER
            )
        };
        let mut report = json!({
            "resourceType": "DiagnosticReport",
            "status": "final",
            "code": session_code(&s.info.test),
            "subject": reference(&patient_urn),
            "effectiveDateTime": when,
            "result": results,
            "conclusion": conclusion,
        });
        if !input.deidentify {
            report["issued"] = json!(iso_time(
                s.info.ended_unix_ms.unwrap_or(s.info.started_unix_ms),
                false
            ));
        }
        if results_empty(&report) {
            report.as_object_mut().expect("object").remove("result");
        }
        entries.push(entry(&ids.urn(&format!("report:{}", s.info.id)), report));
    }

    if has_goals {
        let latest = input.sessions.last();
        let mut goal_refs = Vec::new();
        for g in &input.goals {
            let urn = ids.urn(&format!("goal:{}", g.id));
            let mut detail = quantity(g.spec.target, &g.spec.unit);
            detail["comparator"] = json!(g.spec.op.as_str());
            let mut target =
                json!({ "measure": metric_code(&g.spec.metric), "detailQuantity": detail });
            if let Some(d) = &g.spec.due_date {
                target["dueDate"] = json!(d);
            }
            let side_text = match g.spec.sides {
                GoalSides::Any => "",
                GoalSides::Each => " (each side)",
                GoalSides::Left => " (left)",
                GoalSides::Right => " (right)",
            };
            let mut goal = json!({
                "resourceType": "Goal",
                "lifecycleStatus": match g.status {
                    GoalStatus::Active => "active",
                    GoalStatus::Achieved => "completed",
                    GoalStatus::Cancelled => "cancelled",
                },
                "description": {"text": format!("{}{side_text}", g.spec.text)},
                "subject": reference(&patient_urn),
                "target": [target],
            });
            if let Some(s) = latest {
                let met = crate::goals::check(&g.spec, &s.metrics).met;
                if let Some(met) = met {
                    let (code, display) = if met {
                        ("achieved", "Achieved")
                    } else {
                        ("in-progress", "In Progress")
                    };
                    goal["achievementStatus"] = json!({"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": code, "display": display}]});
                }
            }
            if let Some(obs) = obs_by_key.get(&g.spec.metric) {
                goal["outcomeReference"] =
                    json!(obs.iter().map(|u| reference(u)).collect::<Vec<_>>());
            }
            goal_refs.push(reference(&urn));
            entries.push(entry(&urn, goal));
        }
        let mut plan = json!({
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "plan",
            "title": "Physical therapy goals (steady)",
            "subject": reference(&patient_urn),
            "goal": goal_refs,
        });
        if !all_obs.is_empty() {
            plan["activity"] = json!([{ "outcomeReference": all_obs }]);
        }
        entries.push(entry(&careplan_urn, plan));
    }

    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": entries,
    })
}

fn results_empty(report: &Value) -> bool {
    report["result"].as_array().is_some_and(|a| a.is_empty())
}
