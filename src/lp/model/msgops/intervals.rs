//! Reading a Messaging Operations reply: its `metricsByIntervals` one element at a
//! time, and the counts the contract requires.

use super::{shown, OpsError};
use crate::lp::model::{Method, Num};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::Read;

/// Calls `each` with every element of the reply's `metricsByIntervals`, one at a
/// time as it is read (a day of 5-minute buckets for 2,000 agents is never held
/// whole); other members are skipped. `Missing` when there is no such array.
pub(super) fn for_each_interval<T, R>(
    reader: R,
    method: Method,
    mut each: impl FnMut(T) -> Result<(), OpsError>,
) -> Result<(), OpsError>
where
    T: DeserializeOwned,
    R: Read,
{
    struct Top<'a, T> {
        each: &'a mut dyn FnMut(T) -> Result<(), OpsError>,
        failed: Option<OpsError>,
        found: bool,
    }
    impl<'de, T: DeserializeOwned> Visitor<'de> for &mut Top<'_, T> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object with metricsByIntervals")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "metricsByIntervals" {
                    if self.found {
                        return Err(serde::de::Error::custom("metricsByIntervals appears twice"));
                    }
                    self.found = true;
                    map.next_value_seed(Intervals(self))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    struct Intervals<'b, 'a, T>(&'b mut Top<'a, T>);
    impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Intervals<'_, '_, T> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de, T: DeserializeOwned> Visitor<'de> for Intervals<'_, '_, T> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of intervals")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<T>()? {
                if let Err(e) = (self.0.each)(item) {
                    self.0.failed = Some(e);
                    return Err(serde::de::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }
    let mut top = Top {
        each: &mut each,
        failed: None,
        found: false,
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let read = serde::Deserializer::deserialize_map(&mut de, &mut top).and_then(|_| de.end());
    if let Some(e) = top.failed {
        return Err(e);
    }
    if let Err(e) = read {
        return Err(OpsError::Shape {
            method,
            why: crate::lp::redact(&e.to_string(), &[]),
        });
    }
    if !top.found {
        return Err(OpsError::Missing {
            method,
            member: "metricsByIntervals",
            place: String::new(),
        });
    }
    Ok(())
}

/// A count that must be there and not negative.
pub(super) fn count(
    method: Method,
    n: Option<Num>,
    field: &'static str,
    id: &str,
    stamp: i64,
) -> Result<u64, OpsError> {
    let n = n.ok_or_else(|| OpsError::Missing {
        method,
        member: field,
        place: format!(" for {} at {stamp}", shown(id)),
    })?;
    u64::try_from(n.0).map_err(|_| OpsError::Negative {
        method,
        field,
        id: shown(id),
        stamp,
        value: n.0,
    })
}
