//! The NICE report files: names of every element and attribute ([`layout`]) and rendering ([`render`]).
pub mod layout;
pub mod render;
