//! The device registry: which sensors belong to this clinic and where each is worn, persisted
//! as `sensors.json` in steady's data directory. Only registered devices are ever connected.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use steady_core::Placement;

use super::transport::Address;
use super::vendor::Vendor;

/// File name of the registry inside the data directory.
pub const REGISTRY_FILE: &str = "sensors.json";

/// One registered sensor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredDevice {
    /// Device address.
    pub address: Address,
    /// Sensor family.
    pub vendor: Vendor,
    /// Where it is worn.
    pub placement: Placement,
    /// Advertised name when registered.
    pub name: Option<String>,
}

/// Registry errors.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Reading or writing the file failed.
    #[error("sensor registry {path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not a valid registry.
    #[error("sensor registry {path} is corrupt: {source}")]
    Corrupt {
        /// File.
        path: PathBuf,
        /// Cause.
        source: serde_json::Error,
    },
    /// The file is valid JSON but not a consistent registry (e.g. edited by hand): an
    /// address listed twice, or two devices at one placement.
    #[error("sensor registry {path} is invalid: {reason}")]
    Inconsistent {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another device already has this placement.
    #[error("placement {placement} is already taken by {address}; remove it first")]
    PlacementTaken {
        /// Placement.
        placement: Placement,
        /// Device holding it.
        address: Address,
    },
    /// The address is not registered.
    #[error("{0} is not registered")]
    NotRegistered(Address),
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    devices: Vec<RegisteredDevice>,
}

/// Every address and every placement at most once (what [`Registry::add`] keeps true).
fn check_consistent(devices: &[RegisteredDevice]) -> Result<(), String> {
    for (i, d) in devices.iter().enumerate() {
        for other in &devices[..i] {
            if other.address == d.address {
                return Err(format!("{} is listed twice", d.address));
            }
            if other.placement == d.placement {
                return Err(format!(
                    "{} and {} are both at {}",
                    other.address, d.address, d.placement
                ));
            }
        }
    }
    Ok(())
}

/// The registry, loaded from and saved to one JSON file.
#[derive(Debug, Clone)]
pub struct Registry {
    path: PathBuf,
    devices: Vec<RegisteredDevice>,
}

impl Registry {
    /// Loads the registry of a data directory (empty if the file does not exist yet).
    pub fn load(data_dir: &Path) -> Result<Self, RegistryError> {
        let path = data_dir.join(REGISTRY_FILE);
        let devices = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: File =
                    serde_json::from_slice(&bytes).map_err(|source| RegistryError::Corrupt {
                        path: path.clone(),
                        source,
                    })?;
                check_consistent(&file.devices).map_err(|reason| RegistryError::Inconsistent {
                    path: path.clone(),
                    reason,
                })?;
                file.devices
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(RegistryError::Io { path, source }),
        };
        Ok(Registry { path, devices })
    }

    /// Saves atomically (write a temporary file in the same directory, flush it to disk, then
    /// rename over the registry), creating the directory: a reader (the daemon following the
    /// file) sees the old or the new file, never half of one. The temporary name carries the
    /// process id, so the CLI and the daemon saving at once never share one.
    pub fn save(&self) -> Result<(), RegistryError> {
        let io = |source| RegistryError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = File {
            version: 1,
            devices: self.devices.clone(),
        };
        let text = serde_json::to_string_pretty(&file).expect("registry serialises");
        let tmp = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        let written = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(io)
    }

    /// The registered devices, in registration order.
    pub fn devices(&self) -> &[RegisteredDevice] {
        &self.devices
    }

    /// The device with this address.
    pub fn get(&self, address: Address) -> Option<&RegisteredDevice> {
        self.devices.iter().find(|d| d.address == address)
    }

    /// Adds or updates a device. Re-adding the same address changes its placement; a placement
    /// held by another device is refused.
    pub fn add(&mut self, device: RegisteredDevice) -> Result<(), RegistryError> {
        if let Some(other) = self
            .devices
            .iter()
            .find(|d| d.placement == device.placement && d.address != device.address)
        {
            return Err(RegistryError::PlacementTaken {
                placement: device.placement,
                address: other.address,
            });
        }
        match self
            .devices
            .iter_mut()
            .find(|d| d.address == device.address)
        {
            Some(d) => *d = device,
            None => self.devices.push(device),
        }
        Ok(())
    }

    /// Removes a device.
    pub fn remove(&mut self, address: Address) -> Result<RegisteredDevice, RegistryError> {
        let i = self
            .devices
            .iter()
            .position(|d| d.address == address)
            .ok_or(RegistryError::NotRegistered(address))?;
        Ok(self.devices.remove(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(last: u8, placement: Placement) -> RegisteredDevice {
        RegisteredDevice {
            address: Address([0xD4, 0x22, 0xCD, 0, 0, last]),
            vendor: Vendor::MovellaDot,
            placement,
            name: Some("Movella DOT".into()),
        }
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("steady-reg-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn persists_across_loads() {
        let dir = temp_dir("persist");
        let mut r = Registry::load(&dir).unwrap();
        assert!(r.devices().is_empty());
        r.add(dev(1, Placement::LeftShank)).unwrap();
        r.add(dev(2, Placement::LowerBack)).unwrap();
        r.save().unwrap();
        let text = std::fs::read_to_string(dir.join(REGISTRY_FILE)).unwrap();
        assert!(text.contains("\"D4:22:CD:00:00:01\""), "{text}");
        assert!(text.contains("\"left_shank\""), "{text}");
        let mut back = Registry::load(&dir).unwrap();
        assert_eq!(back.devices(), r.devices());
        back.remove(Address([0xD4, 0x22, 0xCD, 0, 0, 1])).unwrap();
        // An atomic replace: a reader that opened the old file keeps reading the old whole
        // file, and no temporary file is left behind.
        use std::io::Read;
        let mut open_before = std::fs::File::open(dir.join(REGISTRY_FILE)).unwrap();
        back.save().unwrap();
        let mut old = String::new();
        open_before.read_to_string(&mut old).unwrap();
        assert_eq!(
            old, text,
            "the old file was replaced, not rewritten in place"
        );
        assert_eq!(Registry::load(&dir).unwrap().devices().len(), 1);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [REGISTRY_FILE], "no temporary file left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn placement_conflicts_and_unknown_removal_are_errors() {
        let mut r = Registry::load(&temp_dir("conflict")).unwrap();
        r.add(dev(1, Placement::LeftShank)).unwrap();
        assert!(matches!(
            r.add(dev(2, Placement::LeftShank)),
            Err(RegistryError::PlacementTaken { .. })
        ));
        // Same device, new placement: an update, not a second entry.
        r.add(dev(1, Placement::RightShank)).unwrap();
        assert_eq!(r.devices().len(), 1);
        assert_eq!(r.devices()[0].placement, Placement::RightShank);
        assert!(matches!(
            r.remove(Address([9; 6])),
            Err(RegistryError::NotRegistered(_))
        ));
    }

    #[test]
    fn corrupt_file_is_a_typed_error() {
        let dir = temp_dir("corrupt");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(REGISTRY_FILE), b"{ not json").unwrap();
        assert!(matches!(
            Registry::load(&dir),
            Err(RegistryError::Corrupt { .. })
        ));
        // Valid JSON, but two devices at one placement (a hand edit): refused, saying which.
        let two = r#"{"version":1,"devices":[
            {"address":"D4:22:CD:00:00:01","vendor":"movella_dot","placement":"left_shank","name":null},
            {"address":"D4:22:CD:00:00:02","vendor":"movella_dot","placement":"left_shank","name":null}]}"#;
        std::fs::write(dir.join(REGISTRY_FILE), two).unwrap();
        let e = Registry::load(&dir).unwrap_err();
        assert!(matches!(e, RegistryError::Inconsistent { .. }), "{e}");
        assert!(
            e.to_string().contains("D4:22:CD:00:00:02") && e.to_string().contains("left_shank"),
            "{e}"
        );
        let twice = two.replace("00:00:02", "00:00:01").replace(
            r#""left_shank","name":null}]"#,
            r#""lower_back","name":null}]"#,
        );
        std::fs::write(dir.join(REGISTRY_FILE), twice).unwrap();
        let e = Registry::load(&dir).unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
