//! Every key `config.navomi` may hold, in one table (`keys/table.rs`, documentation
//! order): its name, kind, what happens when it is unset, whether it is a secret, its
//! line in the example config and its one description. docs/cli-and-config.md's key
//! table and the comments of `config.navomi.example` are generated from it
//! (`keys/render.rs`), and a test keeps the committed text equal to it.

use super::{EmailTls, FtpProtocol, FtpTls};
use crate::job::DeliveryMode;
use crate::select::{Channel, FileStamp, UnmappedAgents};

/// One key of the config file.
#[derive(Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub unset: IfUnset,
    /// Its value is hidden everywhere and a file holding it must be private.
    pub secret: bool,
    /// Its line in config.navomi.example.
    pub example: Example,
    /// What it means, in Markdown (links relative to docs/); the one description.
    pub doc: &'static str,
}

/// A key's line in the example config.
#[derive(Clone, Copy)]
pub enum Example {
    /// `KEY=value`: set in the example.
    Set(&'static str),
    /// `#KEY=value`: shown commented out.
    Off(&'static str),
}

/// A heading of the example config (`title`) and/or a group's introduction
/// (`text`), written before the key named `before`.
pub struct Heading {
    pub before: &'static str,
    pub title: Option<&'static str>,
    pub text: &'static str,
}

/// How a value is read and checked.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Free text.
    Text,
    /// ASCII digits only; the text is what a wrong value "is not", for its error.
    Digits(&'static str),
    /// A whole number from `min` to `max`.
    Number { min: u32, max: u32 },
    /// `all` or comma-separated numeric ids.
    Ids,
    /// A file or folder; a relative one is resolved against the config file's folder.
    Path,
    /// One of named values, case-insensitive.
    Choice(&'static dyn Choices),
    /// A host name (HTTPS implied) or an `http(s)://host[:port]` URL.
    Host,
    /// An `http(s)://` URL.
    Url,
    /// One mail address.
    Mail,
}

/// What an unset (or empty) key means, as documented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfUnset {
    /// An error: the key must be set.
    Required,
    /// An error when the method or feature named is used (`oauth2`, `EMAIL_SERVER`, ...).
    RequiredWith(&'static str),
    /// Nothing: the feature is off, or the value is looked up (documented as "none" or "empty").
    Nothing,
    /// This value, read like a set one.
    Value(&'static str),
    /// Computed from other keys, as described.
    Derived(&'static str),
}

/// The named values of a choice key, listed for the table and its errors.
pub trait Choices: Sync {
    /// Each value's label: its name, optionally followed by " (what it means)".
    fn labels(&self) -> Vec<&'static str>;
}

impl<T: Sync> Choices for &'static [(&'static str, T)] {
    fn labels(&self) -> Vec<&'static str> {
        self.iter().map(|(label, _)| *label).collect()
    }
}

/// The name a label stands for: `oauth2` for "oauth2 (client credentials)".
pub(crate) fn choice_name(label: &str) -> &str {
    label.split_once(" (").map_or(label, |(name, _)| name)
}

/// LP_AUTH values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMethod {
    OAuth2,
    OAuth1,
}

pub(crate) const AUTH_METHODS: &[(&str, AuthMethod)] = &[
    ("oauth2 (client credentials)", AuthMethod::OAuth2),
    ("oauth1 (app keys)", AuthMethod::OAuth1),
];
pub(crate) const SIGNATURE_METHODS: &[(&str, ())] = &[("HMAC-SHA1", ())];
pub const UNMAPPED_AGENTS: &[(&str, UnmappedAgents)] =
    &[("keep", UnmappedAgents::Keep), ("skip", UnmappedAgents::Skip)];
pub(crate) const CHANNELS: &[(&str, Channel)] = &[("chat", Channel::Chat), ("messaging", Channel::Messaging)];
pub const DELIVERY: &[(&str, DeliveryMode)] = &[("push", DeliveryMode::Push), ("pull", DeliveryMode::Pull)];
pub const FTP_TLS: &[(&str, FtpTls)] = &[
    ("none", FtpTls::None),
    ("explicit", FtpTls::Explicit),
    ("implicit", FtpTls::Implicit),
];
pub const FTP_PROTOCOL: &[(&str, FtpProtocol)] = &[
    ("ftp (FTP or FTPS per FTP_TLS)", FtpProtocol::Ftp),
    ("sftp (SSH)", FtpProtocol::Sftp),
];
pub(crate) const FILE_STAMPS: &[(&str, FileStamp)] = &[("start", FileStamp::Start), ("end", FileStamp::End)];
pub const EMAIL_TLS: &[(&str, EmailTls)] = &[
    ("starttls", EmailTls::StartTls),
    ("tls", EmailTls::Tls),
    ("none", EmailTls::None),
];

mod render;
mod table;
#[cfg(test)]
mod tests;

pub use render::{example_block, markdown_table, HEADINGS};
pub use table::KEYS;
use IfUnset::RequiredWith;

/// The table's entry of a key the code reads (a name missing from the table is a bug).
pub fn key(name: &str) -> &'static Key {
    KEYS.iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("{name} is missing from the config key table"))
}

/// Whether `name` is a key whose value is a secret (unknown keys are not).
pub(crate) fn is_secret(name: &str) -> bool {
    KEYS.iter().any(|k| k.name == name && k.secret)
}

/// The keys required with a method or feature, e.g. the credentials of `oauth2`.
pub(crate) fn required_with(what: &'static str) -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .filter(move |k| k.unset == RequiredWith(what))
        .map(|k| k.name)
}
