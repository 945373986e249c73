//! The D-Bus side: one thread owns a private connection that holds the name `org.bluez`,
//! dispatches method calls to the [`World`] by hand (ObjectManager, Properties,
//! Introspectable with child nodes, Adapter1, Device1, GattCharacteristic1,
//! GattDescriptor1), and emits the world's effects as signals. It polls the world every
//! millisecond, which is what paces the simulated sensors' notifications.

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use dbus::arg::{PropMap, RefArg, Variant};
use dbus::channel::Channel;
use dbus::message::MessageType;
use dbus::strings::ErrorName;
use dbus::Message;

use crate::value::{Props, Value};
use crate::world::{
    BluezError, Effect, Object, World, ADAPTER_IFACE, CHAR_IFACE, DESC_IFACE, DEVICE_IFACE,
};

const PROPS_IFACE: &str = "org.freedesktop.DBus.Properties";
const OM_IFACE: &str = "org.freedesktop.DBus.ObjectManager";
const INTROSPECT_IFACE: &str = "org.freedesktop.DBus.Introspectable";

fn refarg(v: &Value) -> Box<dyn RefArg> {
    match v {
        Value::Bool(b) => Box::new(*b),
        Value::Str(s) => Box::new(s.clone()),
        Value::I16(x) => Box::new(*x),
        Value::U16(x) => Box::new(*x),
        Value::U32(x) => Box::new(*x),
        Value::Strs(v) => Box::new(v.clone()),
        Value::Bytes(b) => Box::new(b.clone()),
        Value::Path(p) => Box::new(dbus::Path::new(p.clone()).unwrap_or_default()),
        Value::ManufacturerData(m) => {
            let map: HashMap<u16, Variant<Box<dyn RefArg>>> = m
                .iter()
                .map(|(k, v)| (*k, Variant(Box::new(v.clone()) as Box<dyn RefArg>)))
                .collect();
            Box::new(map)
        }
        Value::ServiceData(m) => {
            let map: HashMap<String, Variant<Box<dyn RefArg>>> = m
                .iter()
                .map(|(k, v)| (k.clone(), Variant(Box::new(v.clone()) as Box<dyn RefArg>)))
                .collect();
            Box::new(map)
        }
    }
}

fn propmap(props: &Props) -> PropMap {
    props
        .iter()
        .map(|(k, v)| (k.to_string(), Variant(refarg(v))))
        .collect()
}

fn ifaces_map(ifaces: &[(&'static str, Props)]) -> HashMap<String, PropMap> {
    ifaces
        .iter()
        .map(|(i, p)| (i.to_string(), propmap(p)))
        .collect()
}

fn opath(p: &str) -> dbus::Path<'static> {
    dbus::Path::new(p.to_string()).unwrap_or_default()
}

fn signal(e: Effect) -> Option<Message> {
    match e {
        Effect::PropertiesChanged {
            path,
            iface,
            changed,
        } => Message::new_signal(path, PROPS_IFACE, "PropertiesChanged")
            .ok()
            .map(|m| m.append3(iface, propmap(&changed), Vec::<String>::new())),
        Effect::InterfacesAdded { path, ifaces } => {
            Message::new_signal("/", OM_IFACE, "InterfacesAdded")
                .ok()
                .map(|m| m.append2(opath(&path), ifaces_map(&ifaces)))
        }
        Effect::InterfacesRemoved { path, ifaces } => {
            Message::new_signal("/", OM_IFACE, "InterfacesRemoved")
                .ok()
                .map(|m| {
                    let names: Vec<String> = ifaces.iter().map(|s| s.to_string()).collect();
                    m.append2(opath(&path), names)
                })
        }
    }
}

fn introspect_xml(ifaces: &[&str], children: &[String]) -> String {
    let mut x = String::from(
        "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\" \
         \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n\
         <interface name=\"org.freedesktop.DBus.Introspectable\"><method name=\"Introspect\">\
         <arg name=\"xml\" type=\"s\" direction=\"out\"/></method></interface>\n\
         <interface name=\"org.freedesktop.DBus.Properties\"/>\n",
    );
    for i in ifaces {
        x.push_str(&format!("<interface name=\"{i}\"/>\n"));
    }
    for c in children {
        x.push_str(&format!("<node name=\"{c}\"/>\n"));
    }
    x.push_str("</node>\n");
    x
}

fn bad_args(e: impl std::fmt::Display) -> BluezError {
    BluezError::InvalidArgs(e.to_string())
}

fn value_from_variant(v: &Variant<Box<dyn RefArg>>) -> Value {
    if let Some(b) = v.0.as_any().downcast_ref::<bool>() {
        return Value::Bool(*b);
    }
    match v.0.as_str() {
        Some(s) => Value::Str(s.to_string()),
        None => Value::U32(v.0.as_u64().unwrap_or(0) as u32),
    }
}

/// Answers one method call (effects it causes are queued in the world).
fn dispatch(msg: &Message, w: &mut World, now_s: f64) -> Result<Message, BluezError> {
    let path = msg.path().map(|p| p.to_string()).unwrap_or_default();
    let iface = msg.interface().map(|i| i.to_string()).unwrap_or_default();
    let member = msg.member().map(|m| m.to_string()).unwrap_or_default();
    let obj = w.lookup(&path).ok_or(BluezError::UnknownObject)?;
    let ret = || msg.method_return();
    match (iface.as_str(), member.as_str()) {
        (INTROSPECT_IFACE, "Introspect") => {
            let mut names: Vec<&str> = w.interfaces(obj).iter().map(|(n, _)| *n).collect();
            if path == "/" {
                names.push(OM_IFACE);
            }
            Ok(ret().append1(introspect_xml(&names, &w.children(&path))))
        }
        ("org.freedesktop.DBus.Peer", "Ping") => Ok(ret()),
        (OM_IFACE, "GetManagedObjects") if path == "/" => {
            let tree: HashMap<dbus::Path<'static>, HashMap<String, PropMap>> = w
                .managed_objects()
                .into_iter()
                .map(|(p, i)| (opath(&p), ifaces_map(&i)))
                .collect();
            Ok(ret().append1(tree))
        }
        (PROPS_IFACE, "GetAll") => {
            let want: String = msg.read1().map_err(bad_args)?;
            let props = w
                .interfaces(obj)
                .into_iter()
                .find(|(n, _)| *n == want)
                .map(|(_, p)| p)
                .unwrap_or_default();
            Ok(ret().append1(propmap(&props)))
        }
        (PROPS_IFACE, "Get") => {
            let (want, name): (String, String) = msg.read2().map_err(bad_args)?;
            let value = w
                .interfaces(obj)
                .into_iter()
                .find(|(n, _)| *n == want)
                .and_then(|(_, p)| p.into_iter().find(|(n, _)| *n == name))
                .map(|(_, v)| v)
                .ok_or_else(|| BluezError::UnknownMethod(format!("{want}.{name}")))?;
            Ok(ret().append1(Variant(refarg(&value))))
        }
        (PROPS_IFACE, "Set") => {
            let (want, name, v): (String, String, Variant<Box<dyn RefArg>>) =
                msg.read3().map_err(bad_args)?;
            match (obj, want.as_str()) {
                (Object::Adapter, ADAPTER_IFACE) => {
                    w.set_adapter_property(&name, &value_from_variant(&v))?;
                    Ok(ret())
                }
                // Trusted / Alias on devices: accepted, not modelled.
                (Object::Device(_), DEVICE_IFACE) => Ok(ret()),
                _ => Err(BluezError::NotPermitted(format!(
                    "{want}.{name} is read-only"
                ))),
            }
        }
        (ADAPTER_IFACE, m) if obj == Object::Adapter => {
            let sender = msg.sender().map(|s| s.to_string()).unwrap_or_default();
            match m {
                "StartDiscovery" => w.start_discovery(&sender, now_s)?,
                "StopDiscovery" => w.stop_discovery(&sender)?,
                // The fake ignores the filter (as ble-testing.md §7 notes).
                "SetDiscoveryFilter" => {}
                "GetDiscoveryFilters" => {
                    return Ok(ret().append1(vec![
                        "UUIDs".to_string(),
                        "RSSI".into(),
                        "Transport".into(),
                        "DuplicateData".into(),
                    ]))
                }
                _ => return Err(BluezError::UnknownMethod(member)),
            }
            Ok(ret())
        }
        (DEVICE_IFACE, m) => {
            let Object::Device(i) = obj else {
                return Err(BluezError::UnknownObject);
            };
            match m {
                "Connect" => w.connect(i, now_s)?,
                "Disconnect" => w.disconnect(i, now_s),
                "Pair" | "CancelPairing" | "ConnectProfile" | "DisconnectProfile" => {
                    return Err(BluezError::Failed("Not supported by fake-bluez".into()))
                }
                _ => return Err(BluezError::UnknownMethod(member)),
            }
            Ok(ret())
        }
        (CHAR_IFACE, m) => {
            let Object::Char(i, s, c) = obj else {
                return Err(BluezError::UnknownObject);
            };
            match m {
                "StartNotify" => w.start_notify(i, s, c, now_s).map(|_| ret()),
                "StopNotify" => w.stop_notify(i, s, c, now_s).map(|_| ret()),
                "ReadValue" => w.read_value(i, s, c, now_s).map(|v| ret().append1(v)),
                "WriteValue" => {
                    let (value, opts): (Vec<u8>, PropMap) = msg.read2().map_err(bad_args)?;
                    let kind = opts
                        .get("type")
                        .and_then(|v| v.0.as_str().map(str::to_string));
                    let with_response = kind.as_deref() != Some("command");
                    w.write_value(i, s, c, value, with_response, now_s)
                        .map(|_| ret())
                }
                _ => Err(BluezError::UnknownMethod(member)),
            }
        }
        (DESC_IFACE, m) => {
            let Object::Desc(i, s, c) = obj else {
                return Err(BluezError::UnknownObject);
            };
            match m {
                "ReadValue" => Ok(ret().append1(w.read_descriptor(i, s, c))),
                "WriteValue" => Ok(ret()),
                _ => Err(BluezError::UnknownMethod(member)),
            }
        }
        _ => Err(BluezError::UnknownMethod(format!("{iface}.{member}"))),
    }
}

fn error_reply(msg: &Message, e: &BluezError) -> Message {
    let name =
        ErrorName::new(e.name()).unwrap_or_else(|_| ErrorName::from("org.bluez.Error.Failed"));
    let text = CString::new(e.to_string()).unwrap_or_default();
    msg.error(&name, &text)
}

/// Opens a private connection to `address` and takes the name `org.bluez`.
pub(crate) fn connect(address: &str) -> Result<Channel, crate::FakeError> {
    let mut ch = Channel::open_private(address)
        .map_err(|e| crate::FakeError::Bus(format!("connect to {address}: {e}")))?;
    ch.register()
        .map_err(|e| crate::FakeError::Bus(format!("hello: {e}")))?;
    let call = |member: &str, arg: &str| -> Result<Message, crate::FakeError> {
        let m = Message::new_method_call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            member,
        )
        .map_err(crate::FakeError::Bus)?
        .append1(arg);
        Ok(m)
    };
    // DBUS_NAME_FLAG_DO_NOT_QUEUE = 4; reply 1 = primary owner.
    let req = call("RequestName", "org.bluez")?.append1(4u32);
    let reply = ch
        .send_with_reply_and_block(req, Duration::from_secs(5))
        .map_err(|e| crate::FakeError::Bus(format!("RequestName: {e}")))?;
    if reply.get1::<u32>() != Some(1) {
        return Err(crate::FakeError::NameTaken);
    }
    let rule = "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'";
    ch.send_with_reply_and_block(call("AddMatch", rule)?, Duration::from_secs(5))
        .map_err(|e| crate::FakeError::Bus(format!("AddMatch: {e}")))?;
    Ok(ch)
}

/// The server loop; returns when `stop` is set or the bus goes away.
pub(crate) fn run(ch: Channel, world: Arc<Mutex<World>>, stop: Arc<AtomicBool>, epoch: Instant) {
    while !stop.load(Ordering::Relaxed) {
        if ch.read_write(Some(Duration::from_millis(1))).is_err() {
            return;
        }
        let now_s = epoch.elapsed().as_secs_f64();
        let mut w = world.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(msg) = ch.pop_message() {
            match msg.msg_type() {
                MessageType::MethodCall => {
                    let reply = dispatch(&msg, &mut w, now_s);
                    // Signals caused by the call go out before its reply (as bluetoothd's
                    // `Connected` precedes the `Connect` return).
                    for e in w.take_effects() {
                        if let Some(m) = signal(e) {
                            let _ = ch.send(m);
                        }
                    }
                    if !msg.get_no_reply() {
                        let m = match reply {
                            Ok(m) => m,
                            Err(e) => error_reply(&msg, &e),
                        };
                        let _ = ch.send(m);
                    }
                }
                MessageType::Signal if msg.member().as_deref() == Some("NameOwnerChanged") => {
                    if let Ok((name, _old, new)) = msg.read3::<String, String, String>() {
                        if new.is_empty() {
                            w.client_gone(&name);
                        }
                    }
                }
                _ => {}
            }
        }
        w.tick(now_s);
        for e in w.take_effects() {
            if let Some(m) = signal(e) {
                let _ = ch.send(m);
            }
        }
        drop(w);
        ch.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn introspection_lists_child_nodes() {
        let x = introspect_xml(&["org.bluez.Device1"], &["service000a".to_string()]);
        assert!(x.contains("<node name=\"service000a\"/>"));
        assert!(x.contains("<interface name=\"org.bluez.Device1\"/>"));
    }

    #[test]
    fn manufacturer_data_is_a_dict_of_variants() {
        let v = refarg(&Value::ManufacturerData(vec![(2182, vec![1, 2])]));
        assert_eq!(&*v.signature(), "a{qv}");
        assert_eq!(&*refarg(&Value::I16(-60)).signature(), "n");
    }
}
