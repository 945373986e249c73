//! The simulated BlueZ state: one adapter, devices (present on the bus or not, advertising or
//! not, connected or not) and their GATT objects, as a state machine without I/O. Method
//! calls and test controls change it and queue [`Effect`]s (the D-Bus signals BlueZ would
//! send); [`crate::server`] turns effects into messages. Time comes in as `now_s`.
//!
//! Behaviour follows bluetoothd where btleplug depends on it (`shared/research/ble-testing.md`
//! §1): devices appear by `InterfacesAdded` while discovering, `Connect` ends with GATT objects
//! present and `ServicesResolved = true`, notifications are `PropertiesChanged(Value)` on the
//! characteristic, a link loss sends `ServicesResolved = false`, removes the GATT objects, then
//! `Connected = false`, and `StopNotify` without a session fails with "No notify session started".

use std::collections::BTreeSet;

use crate::device::{DeviceSpec, SimSensor, CCCD};
use crate::firmware::{FirmwareStatus, Out};
use crate::value::{uuid_string, Props, Uuid, Value};

/// Object path of the adapter.
pub const ADAPTER_PATH: &str = "/org/bluez/hci0";
/// `org.bluez.Adapter1`.
pub const ADAPTER_IFACE: &str = "org.bluez.Adapter1";
/// `org.bluez.Device1`.
pub const DEVICE_IFACE: &str = "org.bluez.Device1";
/// `org.bluez.GattService1`.
pub const SERVICE_IFACE: &str = "org.bluez.GattService1";
/// `org.bluez.GattCharacteristic1`.
pub const CHAR_IFACE: &str = "org.bluez.GattCharacteristic1";
/// `org.bluez.GattDescriptor1`.
pub const DESC_IFACE: &str = "org.bluez.GattDescriptor1";
/// Delay between discovery starting (or a device starting to advertise) and its object, s.
pub const ADVERT_DELAY_S: f64 = 0.02;

/// A D-Bus signal to emit.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `org.freedesktop.DBus.Properties.PropertiesChanged` on `path`.
    PropertiesChanged {
        /// Object.
        path: String,
        /// Interface whose properties changed.
        iface: &'static str,
        /// New values.
        changed: Props,
    },
    /// `ObjectManager.InterfacesAdded` on `/`.
    InterfacesAdded {
        /// New object.
        path: String,
        /// Its interfaces with all properties.
        ifaces: Vec<(&'static str, Props)>,
    },
    /// `ObjectManager.InterfacesRemoved` on `/`.
    InterfacesRemoved {
        /// Removed object.
        path: String,
        /// Its interfaces.
        ifaces: Vec<&'static str>,
    },
}

/// Errors a method call can return (names as bluetoothd uses them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BluezError {
    /// No such object (also: GATT objects of a disconnected device).
    #[error("Unknown object")]
    UnknownObject,
    /// No such method or property.
    #[error("unknown method or property {0}")]
    UnknownMethod(String),
    /// The operation failed (message as bluetoothd words it).
    #[error("{0}")]
    Failed(String),
    /// Arguments of the wrong type.
    #[error("invalid arguments: {0}")]
    InvalidArgs(String),
    /// The characteristic does not allow this.
    #[error("{0}")]
    NotPermitted(String),
    /// The adapter is off.
    #[error("Resource Not Ready")]
    NotReady,
}

impl BluezError {
    /// The D-Bus error name.
    pub fn name(&self) -> &'static str {
        match self {
            BluezError::UnknownObject => "org.freedesktop.DBus.Error.UnknownObject",
            BluezError::UnknownMethod(_) => "org.freedesktop.DBus.Error.UnknownMethod",
            BluezError::Failed(_) => "org.bluez.Error.Failed",
            BluezError::InvalidArgs(_) => "org.bluez.Error.InvalidArguments",
            BluezError::NotPermitted(_) => "org.bluez.Error.NotPermitted",
            BluezError::NotReady => "org.bluez.Error.NotReady",
        }
    }
}

/// One write the device received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// Characteristic UUID.
    pub uuid: Uuid,
    /// Bytes.
    pub value: Vec<u8>,
    /// Write request (true) or command (false), from the `type` option.
    pub with_response: bool,
}

/// What happened to one device, for test assertions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceLog {
    /// Every write, in order.
    pub writes: Vec<Write>,
    /// Successful `Connect` calls.
    pub connects: u32,
    /// Host `Disconnect` calls.
    pub host_disconnects: u32,
    /// Links dropped by the test (peripheral side).
    pub link_drops: u32,
    /// Refused `Connect` calls (out of range).
    pub refused_connects: u32,
    /// Notifications sent, per characteristic.
    pub notifications: Vec<(Uuid, u64)>,
    /// Notifications the firmware produced but the fault suppressed.
    pub suppressed: u64,
}

impl DeviceLog {
    /// Notifications sent on `uuid`.
    pub fn notifications_on(&self, uuid: Uuid) -> u64 {
        self.notifications
            .iter()
            .find(|(u, _)| *u == uuid)
            .map_or(0, |(_, n)| *n)
    }

    fn count(&mut self, uuid: Uuid) {
        match self.notifications.iter_mut().find(|(u, _)| *u == uuid) {
            Some((_, n)) => *n += 1,
            None => self.notifications.push((uuid, 1)),
        }
    }
}

struct Device {
    sensor: SimSensor,
    /// The Device1 object exists.
    present: bool,
    /// In range and advertising.
    advertising: bool,
    appear_at_s: Option<f64>,
    connected: bool,
    resolved: bool,
    /// Connect fails until then (out of range after a forced link loss).
    refuse_until_s: f64,
    notifying: BTreeSet<Uuid>,
    values: Vec<(Uuid, Vec<u8>)>,
    log: DeviceLog,
}

/// A GATT object of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gatt {
    Service(usize),
    Char(usize, usize),
    Desc(usize, usize),
}

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// A path prefix with children but no interfaces (`/`, `/org`, `/org/bluez`).
    Node,
    /// The adapter.
    Adapter,
    /// Device `i`.
    Device(usize),
    /// Service `s` of device `i`.
    Service(usize, usize),
    /// Characteristic `c` of service `s` of device `i`.
    Char(usize, usize, usize),
    /// The CCCD of characteristic `c` of service `s` of device `i`.
    Desc(usize, usize, usize),
}

/// The whole simulated stack.
pub struct World {
    powered: bool,
    discovering: BTreeSet<String>,
    devices: Vec<Device>,
    effects: Vec<Effect>,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

fn handle_paths(spec: &DeviceSpec, dev_path: &str) -> Vec<(Gatt, String)> {
    let mut out = Vec::new();
    let mut h = 0x000a_u32;
    for (s, svc) in spec.services.iter().enumerate() {
        let sp = format!("{dev_path}/service{h:04x}");
        out.push((Gatt::Service(s), sp.clone()));
        h += 1;
        for (c, ch) in svc.chars.iter().enumerate() {
            let cp = format!("{sp}/char{h:04x}");
            h += 2;
            out.push((Gatt::Char(s, c), cp.clone()));
            if ch.notifies() {
                out.push((Gatt::Desc(s, c), format!("{cp}/desc{h:04x}")));
                h += 1;
            }
        }
    }
    out
}

impl World {
    /// An empty world with a powered-off adapter (btleplug powers it on when it scans).
    pub fn new() -> World {
        World {
            powered: false,
            discovering: BTreeSet::new(),
            devices: Vec::new(),
            effects: Vec::new(),
        }
    }

    /// Adds a device (in range and advertising; it appears once discovery runs).
    pub fn add(&mut self, sensor: SimSensor, now_s: f64) -> usize {
        let values = sensor
            .spec
            .services
            .iter()
            .flat_map(|s| s.chars.iter())
            .map(|c| (c.uuid, c.value.clone()))
            .collect();
        self.devices.push(Device {
            sensor,
            present: false,
            advertising: true,
            appear_at_s: (!self.discovering.is_empty()).then_some(now_s + ADVERT_DELAY_S),
            connected: false,
            resolved: false,
            refuse_until_s: f64::NEG_INFINITY,
            notifying: BTreeSet::new(),
            values,
            log: DeviceLog::default(),
        });
        self.devices.len() - 1
    }

    /// Takes the queued effects.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The index of the device with this address.
    pub fn find(&self, address: [u8; 6]) -> Option<usize> {
        self.devices
            .iter()
            .position(|d| d.sensor.spec.address == address)
    }

    fn dev_path(&self, i: usize) -> String {
        self.devices[i].sensor.spec.path(ADAPTER_PATH)
    }

    fn gatt_paths(&self, i: usize) -> Vec<(Gatt, String)> {
        handle_paths(&self.devices[i].sensor.spec, &self.dev_path(i))
    }

    /// Resolves an object path.
    pub fn lookup(&self, path: &str) -> Option<Object> {
        match path {
            "/" | "/org" | "/org/bluez" => return Some(Object::Node),
            ADAPTER_PATH => return Some(Object::Adapter),
            _ => {}
        }
        for (i, d) in self.devices.iter().enumerate() {
            if !d.present {
                continue;
            }
            let dp = self.dev_path(i);
            if path == dp {
                return Some(Object::Device(i));
            }
            if d.connected && path.starts_with(&dp) {
                for (g, p) in self.gatt_paths(i) {
                    if p == path {
                        return Some(match g {
                            Gatt::Service(s) => Object::Service(i, s),
                            Gatt::Char(s, c) => Object::Char(i, s, c),
                            Gatt::Desc(s, c) => Object::Desc(i, s, c),
                        });
                    }
                }
            }
        }
        None
    }

    /// Every path that exists, with its interfaces and properties (GetManagedObjects).
    pub fn managed_objects(&self) -> Vec<(String, Vec<(&'static str, Props)>)> {
        let mut out = vec![(
            ADAPTER_PATH.to_string(),
            vec![(ADAPTER_IFACE, self.adapter_props())],
        )];
        for i in 0..self.devices.len() {
            if !self.devices[i].present {
                continue;
            }
            out.push((self.dev_path(i), vec![(DEVICE_IFACE, self.device_props(i))]));
            if self.devices[i].connected {
                for (g, p) in self.gatt_paths(i) {
                    out.push((p, vec![self.gatt_iface(i, g)]));
                }
            }
        }
        out
    }

    /// The immediate children of `path` (for Introspect).
    pub fn children(&self, path: &str) -> Vec<String> {
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        let mut all: Vec<String> = vec!["/org/bluez/hci0".to_string()];
        for (p, _) in self.managed_objects() {
            all.push(p);
        }
        let mut names = BTreeSet::new();
        for p in all {
            if let Some(rest) = p.strip_prefix(&prefix) {
                if let Some(first) = rest.split('/').next() {
                    if !first.is_empty() {
                        names.insert(first.to_string());
                    }
                }
            }
        }
        names.into_iter().collect()
    }

    /// The interfaces and properties of an object.
    pub fn interfaces(&self, obj: Object) -> Vec<(&'static str, Props)> {
        match obj {
            Object::Node => Vec::new(),
            Object::Adapter => vec![(ADAPTER_IFACE, self.adapter_props())],
            Object::Device(i) => vec![(DEVICE_IFACE, self.device_props(i))],
            Object::Service(i, s) => vec![self.gatt_iface(i, Gatt::Service(s))],
            Object::Char(i, s, c) => vec![self.gatt_iface(i, Gatt::Char(s, c))],
            Object::Desc(i, s, c) => vec![self.gatt_iface(i, Gatt::Desc(s, c))],
        }
    }

    fn adapter_props(&self) -> Props {
        vec![
            ("Address", Value::Str("00:1A:7D:DA:71:13".into())),
            ("AddressType", Value::Str("public".into())),
            ("Name", Value::Str("fake-bluez".into())),
            ("Alias", Value::Str("fake-bluez".into())),
            ("Class", Value::U32(0x000c_0104)),
            ("Powered", Value::Bool(self.powered)),
            ("Discoverable", Value::Bool(false)),
            ("Pairable", Value::Bool(true)),
            ("Discovering", Value::Bool(!self.discovering.is_empty())),
            ("UUIDs", Value::Strs(Vec::new())),
            ("Modalias", Value::Str("usb:v1D6Bp0246d0548".into())),
        ]
    }

    fn device_props(&self, i: usize) -> Props {
        let d = &self.devices[i];
        let spec = &d.sensor.spec;
        let mut p: Props = vec![
            ("Address", Value::Str(spec.address_string())),
            ("AddressType", Value::Str(spec.address_type.into())),
        ];
        if let Some(name) = &spec.name {
            p.push(("Name", Value::Str(name.clone())));
            p.push(("Alias", Value::Str(name.clone())));
        } else {
            p.push(("Alias", Value::Str(spec.address_string().replace(':', "-"))));
        }
        p.extend([
            ("Paired", Value::Bool(false)),
            ("Bonded", Value::Bool(false)),
            ("Trusted", Value::Bool(false)),
            ("Blocked", Value::Bool(false)),
            ("LegacyPairing", Value::Bool(false)),
            ("Connected", Value::Bool(d.connected)),
            ("ServicesResolved", Value::Bool(d.resolved)),
            ("Adapter", Value::Path(ADAPTER_PATH.into())),
        ]);
        if d.advertising {
            p.push(("RSSI", Value::I16(spec.rssi_dbm)));
        }
        let mut uuids: Vec<String> = spec.advertised.iter().map(|u| uuid_string(*u)).collect();
        if d.resolved {
            for s in &spec.services {
                let u = uuid_string(s.uuid);
                if !uuids.contains(&u) {
                    uuids.push(u);
                }
            }
        }
        p.push(("UUIDs", Value::Strs(uuids)));
        if !spec.manufacturer_data.is_empty() {
            p.push((
                "ManufacturerData",
                Value::ManufacturerData(spec.manufacturer_data.clone()),
            ));
        }
        if !spec.service_data.is_empty() {
            p.push((
                "ServiceData",
                Value::ServiceData(
                    spec.service_data
                        .iter()
                        .map(|(u, v)| (uuid_string(*u), v.clone()))
                        .collect(),
                ),
            ));
        }
        p
    }

    fn path_of(&self, i: usize, g: Gatt) -> String {
        self.gatt_paths(i)
            .into_iter()
            .find(|(x, _)| *x == g)
            .map(|(_, p)| p)
            .unwrap_or_default()
    }

    fn gatt_iface(&self, i: usize, g: Gatt) -> (&'static str, Props) {
        let d = &self.devices[i];
        let spec = &d.sensor.spec;
        match g {
            Gatt::Service(s) => (
                SERVICE_IFACE,
                vec![
                    ("UUID", Value::Str(uuid_string(spec.services[s].uuid))),
                    ("Primary", Value::Bool(true)),
                    ("Device", Value::Path(self.dev_path(i))),
                ],
            ),
            Gatt::Char(s, c) => {
                let ch = &spec.services[s].chars[c];
                (
                    CHAR_IFACE,
                    vec![
                        ("UUID", Value::Str(uuid_string(ch.uuid))),
                        ("Service", Value::Path(self.path_of(i, Gatt::Service(s)))),
                        ("Value", Value::Bytes(self.value(i, ch.uuid))),
                        ("Notifying", Value::Bool(d.notifying.contains(&ch.uuid))),
                        (
                            "Flags",
                            Value::Strs(ch.flags.iter().map(|f| f.to_string()).collect()),
                        ),
                        ("MTU", Value::U16(spec.mtu)),
                    ],
                )
            }
            Gatt::Desc(s, c) => (
                DESC_IFACE,
                vec![
                    ("UUID", Value::Str(uuid_string(CCCD))),
                    (
                        "Characteristic",
                        Value::Path(self.path_of(i, Gatt::Char(s, c))),
                    ),
                    ("Value", Value::Bytes(Vec::new())),
                ],
            ),
        }
    }

    fn value(&self, i: usize, uuid: Uuid) -> Vec<u8> {
        self.devices[i]
            .values
            .iter()
            .find(|(u, _)| *u == uuid)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn set_value(&mut self, i: usize, uuid: Uuid, v: Vec<u8>) {
        match self.devices[i].values.iter_mut().find(|(u, _)| *u == uuid) {
            Some((_, x)) => *x = v,
            None => self.devices[i].values.push((uuid, v)),
        }
    }

    fn dev_changed(&mut self, i: usize, changed: Props) {
        let path = self.dev_path(i);
        self.effects.push(Effect::PropertiesChanged {
            path,
            iface: DEVICE_IFACE,
            changed,
        });
    }

    fn adapter_changed(&mut self, changed: Props) {
        self.effects.push(Effect::PropertiesChanged {
            path: ADAPTER_PATH.into(),
            iface: ADAPTER_IFACE,
            changed,
        });
    }

    // ---- adapter methods ----

    /// `Properties.Set` on the adapter (only `Powered` is writable here).
    pub fn set_adapter_property(&mut self, name: &str, value: &Value) -> Result<(), BluezError> {
        match (name, value) {
            ("Powered", Value::Bool(on)) => {
                if self.powered != *on {
                    self.powered = *on;
                    self.adapter_changed(vec![("Powered", Value::Bool(*on))]);
                }
                Ok(())
            }
            ("Powered", _) => Err(BluezError::InvalidArgs("Powered is a boolean".into())),
            ("Alias" | "Discoverable" | "Pairable", _) => Ok(()),
            _ => Err(BluezError::UnknownMethod(name.into())),
        }
    }

    /// `Adapter1.StartDiscovery` from client `sender`.
    pub fn start_discovery(&mut self, sender: &str, now_s: f64) -> Result<(), BluezError> {
        if !self.powered {
            return Err(BluezError::NotReady);
        }
        let first = self.discovering.is_empty();
        if !self.discovering.insert(sender.to_string()) {
            return Err(BluezError::Failed("Operation already in progress".into()));
        }
        if first {
            self.adapter_changed(vec![("Discovering", Value::Bool(true))]);
        }
        for d in &mut self.devices {
            if d.advertising && !d.present && d.appear_at_s.is_none() {
                d.appear_at_s = Some(now_s + ADVERT_DELAY_S);
            }
        }
        Ok(())
    }

    /// `Adapter1.StopDiscovery` from client `sender`.
    pub fn stop_discovery(&mut self, sender: &str) -> Result<(), BluezError> {
        if !self.discovering.remove(sender) {
            return Err(BluezError::Failed("No discovery started".into()));
        }
        if self.discovering.is_empty() {
            self.adapter_changed(vec![("Discovering", Value::Bool(false))]);
        }
        Ok(())
    }

    /// A client left the bus: its discovery session ends (as bluetoothd does).
    pub fn client_gone(&mut self, sender: &str) {
        let _ = self.stop_discovery(sender);
    }

    // ---- device methods ----

    /// `Device1.Connect`.
    pub fn connect(&mut self, i: usize, now_s: f64) -> Result<(), BluezError> {
        let d = &mut self.devices[i];
        if d.connected {
            return Ok(());
        }
        if !d.advertising || now_s < d.refuse_until_s {
            d.log.refused_connects += 1;
            return Err(BluezError::Failed("le-connection-abort-by-local".into()));
        }
        d.connected = true;
        d.log.connects += 1;
        d.sensor.firmware.on_connect(now_s);
        self.dev_changed(i, vec![("Connected", Value::Bool(true))]);
        for (g, path) in self.gatt_paths(i) {
            let iface = self.gatt_iface(i, g);
            self.effects.push(Effect::InterfacesAdded {
                path,
                ifaces: vec![iface],
            });
        }
        self.devices[i].resolved = true;
        let uuids = match self
            .device_props(i)
            .into_iter()
            .find(|(n, _)| *n == "UUIDs")
        {
            Some((_, v)) => v,
            None => Value::Strs(Vec::new()),
        };
        self.dev_changed(
            i,
            vec![("UUIDs", uuids), ("ServicesResolved", Value::Bool(true))],
        );
        Ok(())
    }

    /// `Device1.Disconnect` (host side).
    pub fn disconnect(&mut self, i: usize, now_s: f64) {
        if self.devices[i].connected {
            self.devices[i].log.host_disconnects += 1;
            self.link_down(i, now_s);
        }
    }

    fn link_down(&mut self, i: usize, now_s: f64) {
        if !self.devices[i].connected {
            return;
        }
        self.devices[i].sensor.firmware.on_link_down(now_s);
        self.devices[i].notifying.clear();
        self.devices[i].resolved = false;
        self.dev_changed(i, vec![("ServicesResolved", Value::Bool(false))]);
        let mut gatt = self.gatt_paths(i);
        gatt.reverse();
        for (g, path) in gatt {
            let iface = match g {
                Gatt::Service(_) => SERVICE_IFACE,
                Gatt::Char(..) => CHAR_IFACE,
                Gatt::Desc(..) => DESC_IFACE,
            };
            self.effects.push(Effect::InterfacesRemoved {
                path,
                ifaces: vec![iface],
            });
        }
        self.devices[i].connected = false;
        self.dev_changed(i, vec![("Connected", Value::Bool(false))]);
    }

    // ---- GATT methods ----

    fn char_spec(&self, i: usize, s: usize, c: usize) -> &crate::device::CharSpec {
        &self.devices[i].sensor.spec.services[s].chars[c]
    }

    /// `GattCharacteristic1.StartNotify`.
    pub fn start_notify(
        &mut self,
        i: usize,
        s: usize,
        c: usize,
        now_s: f64,
    ) -> Result<(), BluezError> {
        let ch = self.char_spec(i, s, c);
        if !ch.notifies() {
            return Err(BluezError::NotPermitted("Notify not supported".into()));
        }
        let uuid = ch.uuid;
        if self.devices[i].notifying.insert(uuid) {
            self.notifying_changed(i, s, c, uuid, true, now_s);
        }
        Ok(())
    }

    /// Announces a characteristic's new `Notifying` state and tells the firmware.
    fn notifying_changed(
        &mut self,
        i: usize,
        s: usize,
        c: usize,
        uuid: Uuid,
        on: bool,
        now_s: f64,
    ) {
        let path = self.path_of(i, Gatt::Char(s, c));
        self.effects.push(Effect::PropertiesChanged {
            path,
            iface: CHAR_IFACE,
            changed: vec![("Notifying", Value::Bool(on))],
        });
        let mut out = Out::new();
        self.devices[i]
            .sensor
            .firmware
            .on_notify(now_s, uuid, on, &mut out);
        self.deliver(i, out);
    }

    /// `GattCharacteristic1.StopNotify`.
    pub fn stop_notify(
        &mut self,
        i: usize,
        s: usize,
        c: usize,
        now_s: f64,
    ) -> Result<(), BluezError> {
        let uuid = self.char_spec(i, s, c).uuid;
        if !self.devices[i].notifying.remove(&uuid) {
            return Err(BluezError::Failed("No notify session started".into()));
        }
        self.notifying_changed(i, s, c, uuid, false, now_s);
        Ok(())
    }

    /// `GattCharacteristic1.ReadValue`.
    pub fn read_value(
        &mut self,
        i: usize,
        s: usize,
        c: usize,
        now_s: f64,
    ) -> Result<Vec<u8>, BluezError> {
        let ch = self.char_spec(i, s, c);
        if !ch.has("read") {
            return Err(BluezError::NotPermitted("Read not permitted".into()));
        }
        let uuid = ch.uuid;
        let v = match self.devices[i].sensor.firmware.on_read(now_s, uuid) {
            Some(v) => v,
            None => self.value(i, uuid),
        };
        Ok(v)
    }

    /// `GattCharacteristic1.WriteValue`.
    pub fn write_value(
        &mut self,
        i: usize,
        s: usize,
        c: usize,
        value: Vec<u8>,
        with_response: bool,
        now_s: f64,
    ) -> Result<(), BluezError> {
        let ch = self.char_spec(i, s, c);
        let allowed = if with_response {
            ch.has("write")
        } else {
            ch.has("write-without-response") || ch.has("write")
        };
        if !allowed {
            return Err(BluezError::NotPermitted("Write not permitted".into()));
        }
        let uuid = ch.uuid;
        self.devices[i].log.writes.push(Write {
            uuid,
            value: value.clone(),
            with_response,
        });
        let mut out = Out::new();
        self.devices[i]
            .sensor
            .firmware
            .on_write(now_s, uuid, &value, &mut out);
        self.set_value(i, uuid, value);
        self.deliver(i, out);
        Ok(())
    }

    /// The CCCD value of a characteristic (`01 00` while notifying).
    pub fn read_descriptor(&self, i: usize, s: usize, c: usize) -> Vec<u8> {
        let uuid = self.char_spec(i, s, c).uuid;
        vec![u8::from(self.devices[i].notifying.contains(&uuid)), 0]
    }

    fn deliver(&mut self, i: usize, out: Out) {
        for (uuid, bytes) in out {
            self.notify(i, uuid, bytes);
        }
    }

    /// Sends one notification if the link is up and notifications are on; returns whether
    /// it went out.
    fn notify(&mut self, i: usize, uuid: Uuid, bytes: Vec<u8>) -> bool {
        let d = &self.devices[i];
        if !d.connected || !d.notifying.contains(&uuid) {
            return false;
        }
        if d.sensor.silent {
            self.devices[i].log.suppressed += 1;
            return false;
        }
        let Some((g, path)) = self.gatt_paths(i).into_iter().find(|(g, _)| match g {
            Gatt::Char(s, c) => self.char_spec(i, *s, *c).uuid == uuid,
            _ => false,
        }) else {
            return false;
        };
        let _ = g;
        self.devices[i].log.count(uuid);
        self.set_value(i, uuid, bytes.clone());
        self.effects.push(Effect::PropertiesChanged {
            path,
            iface: CHAR_IFACE,
            changed: vec![("Value", Value::Bytes(bytes))],
        });
        true
    }

    /// Advances time: devices appear, firmware produces what is due.
    pub fn tick(&mut self, now_s: f64) {
        let discovering = !self.discovering.is_empty();
        for i in 0..self.devices.len() {
            let d = &mut self.devices[i];
            if let Some(at) = d.appear_at_s {
                if now_s >= at && discovering && d.advertising && !d.present {
                    d.present = true;
                    d.appear_at_s = None;
                    let path = self.dev_path(i);
                    let props = self.device_props(i);
                    self.effects.push(Effect::InterfacesAdded {
                        path,
                        ifaces: vec![(DEVICE_IFACE, props)],
                    });
                }
            }
            if self.devices[i].connected {
                let mut out = Out::new();
                self.devices[i].sensor.firmware.poll(now_s, &mut out);
                self.deliver(i, out);
            }
        }
    }

    // ---- test controls ----

    /// Drops the link from the peripheral side; the device refuses connections for `outage_s`.
    pub fn drop_link(&mut self, i: usize, outage_s: f64, now_s: f64) {
        self.devices[i].log.link_drops += 1;
        self.devices[i].refuse_until_s = now_s + outage_s;
        self.link_down(i, now_s);
    }

    /// The device goes away: link down, advertising stops, its object is removed.
    pub fn remove(&mut self, i: usize, now_s: f64) {
        self.link_down(i, now_s);
        let d = &mut self.devices[i];
        d.advertising = false;
        d.appear_at_s = None;
        if d.present {
            d.present = false;
            let path = self.dev_path(i);
            self.effects.push(Effect::InterfacesRemoved {
                path,
                ifaces: vec![
                    "org.freedesktop.DBus.Properties",
                    "org.freedesktop.DBus.Introspectable",
                    DEVICE_IFACE,
                ],
            });
        }
    }

    /// The device advertises again (it reappears while discovery runs).
    pub fn advertise(&mut self, i: usize, now_s: f64) {
        let d = &mut self.devices[i];
        d.advertising = true;
        d.refuse_until_s = f64::NEG_INFINITY;
        if !d.present {
            d.appear_at_s = Some(now_s + ADVERT_DELAY_S);
        }
    }

    /// Sends arbitrary bytes as a notification of `uuid` (e.g. a malformed frame).
    pub fn inject(&mut self, i: usize, uuid: Uuid, bytes: Vec<u8>) -> bool {
        self.notify(i, uuid, bytes)
    }

    /// The device's log.
    pub fn log(&self, i: usize) -> DeviceLog {
        self.devices[i].log.clone()
    }

    /// The device's firmware status.
    pub fn firmware_status(&self, i: usize) -> FirmwareStatus {
        self.devices[i].sensor.firmware.status()
    }

    /// Whether the device is connected.
    pub fn is_connected(&self, i: usize) -> bool {
        self.devices[i].connected
    }

    /// Whether the device's object exists on the bus.
    pub fn is_present(&self, i: usize) -> bool {
        self.devices[i].present
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Family;
    use steady_protocol::vendors::witmotion::{NOTIFY_UUID, WRITE_UUID};

    fn world_with_witmotion() -> (World, usize) {
        let mut w = World::new();
        let i = w.add(
            SimSensor::new(Family::WitMotion, [0xE1, 0, 0, 0, 0, 1], 0),
            0.0,
        );
        w.set_adapter_property("Powered", &Value::Bool(true))
            .unwrap();
        (w, i)
    }

    fn char_of(w: &World, i: usize, uuid: Uuid) -> (usize, usize) {
        let spec = &w.devices[i].sensor.spec;
        for (s, svc) in spec.services.iter().enumerate() {
            for (c, ch) in svc.chars.iter().enumerate() {
                if ch.uuid == uuid {
                    return (s, c);
                }
            }
        }
        panic!("no char");
    }

    #[test]
    fn device_appears_only_while_discovering() {
        let (mut w, i) = world_with_witmotion();
        w.tick(1.0);
        assert!(!w.is_present(i));
        w.start_discovery(":1.5", 1.0).unwrap();
        w.tick(1.0 + ADVERT_DELAY_S / 2.0);
        assert!(!w.is_present(i));
        w.tick(1.0 + ADVERT_DELAY_S);
        assert!(w.is_present(i));
        let added = w
            .take_effects()
            .into_iter()
            .filter(|e| matches!(e, Effect::InterfacesAdded { .. }))
            .count();
        assert_eq!(added, 1);
        assert!(
            w.stop_discovery(":1.6").is_err(),
            "not this client's session"
        );
    }

    #[test]
    fn link_loss_follows_bluetoothd_order_and_stops_the_stream() {
        let (mut w, i) = world_with_witmotion();
        w.start_discovery(":1.5", 0.0).unwrap();
        w.tick(0.1);
        w.connect(i, 0.1).unwrap();
        let (s, c) = char_of(&w, i, NOTIFY_UUID);
        assert!(w.lookup(&w.path_of(i, Gatt::Char(s, c))).is_some());
        w.start_notify(i, s, c, 0.105).unwrap();
        w.tick(1.105);
        // Factory rate 10 Hz over 1 s → 10 frames.
        assert_eq!(w.log(i).notifications_on(NOTIFY_UUID), 10);
        w.take_effects();
        w.drop_link(i, 1.0, 1.105);
        let fx = w.take_effects();
        let first = &fx[0];
        let last = fx.last().unwrap();
        assert!(
            matches!(first, Effect::PropertiesChanged { changed, .. } if changed[0].0 == "ServicesResolved")
        );
        assert!(
            matches!(last, Effect::PropertiesChanged { changed, .. } if changed[0].0 == "Connected")
        );
        assert!(fx[1..fx.len() - 1]
            .iter()
            .all(|e| matches!(e, Effect::InterfacesRemoved { .. })));
        assert!(
            w.lookup(&w.path_of(i, Gatt::Char(s, c))).is_none(),
            "GATT gone"
        );
        w.tick(2.0);
        assert_eq!(
            w.log(i).notifications_on(NOTIFY_UUID),
            10,
            "nothing while down"
        );
        assert!(w.connect(i, 1.5).is_err(), "out of range");
        w.connect(i, 2.2).unwrap();
        assert_eq!(
            w.stop_notify(i, s, c, 2.2),
            Err(BluezError::Failed("No notify session started".into()))
        );
    }

    #[test]
    fn witmotion_rate_needs_unlock() {
        let (mut w, i) = world_with_witmotion();
        w.start_discovery(":1.5", 0.0).unwrap();
        w.tick(0.1);
        w.connect(i, 0.1).unwrap();
        let (s, c) = char_of(&w, i, WRITE_UUID);
        w.write_value(i, s, c, vec![0xFF, 0xAA, 0x03, 0x0B, 0x00], false, 0.1)
            .unwrap();
        assert_eq!(w.firmware_status(i).rate_hz, 10.0, "locked: ignored");
        w.write_value(i, s, c, vec![0xFF, 0xAA, 0x69, 0x88, 0xB5], false, 0.2)
            .unwrap();
        w.write_value(i, s, c, vec![0xFF, 0xAA, 0x03, 0x0B, 0x00], false, 0.3)
            .unwrap();
        assert_eq!(w.firmware_status(i).rate_hz, 200.0);
        assert_eq!(w.log(i).writes.len(), 3);
    }
}
