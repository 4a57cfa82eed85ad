//! Telling the operators: the failure mail ([`mail`]) and when to send it ([`outage`]).
pub mod mail;
pub mod outage;
