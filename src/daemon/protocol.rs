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
        let r = ok(json!({"session": 3}));
        assert_eq!(
            (r["ok"].clone(), r["session"].clone()),
            (json!(true), json!(3))
        );
    }
}
