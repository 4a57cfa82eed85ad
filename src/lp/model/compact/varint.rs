//! The records' encoding: LEB128 varints, zigzag for signed numbers.

use super::DecodeError;
use crate::lp::model::{EngMetrics, Figure, StateTimes};

pub(in crate::lp::model) fn put_u(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn put_i(out: &mut Vec<u8>, v: i64) {
    put_u(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub(in crate::lp::model) struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    pub(in crate::lp::model) fn u(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.0.split_first().ok_or(DecodeError("cut short"))?;
            self.0 = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("a number is too long"))
    }

    pub(super) fn i(&mut self) -> Result<i64, DecodeError> {
        let u = self.u()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }

    pub(super) fn figure(&mut self) -> Result<Figure, DecodeError> {
        self.i().map(Figure)
    }

    pub(in crate::lp::model) fn id(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.u()?).map_err(|_| DecodeError("an id is out of range"))
    }

    pub(super) fn len(&mut self) -> Result<usize, DecodeError> {
        usize::try_from(self.u()?).map_err(|_| DecodeError("a count is out of range"))
    }

    pub(super) fn eng(&mut self) -> Result<EngMetrics, DecodeError> {
        Ok(EngMetrics {
            total_interactive_chats: self.figure()?,
            total_non_interactive_chats: self.figure()?,
            total_handling_time: self.figure()?,
            non_interactive_total_handling_time: self.figure()?,
            connected_engagements: self.figure()?,
        })
    }

    pub(super) fn times(&mut self) -> Result<StateTimes, DecodeError> {
        Ok(StateTimes {
            total: self.figure()?,
            chatting: self.figure()?,
            not_chatting: self.figure()?,
            chatting_in_max_concurrency: self.figure()?,
        })
    }

    pub(super) fn end(&self) -> Result<(), DecodeError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DecodeError("bytes left over"))
        }
    }
}
