//! Recording folders: the on-disk format `steady analyze` reads and `steady record` writes.
//!
//! A folder holds `meta.json` and one CSV per sensor (`imu.csv` for a single lower-back
//! sensor, or `imu_<placement>.csv`), header `t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z`,
//! seconds, m/s², deg/s, all files on one clock. See `../shared/RECORDINGS.md`.
//!
//! - [`Recording`] / [`SensorStream`]: the in-memory form.
//! - [`Meta`]: the typed subset of `meta.json` steady uses (the full JSON is kept in `raw`).
//! - [`read_recording`] / [`write_recording`]: the I/O edge. Reference files
//!   (`reference.json`, `truth.json`) are never read here: steady must not need them.

mod csv;
mod meta;

pub use crate::csv::{parse_imu_csv, write_imu_csv};
pub use meta::{Meta, Participant, TestKind, TestSpec};

use std::path::{Path, PathBuf};
use steady_core::{Gap, ImuSample, Placement};

/// Everything that can go wrong reading or writing a recording, with the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The folder or a file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// File or folder involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV file is malformed.
    #[error("{path}:{line}: {message}")]
    Csv {
        /// File at fault.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `meta.json` is not valid JSON or has a key of the wrong type.
    #[error("{path}: {message}")]
    Meta {
        /// File at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The folder has no sensor file.
    #[error("{0}: no sensor file found (expected imu.csv or imu_<placement>.csv)")]
    NoSensors(PathBuf),
}

/// The samples of one sensor, on the recording clock.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorStream {
    /// Where the sensor sat.
    pub placement: Placement,
    /// Samples in time order; `t` is microseconds from the recording's first sample.
    pub samples: Vec<ImuSample>,
    /// Lost spans listed in `meta.json` (`gaps.<placement>`), never filled in.
    pub gaps: Vec<Gap>,
}

impl SensorStream {
    /// Sampling rate in Hz: from `meta` when given, else the median sample interval.
    pub fn sampling_rate_hz(&self, meta_rate_hz: Option<f64>) -> Option<f64> {
        if let Some(rate) = meta_rate_hz.filter(|r| r.is_finite() && *r > 0.0) {
            return Some(rate);
        }
        median_rate_hz(&self.samples)
    }
}

/// Median sampling rate of a sample sequence (robust to gaps), or `None` with < 2 samples.
pub fn median_rate_hz(samples: &[ImuSample]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let mut dts: Vec<i64> = samples
        .windows(2)
        .map(|w| w[1].t - w[0].t)
        .filter(|d| *d > 0)
        .collect();
    if dts.is_empty() {
        return None;
    }
    dts.sort_unstable();
    let median_us = dts[dts.len() / 2] as f64;
    Some(1e6 / median_us)
}

/// A recording: metadata and one stream per sensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Parsed `meta.json` (default when the file is absent).
    pub meta: Meta,
    /// One stream per sensor file found, in [`Placement::ALL`] order.
    pub sensors: Vec<SensorStream>,
}

impl Recording {
    /// The stream of a placement, if recorded.
    pub fn sensor(&self, placement: Placement) -> Option<&SensorStream> {
        self.sensors.iter().find(|s| s.placement == placement)
    }

    /// Placements present.
    pub fn placements(&self) -> Vec<Placement> {
        self.sensors.iter().map(|s| s.placement).collect()
    }

    /// Sampling rate of a sensor (meta first, else from `t_s`).
    pub fn sampling_rate_hz(&self, placement: Placement) -> Option<f64> {
        self.sensor(placement)?
            .sampling_rate_hz(self.meta.sampling_rate_hz)
    }

    /// Duration in seconds from the earliest to the latest sample of any sensor.
    pub fn duration_s(&self) -> f64 {
        let first = self
            .sensors
            .iter()
            .filter_map(|s| s.samples.first())
            .map(|s| s.t)
            .min();
        let last = self
            .sensors
            .iter()
            .filter_map(|s| s.samples.last())
            .map(|s| s.t)
            .max();
        match (first, last) {
            (Some(a), Some(b)) => (b - a) as f64 * 1e-6,
            _ => 0.0,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RecordingError + '_ {
    move |source| RecordingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The CSV file name steady writes for a placement (`imu_<placement>.csv`).
pub fn sensor_file_name(placement: Placement) -> String {
    format!("imu_{}.csv", placement.as_str())
}

/// Reads a recording folder. `imu.csv` is taken as the lower-back sensor.
pub fn read_recording(dir: &Path) -> Result<Recording, RecordingError> {
    let metadata = std::fs::metadata(dir).map_err(io_err(dir))?;
    if !metadata.is_dir() {
        return Err(RecordingError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a folder"),
        });
    }
    let meta_path = dir.join("meta.json");
    let meta = if meta_path.exists() {
        let text = std::fs::read_to_string(&meta_path).map_err(io_err(&meta_path))?;
        Meta::from_json_str(&text).map_err(|message| RecordingError::Meta {
            path: meta_path.clone(),
            message,
        })?
    } else {
        Meta::default()
    };
    let mut sensors = Vec::new();
    for placement in Placement::ALL {
        let mut path = dir.join(sensor_file_name(placement));
        if !path.exists() && placement == Placement::LowerBack {
            path = dir.join("imu.csv");
        }
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        let samples = parse_imu_csv(&text).map_err(|(line, message)| RecordingError::Csv {
            path: path.clone(),
            line,
            message,
        })?;
        let gaps = meta.gaps_for(placement);
        sensors.push(SensorStream {
            placement,
            samples,
            gaps,
        });
    }
    if sensors.is_empty() {
        return Err(RecordingError::NoSensors(dir.to_path_buf()));
    }
    Ok(Recording { meta, sensors })
}

/// Writes a recording folder (creating it): `meta.json` and `imu_<placement>.csv` per sensor.
/// Each file is written to a temporary name and renamed, so a crash never leaves half a file
/// under the final name.
pub fn write_recording(dir: &Path, recording: &Recording) -> Result<(), RecordingError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    for stream in &recording.sensors {
        let path = dir.join(sensor_file_name(stream.placement));
        write_atomically(&path, write_imu_csv(&stream.samples).as_bytes())?;
    }
    let mut meta = recording.meta.clone();
    meta.set_gaps(&recording.sensors);
    let path = dir.join("meta.json");
    let text = serde_json::to_string_pretty(&meta.to_json()).map_err(|e| RecordingError::Meta {
        path: path.clone(),
        message: e.to_string(),
    })?;
    write_atomically(&path, text.as_bytes())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RecordingError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
    file.write_all(bytes).map_err(io_err(&tmp))?;
    file.sync_all().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::Micros;

    fn sample(t_s: f64, v: f64) -> ImuSample {
        ImuSample {
            t: Micros::from_secs_f64(t_s),
            acc_mps2: [v, 0.5, -9.81],
            gyr_dps: [1.0, -2.0, v],
        }
    }

    #[test]
    fn write_then_read_gives_the_same_samples_and_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<_> = (0..50)
            .filter(|i| !(20..25).contains(i))
            .map(|i| sample(i as f64 * 0.01, i as f64))
            .collect();
        let gap = Gap {
            start: Micros(190_000),
            end: Micros(250_000),
            lost_samples: 5,
        };
        let mut meta = Meta {
            sampling_rate_hz: Some(100.0),
            ..Meta::default()
        };
        meta.participant.height_m = Some(1.72);
        let recording = Recording {
            meta,
            sensors: vec![SensorStream {
                placement: Placement::LeftShank,
                samples: samples.clone(),
                gaps: vec![gap],
            }],
        };
        write_recording(dir.path(), &recording).unwrap();
        let back = read_recording(dir.path()).unwrap();
        assert_eq!(back.sensors.len(), 1);
        assert_eq!(back.sensors[0].placement, Placement::LeftShank);
        assert_eq!(back.sensors[0].gaps, vec![gap]);
        assert_eq!(back.meta.participant.height_m, Some(1.72));
        for (a, b) in back.sensors[0].samples.iter().zip(&samples) {
            assert_eq!(a.t, b.t);
            for k in 0..3 {
                assert!((a.acc_mps2[k] - b.acc_mps2[k]).abs() < 1e-6);
                assert!((a.gyr_dps[k] - b.gyr_dps[k]).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn folder_without_sensor_files_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "{}").unwrap();
        let err = read_recording(dir.path()).unwrap_err();
        assert!(matches!(err, RecordingError::NoSensors(_)), "{err}");
    }

    #[test]
    fn malformed_csv_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("imu.csv"),
            "t_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0,1,2,3,4,5,6\n0.01,1,2,x,4,5,6\n",
        )
        .unwrap();
        let err = read_recording(dir.path()).unwrap_err().to_string();
        assert!(err.contains("imu.csv:3"), "{err}");
    }

    #[test]
    fn median_rate_ignores_a_gap() {
        let samples: Vec<_> = [0.0, 0.01, 0.02, 0.5, 0.51, 0.52]
            .iter()
            .map(|t| sample(*t, 0.0))
            .collect();
        assert!((median_rate_hz(&samples).unwrap() - 100.0).abs() < 1e-9);
    }
}
