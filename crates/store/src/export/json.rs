//! JSON export: the patient, their goals and every exported session in full (info, meta,
//! metrics, events, samples per sensor, gaps). Schema `steady-export` version 1.

use serde_json::{json, Value};

use super::ExportInput;
use crate::model::SessionData;

/// The patient part (identifying fields left out when de-identifying).
pub fn patient_json(input: &ExportInput) -> Value {
    let p = &input.patient;
    if input.deidentify {
        json!({
            "pseudonym": Value::Null,
            "sex": p.sex,
            "height_m": p.height_m,
            "affected_side": p.affected_side,
        })
    } else {
        json!(p)
    }
}

/// One session in full.
pub fn session_json(s: &SessionData, deidentify: bool) -> Value {
    let mut info = json!(s.info);
    if deidentify {
        if let Some(o) = info.as_object_mut() {
            for key in ["patient", "notes", "clinician", "source"] {
                o.insert(key.into(), Value::Null);
            }
            o.insert("started_unix_ms".into(), Value::Null);
            o.insert("ended_unix_ms".into(), Value::Null);
            o.insert("year".into(), json!(super::year_of(s.info.started_unix_ms)));
            if let Some(Value::Array(sensors)) = o.get_mut("sensors") {
                for x in sensors {
                    if let Some(x) = x.as_object_mut() {
                        x.insert("device".into(), Value::Null);
                    }
                }
            }
        }
    }
    let meta: Value = match (&s.meta_json, deidentify) {
        (Some(m), false) => serde_json::from_str(m).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let sensors: Vec<Value> = s
        .samples
        .iter()
        .map(|x| {
            let rows: Vec<[f64; 7]> = x
                .samples
                .iter()
                .map(|v| {
                    [
                        v.t_s(),
                        v.acc_mps2[0],
                        v.acc_mps2[1],
                        v.acc_mps2[2],
                        v.gyr_dps[0],
                        v.gyr_dps[1],
                        v.gyr_dps[2],
                    ]
                })
                .collect();
            let gaps: Vec<Value> = x
                .gaps
                .iter()
                .map(|g| {
                    json!({"start_s": g.start.as_secs_f64(), "end_s": g.end.as_secs_f64(),
                           "lost_samples": g.lost_samples})
                })
                .collect();
            json!({
                "placement": x.placement,
                "columns": ["t_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"],
                "samples": rows,
                "gaps": gaps,
            })
        })
        .collect();
    json!({
        "session": info,
        "meta": meta,
        "metrics": s.metrics,
        "events": s.events,
        "sensors": sensors,
    })
}

/// The whole export document.
pub fn document(input: &ExportInput) -> Value {
    let goals: Vec<Value> = input
        .goals
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "metric": g.spec.metric,
                "op": g.spec.op,
                "target": g.spec.target,
                "unit": g.spec.unit,
                "sides": g.spec.sides,
                "text": g.spec.text,
                "due_date": g.spec.due_date,
                "status": g.status,
                "progress": input.sessions.iter().map(|s| {
                    let c = crate::goals::check(&g.spec, &s.metrics);
                    json!({"session": s.info.id, "met": c.met, "values": c.values})
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "format": "steady-export",
        "version": 1,
        "deidentified": input.deidentify,
        "patient": patient_json(input),
        "goals": goals,
        "sessions": input.sessions.iter().map(|s| session_json(s, input.deidentify)).collect::<Vec<_>>(),
    })
}
