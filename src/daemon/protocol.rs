//! The control-socket protocol (JSON lines; see `PROTOCOL.md` beside this file): request
//! and response types, pure.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One request line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    /// The daemon's state.
    Status,
    /// Start recording a session.
    SessionStart {
        /// Pseudonymous id of a registered patient.
        patient: String,
        /// Test name (`walk`, `single_leg_stance`, `tug`, …).
        #[serde(default = "default_test")]
        test: String,
        /// Clinician.
        #[serde(default)]
        clinician: Option<String>,
        /// Test conditions.
        #[serde(default)]
        conditions: Option<String>,
        /// Reported pain, 0–10.
        #[serde(default)]
        pain_score: Option<u8>,
        /// Notes.
        #[serde(default)]
        notes: Option<String>,
    },
    /// Stop the session being recorded (analyses and stores it).
    SessionStop,
    /// Turn this connection into a stream of `tick` messages (one per second).
    Subscribe,
    /// Finish any recording and exit.
    Shutdown,
    /// Supported sensors nearby that are not registered (from the periodic scan).
    SensorsNearby,
    /// Register a sensor at a placement (as `steady sensors add`) and connect it; for a
    /// registered sensor this changes its placement.
    SensorAssign {
        /// Device address, `AA:BB:CC:DD:EE:FF`.
        address: String,
        /// Placement (`lower_back`, `left-shank`, …).
        placement: String,
    },
    /// Unregister a sensor and disconnect it (refused while it is part of the session being
    /// recorded).
    SensorRemove {
        /// Device address.
        address: String,
    },
    /// Make a sensor show itself (blink or vibrate) where its family has such a command.
    SensorIdentify {
        /// Device address.
        address: String,
    },
}

fn default_test() -> String {
    "walk".into()
}

/// Parses a request line; the error is the response to send.
pub fn parse_request(line: &str) -> Result<Request, Value> {
    serde_json::from_str(line).map_err(|e| error(&format!("bad request: {e}")))
}

/// An error response.
pub fn error(message: &str) -> Value {
    json!({ "ok": false, "error": message })
}

/// A success response with extra fields.
pub fn ok(fields: Value) -> Value {
    let mut v = json!({ "ok": true });
    if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
        o.extend(f);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse_with_defaults_and_errors_say_why() {
        assert_eq!(parse_request(r#"{"cmd":"status"}"#), Ok(Request::Status));
        match parse_request(r#"{"cmd":"session_start","patient":"P1"}"#) {
            Ok(Request::SessionStart {
                patient,
                test,
                pain_score,
                ..
            }) => {
                assert_eq!(
                    (patient.as_str(), test.as_str(), pain_score),
                    ("P1", "walk", None)
                );
            }
            other => panic!("{other:?}"),
        }
        let e = parse_request(r#"{"cmd":"launch"}"#).unwrap_err();
        assert_eq!(e["ok"], false);
        assert!(
            e["error"]
                .as_str()
                .unwrap()
                .contains("unknown variant `launch`"),
            "{e}"
        );
        assert!(parse_request("not json").is_err());
        assert!(
            parse_request(r#"{"cmd":"session_start"}"#).unwrap_err()["error"]
                .as_str()
                .unwrap()
                .contains("patient")
        );
        assert_eq!(
            parse_request(r#"{"cmd":"sensors_nearby"}"#),
            Ok(Request::SensorsNearby)
        );
        assert_eq!(
            parse_request(
                r#"{"cmd":"sensor_assign","address":"C5:7E:AD:00:20:01","placement":"left_shank"}"#
            ),
            Ok(Request::SensorAssign {
                address: "C5:7E:AD:00:20:01".into(),
                placement: "left_shank".into()
            })
        );
        assert_eq!(
            parse_request(r#"{"cmd":"sensor_identify","address":"C5:7E:AD:00:20:01"}"#),
            Ok(Request::SensorIdentify {
                address: "C5:7E:AD:00:20:01".into()
            })
        );
        assert_eq!(
            parse_request(r#"{"cmd":"sensor_remove","address":"C5:7E:AD:00:20:01"}"#),
            Ok(Request::SensorRemove {
                address: "C5:7E:AD:00:20:01".into()
            })
        );
        assert!(parse_request(r#"{"cmd":"sensor_remove"}"#).is_err());
        let e =
            parse_request(r#"{"cmd":"sensor_assign","address":"C5:7E:AD:00:20:01"}"#).unwrap_err();
        assert!(
            e["error"].as_str().unwrap().contains("placement"),
            "names the missing field: {e}"
        );
        assert!(parse_request(r#"{"cmd":"sensor_identify"}"#).is_err());
        let r = ok(json!({"session": 3}));
        assert_eq!(
            (r["ok"].clone(), r["session"].clone()),
            (json!(true), json!(3))
        );
    }
}
