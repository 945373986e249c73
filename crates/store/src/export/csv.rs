//! CSV export: a folder per export. One session gives a folder that is also a recording
//! folder (`meta.json`, `imu_<placement>.csv` in the layout `steady analyze` reads) plus
//! `metrics.csv`, `events.csv` and `gaps.csv`; several sessions give one sub-folder
//! `session_<id>/` each, with the tables at the top holding a `session` column.

use serde_json::json;
use steady_recording::sensor_file_name;

use super::ExportInput;
use crate::model::SessionData;

/// Quotes a CSV field when needed (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The metrics of the sessions as one table.
pub fn metrics_csv(sessions: &[SessionData]) -> String {
    let mut out = String::from("session,key,side,value,unit,source,n\n");
    for s in sessions {
        for m in &s.metrics {
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                s.info.id,
                field(&m.key),
                m.side.map_or("", |s| s.as_str()),
                m.value,
                field(&m.unit),
                field(&m.source),
                m.n.map_or(String::new(), |n| n.to_string())
            ));
        }
    }
    out
}

/// The events of the sessions as one table.
pub fn events_csv(sessions: &[SessionData]) -> String {
    let mut out = String::from("session,t_s,kind,side\n");
    for s in sessions {
        for e in &s.events {
            out.push_str(&format!(
                "{},{},{},{}\n",
                s.info.id,
                e.t_s,
                field(&e.kind),
                e.side.map_or("", |s| s.as_str())
            ));
        }
    }
    out
}

/// The gaps (lost samples) of the sessions as one table.
pub fn gaps_csv(sessions: &[SessionData]) -> String {
    let mut out = String::from("session,placement,start_s,end_s,lost_samples\n");
    for s in sessions {
        for sensor in &s.samples {
            for g in &sensor.gaps {
                out.push_str(&format!(
                    "{},{},{},{},{}\n",
                    s.info.id,
                    sensor.placement,
                    g.start.as_secs_f64(),
                    g.end.as_secs_f64(),
                    g.lost_samples
                ));
            }
        }
    }
    out
}

/// A `meta.json` for the exported recording folder (the stored one when not de-identifying,
/// with the gaps rewritten from the store).
fn meta_json(s: &SessionData, deidentify: bool) -> String {
    let mut meta = match (&s.meta_json, deidentify) {
        (Some(text), false) => serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(|v| v.is_object())
            .unwrap_or_else(|| json!({})),
        _ => json!({}),
    };
    let rate = s.info.sensors.iter().find_map(|x| x.sampling_rate_hz);
    let obj = meta.as_object_mut().expect("object");
    if let Some(rate) = rate {
        obj.entry("sampling_rate_hz").or_insert(json!(rate));
    }
    obj.entry("test").or_insert(json!(s.info.test));
    let mut gaps = serde_json::Map::new();
    for sensor in &s.samples {
        if !sensor.gaps.is_empty() {
            let list: Vec<_> = sensor
                .gaps
                .iter()
                .map(|g| {
                    json!({"start_s": g.start.as_secs_f64(), "end_s": g.end.as_secs_f64(),
                           "lost_samples": g.lost_samples})
                })
                .collect();
            gaps.insert(sensor.placement.as_str().into(), json!(list));
        }
    }
    if gaps.is_empty() {
        obj.remove("gaps");
    } else {
        obj.insert("gaps".into(), json!(gaps));
    }
    serde_json::to_string_pretty(&meta).unwrap_or_else(|_| "{}".into())
}

/// Every file of the export as `(relative path, contents)`.
pub fn files(input: &ExportInput) -> Vec<(String, String)> {
    let single = input.sessions.len() == 1;
    let mut out = vec![
        ("metrics.csv".to_string(), metrics_csv(&input.sessions)),
        ("events.csv".to_string(), events_csv(&input.sessions)),
        ("gaps.csv".to_string(), gaps_csv(&input.sessions)),
    ];
    for s in &input.sessions {
        let dir = if single {
            String::new()
        } else {
            format!("session_{}/", s.info.id)
        };
        out.push((format!("{dir}meta.json"), meta_json(s, input.deidentify)));
        for sensor in &s.samples {
            out.push((
                format!("{dir}{}", sensor_file_name(sensor.placement)),
                steady_recording::write_imu_csv(&sensor.samples),
            ));
        }
    }
    out
}
