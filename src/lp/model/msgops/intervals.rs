//! Reading a Messaging Operations reply: its `metricsByIntervals` one element at a
//! time, and the counts the contract requires.

use super::{shown, OpsError};
use crate::lp::model::seeds::{MemberKey, Seen};
use crate::lp::model::{Method, Num};
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;
use std::io::Read;

/// Deserializes every element of the reply's `metricsByIntervals` with a clone of
/// `seed`, one at a time as it is read (a day of 5-minute buckets for 2,000 agents
/// is never held whole); other members are skipped. The seed's `Err` stops the
/// reading and is returned. `Missing` when there is no such array.
pub(super) fn for_each_seeded<R, S>(reader: R, method: Method, seed: S) -> Result<(), OpsError>
where
    R: Read,
    S: Clone + for<'de> DeserializeSeed<'de, Value = Result<(), OpsError>>,
{
    struct Top<S> {
        seed: S,
        failed: Option<OpsError>,
        found: bool,
    }
    impl<'de, S: Clone + for<'x> DeserializeSeed<'x, Value = Result<(), OpsError>>> Visitor<'de> for &mut Top<S> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object with metricsByIntervals")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            const TOP: &[&str] = &["metricsByIntervals"];
            let mut seen = Seen::default();
            while let Some(member) = map.next_key_seed(MemberKey(TOP))? {
                if member.is_some() {
                    seen.first(0, TOP)?;
                    self.found = true;
                    map.next_value_seed(Intervals(self))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }
    struct Intervals<'b, S>(&'b mut Top<S>);
    impl<'de, S: Clone + for<'x> DeserializeSeed<'x, Value = Result<(), OpsError>>> DeserializeSeed<'de>
        for Intervals<'_, S>
    {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de, S: Clone + for<'x> DeserializeSeed<'x, Value = Result<(), OpsError>>> Visitor<'de> for Intervals<'_, S> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of intervals")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element_seed(self.0.seed.clone())? {
                if let Err(e) = item {
                    self.0.failed = Some(e);
                    return Err(serde::de::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }
    let mut top = Top {
        seed,
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

/// [`for_each_seeded`] with each element deserialized as a `T` and handed to `each`.
pub(super) fn for_each_interval<T, R>(
    reader: R,
    method: Method,
    each: impl FnMut(T) -> Result<(), OpsError>,
) -> Result<(), OpsError>
where
    T: DeserializeOwned,
    R: Read,
{
    struct Typed<'a, T>(&'a RefCell<dyn FnMut(T) -> Result<(), OpsError> + 'a>);
    impl<T> Clone for Typed<'_, T> {
        fn clone(&self) -> Self {
            Typed(self.0)
        }
    }
    impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Typed<'_, T> {
        type Value = Result<(), OpsError>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let v = T::deserialize(d)?;
            Ok((self.0.borrow_mut())(v))
        }
    }
    let each = RefCell::new(each);
    for_each_seeded(reader, method, Typed(&each))
}

/// A count that must be there and not negative.
pub(super) fn count(method: Method, n: Option<Num>, field: &'static str, id: &str, at: &str) -> Result<u64, OpsError> {
    let n = n.ok_or_else(|| OpsError::Missing {
        method,
        member: field,
        place: format!(" for {} {at}", shown(id)),
    })?;
    u64::try_from(n.0).map_err(|_| OpsError::Negative {
        method,
        field,
        id: shown(id),
        at: at.to_string(),
        value: n.0,
    })
}
