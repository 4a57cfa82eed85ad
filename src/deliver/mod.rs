//! Delivery of rendered files: local atomic writes (FTP pull) and FTP/FTPS push.
pub mod ftp;
pub mod local;
