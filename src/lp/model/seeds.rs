//! The serde seeds the streaming parses share, chat's ([`super::compact`]) and
//! Messaging Operations' ([`super::msgops`]): `null` read as nothing, a member read at
//! most once, an object read for its one member, and a map of ids, each key interned
//! as it is read (no `String` per record). What each parse does with a record stays
//! in its own seeds.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use std::fmt;

/// `nullable`: `null` is the default (nothing read), anything else goes to the seed.
pub(super) struct Nullable<S>(pub S);

impl<'de, S> DeserializeSeed<'de> for Nullable<S>
where
    S: DeserializeSeed<'de>,
    S::Value: Default,
{
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, S> Visitor<'de> for Nullable<S>
where
    S: DeserializeSeed<'de>,
    S::Value: Default,
{
    type Value = S::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("option")
    }
    fn visit_none<E: de::Error>(self) -> Result<S::Value, E> {
        Ok(S::Value::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<S::Value, E> {
        Ok(S::Value::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(d)
    }
}

/// A member's name: its index among `names`, `None` for any other member.
pub(super) struct MemberKey(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for MemberKey {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for MemberKey {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| *n == v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| n.as_bytes() == v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(v).ok().filter(|i| *i < self.0.len()))
    }
}

/// The members of one object already read (by their [`MemberKey`] index): a
/// member twice is refused, as serde's derive refuses it.
#[derive(Default)]
pub(super) struct Seen(u64);

impl Seen {
    /// `Ok` the first time member `i` of `names` is read.
    pub fn first<E: de::Error>(&mut self, i: usize, names: &'static [&'static str]) -> Result<(), E> {
        let bit = u32::try_from(i).ok().and_then(|i| 1u64.checked_shl(i)).unwrap_or(0);
        if self.0 & bit != 0 {
            return Err(E::duplicate_field(names.get(i).copied().unwrap_or("a member")));
        }
        self.0 |= bit;
        Ok(())
    }
}

/// How an object is read: as serde's derive reads a struct named so (an object,
/// or a list whose first element is the member), or only as an object (the
/// words are what any other value is told it should be).
#[derive(Clone, Copy)]
pub(super) enum Shape {
    Struct(&'static str),
    Object(&'static str),
}

/// An object read for its one `member`, whose value goes to `seed`: other members
/// ignored, the member twice refused. `None` when the member is not there.
pub(super) struct OneMember<S> {
    pub shape: Shape,
    pub member: &'static [&'static str; 1],
    pub seed: S,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for OneMember<S> {
    type Value = Option<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match self.shape {
            Shape::Struct(name) => d.deserialize_struct(name, &[], self),
            Shape::Object(_) => d.deserialize_map(self),
        }
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for OneMember<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shape {
            Shape::Struct(name) => write!(f, "struct {name}"),
            Shape::Object(what) => f.write_str(what),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seed = Some(self.seed);
        let mut out = None;
        while let Some(is_member) = map.next_key_seed(MemberKey(self.member))? {
            if is_member.is_none() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let Some(s) = seed.take() else {
                return Err(de::Error::duplicate_field(self.member[0]));
            };
            out = Some(map.next_value_seed(s)?);
        }
        Ok(out)
    }
    // Reached only for `Shape::Struct`: an object is asked for otherwise.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        seq.next_element_seed(self.seed)
    }
}

/// What an [`IdMap`] does with each entry: interns its key, then reads its value.
pub(super) trait IdEntries<'de> {
    /// What a value that is not an object is told it should be.
    const EXPECTING: &'static str;
    /// The key's id; the error's words end the reading.
    fn intern(&mut self, id: &str) -> Result<u32, &'static str>;
    /// Reads the entry's value (`map.next_value…`) for the key interned as `id`.
    fn value<A: MapAccess<'de>>(&mut self, id: u32, map: &mut A) -> Result<(), A::Error>;
}

/// A map of ids, read by `HashMap<String, _>`'s rules (an object, any number of
/// entries) in the reply's order, each key interned and each value handed on.
pub(super) struct IdMap<T>(pub T);

impl<'de, T: IdEntries<'de>> DeserializeSeed<'de> for IdMap<T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: IdEntries<'de>> Visitor<'de> for IdMap<T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(id) = map.next_key_seed(Intern(&mut self.0))? {
            self.0.value(id, &mut map)?;
        }
        Ok(())
    }
}

/// A map key interned by its [`IdEntries`].
struct Intern<'a, T>(&'a mut T);

impl<'de, T: IdEntries<'de>> DeserializeSeed<'de> for Intern<'_, T> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: IdEntries<'de>> Visitor<'de> for Intern<'_, T> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        self.0.intern(v).map_err(E::custom)
    }
}
