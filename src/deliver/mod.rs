//! Delivery of rendered files: local atomic writes (FTP pull) for now.
pub mod local;
