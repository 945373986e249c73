//! What a simulated device looks like from the host: advertisement and GATT table
//! ([`DeviceSpec`]), plus its firmware ([`SimSensor`]), with one constructor per vendor.

use crate::firmware::{self, DeviceClock, Firmware};
use crate::value::{sig_uuid, Uuid};

/// Client Characteristic Configuration descriptor 0x2902.
pub const CCCD: Uuid = sig_uuid(0x2902);
/// Battery Service 0x180F.
pub const BATTERY_SERVICE: Uuid = sig_uuid(0x180F);
/// Battery Level 0x2A19.
pub const BATTERY_LEVEL: Uuid = sig_uuid(0x2A19);

/// One characteristic of the GATT table.
#[derive(Debug, Clone, PartialEq)]
pub struct CharSpec {
    /// UUID.
    pub uuid: Uuid,
    /// BlueZ flags ("read", "write", "write-without-response", "notify", "indicate").
    pub flags: Vec<&'static str>,
    /// Initial value (what a read returns unless the firmware answers).
    pub value: Vec<u8>,
}

impl CharSpec {
    /// A characteristic with `flags`; notify/indicate ones get a CCCD descriptor.
    pub fn new(uuid: Uuid, flags: &[&'static str]) -> Self {
        CharSpec {
            uuid,
            flags: flags.to_vec(),
            value: Vec::new(),
        }
    }

    /// With an initial value.
    pub fn with_value(mut self, value: &[u8]) -> Self {
        self.value = value.to_vec();
        self
    }

    /// Whether the flag is present.
    pub fn has(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    /// Whether notifications (or indications) can be enabled.
    pub fn notifies(&self) -> bool {
        self.has("notify") || self.has("indicate")
    }
}

/// One primary service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    /// UUID.
    pub uuid: Uuid,
    /// Its characteristics.
    pub chars: Vec<CharSpec>,
}

/// Advertisement and GATT table of a device.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSpec {
    /// Address, most significant byte first (as written `AA:BB:…`).
    pub address: [u8; 6],
    /// "public" or "random".
    pub address_type: &'static str,
    /// Advertised local name.
    pub name: Option<String>,
    /// Signal strength, dBm.
    pub rssi_dbm: i16,
    /// Advertised service UUIDs.
    pub advertised: Vec<Uuid>,
    /// Manufacturer data by company id.
    pub manufacturer_data: Vec<(u16, Vec<u8>)>,
    /// Service data by UUID.
    pub service_data: Vec<(Uuid, Vec<u8>)>,
    /// ATT MTU reported on characteristics.
    pub mtu: u16,
    /// GATT services.
    pub services: Vec<ServiceSpec>,
}

impl DeviceSpec {
    /// The characteristic with this UUID.
    pub fn char(&self, uuid: Uuid) -> Option<&CharSpec> {
        self.services
            .iter()
            .flat_map(|s| s.chars.iter())
            .find(|c| c.uuid == uuid)
    }

    /// BlueZ object path under `adapter`.
    pub fn path(&self, adapter: &str) -> String {
        let a = self.address;
        format!(
            "{adapter}/dev_{:02X}_{:02X}_{:02X}_{:02X}_{:02X}_{:02X}",
            a[0], a[1], a[2], a[3], a[4], a[5]
        )
    }

    /// The address as text `AA:BB:CC:DD:EE:FF`.
    pub fn address_string(&self) -> String {
        let a = self.address;
        format!(
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            a[0], a[1], a[2], a[3], a[4], a[5]
        )
    }
}

/// The sensor families the fake can simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// steady's own reference firmware (`steady_protocol`).
    Steady,
    /// WitMotion BLE 5.0 (WT901BLECL 5.0 / BWT901BLECL5.0 / WT9011DCL).
    WitMotion,
    /// Movella DOT (rate quantities).
    MovellaDot,
    /// MbientLab MetaMotion (BMI160).
    MetaWear,
    /// Polar Verity Sense (PMD ACC + GYRO, SDK mode rates).
    PolarVeritySense,
    /// Nordic Thingy:52 (raw motion).
    Thingy52,
    /// Not an IMU (see [`SimSensor::stranger`]).
    Stranger,
}

impl Family {
    /// Every IMU family.
    pub const ALL: [Family; 6] = [
        Family::Steady,
        Family::WitMotion,
        Family::MovellaDot,
        Family::MetaWear,
        Family::PolarVeritySense,
        Family::Thingy52,
    ];
}

/// A simulated device: its spec, its firmware, and whether it ever sends data.
pub struct SimSensor {
    /// Family.
    pub family: Family,
    /// Advertisement and GATT table.
    pub spec: DeviceSpec,
    /// Behaviour.
    pub firmware: Box<dyn Firmware>,
    /// Fault: accepts connection, subscription and configuration but never notifies.
    pub silent: bool,
}

impl std::fmt::Debug for SimSensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimSensor")
            .field("family", &self.family)
            .field("address", &self.spec.address_string())
            .field("silent", &self.silent)
            .finish()
    }
}

impl SimSensor {
    /// A sensor of `family` at `address`; `index` picks which simulated body sensor drives it
    /// and staggers its device clock.
    pub fn new(family: Family, address: [u8; 6], index: usize) -> SimSensor {
        let clock = DeviceClock::staggered(index);
        let (spec, firmware): (DeviceSpec, Box<dyn Firmware>) = match family {
            Family::Steady => firmware::steady::sensor(address, index, clock),
            Family::WitMotion => firmware::witmotion::sensor(address, index, clock),
            Family::MovellaDot => firmware::dot::sensor(address, index, clock),
            Family::MetaWear => firmware::metawear::sensor(address, index, clock),
            Family::PolarVeritySense => firmware::polar::sensor(address, index, clock),
            Family::Thingy52 => firmware::thingy::sensor(address, index, clock),
            Family::Stranger => return SimSensor::stranger(address, "Galaxy Buds"),
        };
        SimSensor {
            family,
            spec,
            firmware,
            silent: false,
        }
    }

    /// A device that is not an IMU (earbuds with only a Battery Service): a scan must leave
    /// it out and nothing may connect to it.
    pub fn stranger(address: [u8; 6], name: &str) -> SimSensor {
        let mut spec = base_spec(address, name, vec![battery_service(50)]);
        spec.advertised = vec![BATTERY_SERVICE];
        spec.manufacturer_data = vec![(0x0075, vec![0x42, 0x04])];
        SimSensor {
            family: Family::Stranger,
            spec,
            firmware: Box::new(firmware::Inert),
            silent: false,
        }
    }

    /// The same sensor with the "never streams" fault.
    pub fn silent(mut self) -> SimSensor {
        self.silent = true;
        self
    }
}

/// The spec skeleton every constructor fills in.
pub(crate) fn base_spec(address: [u8; 6], name: &str, services: Vec<ServiceSpec>) -> DeviceSpec {
    DeviceSpec {
        address,
        address_type: "random",
        name: Some(name.to_string()),
        rssi_dbm: -58,
        advertised: Vec::new(),
        manufacturer_data: Vec::new(),
        service_data: Vec::new(),
        mtu: 23,
        services,
    }
}

/// Battery Service with a readable, notifying Battery Level.
pub(crate) fn battery_service(percent: u8) -> ServiceSpec {
    ServiceSpec {
        uuid: BATTERY_SERVICE,
        chars: vec![CharSpec::new(BATTERY_LEVEL, &["read", "notify"]).with_value(&[percent])],
    }
}
