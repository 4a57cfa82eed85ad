//! Telling the operators: the failure mail ([`mail`]), when to send it
//! ([`policy`], pure) and the sending of a run's mails ([`outage`]).
pub mod mail;
pub mod outage;
pub mod policy;
