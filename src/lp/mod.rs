//! LivePerson: the API's reply shapes ([`model`]) and the signed HTTP client ([`client`]).
pub mod client;
pub mod model;
