//! Reading a top-level JSON object as an ordered list of entries, so that
//! duplicate keys are seen (a `serde_json::Map` keeps only the last) and
//! written files keep their input order.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::problem::{Location, Problem, ProblemKind};
use crate::validate::syntax_problem;

/// Top level of a JSON document: an object's entries in file order, or the
/// type name of anything else.
enum TopLevel {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            entries.push((key, value));
        }
        Ok(TopLevel::Object(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopLevel::Other("an array"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("null"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::Other("a string"))
    }
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor)
    }
}

/// Parses a document whose top level must be an object, returning its entries
/// in file order. `expected` describes the object for the message otherwise.
pub fn parse_entries(text: &str, expected: &'static str) -> Result<Vec<(String, Value)>, Problem> {
    match serde_json::from_str::<TopLevel>(text) {
        Ok(TopLevel::Object(entries)) => Ok(entries),
        Ok(TopLevel::Other(found)) => Err(Problem::new(Location::file(), ProblemKind::WrongType { expected, found })),
        Err(error) => Err(Problem::new(Location::file(), syntax_problem(text, &error))),
    }
}

/// Serializes entries as a JSON object in their given order.
pub struct OrderedMap<'a, V>(pub &'a [(String, V)]);

impl<V: Serialize> Serialize for OrderedMap<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Reports every key that appears more than once, once per key.
pub fn duplicate_keys(entries: &[(String, Value)]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, (key, _)) in entries.iter().enumerate() {
        let first = entries.iter().position(|(other, _)| other == key) == Some(index);
        let count = entries.iter().filter(|(other, _)| other == key).count();
        if first && count > 1 {
            problems.push(Problem::new(Location::task(key), ProblemKind::DuplicateTask { count }));
        }
    }
    problems
}
