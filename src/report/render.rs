//! XML rendering of a [`QuarterReport`] into the three NICE files' bytes.
//! Deterministic: the same report always gives the same bytes.

use super::layout as l;
use crate::aggregate::{
    AgentRow, Hundredths, MessagingAgentQueueRow, MessagingAgentRow, MessagingQueueRow, MessagingReport, QuarterReport,
    StateSums,
};
use crate::quarter::FileStamp;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use std::io;

/// One rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// The three files of a quarter, in the order Q_, AQ_, AS_, named by `stamp`.
pub fn render_quarter(report: &QuarterReport, account: &str, stamp: FileStamp) -> [RenderedFile; 3] {
    let q = report.quarter;
    let start = q.start().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let end = q.end().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let root = Root {
        account,
        channel: None,
        start: &start,
        end: &end,
    };
    [
        RenderedFile {
            name: q.file_name(l::PREFIX_QUEUE, stamp),
            bytes: document(l::QUEUE_ROOT, &root, report.queues.len() * Q_ROW, |w| {
                queue_rows(w, report)
            }),
            rows: report.queues.len(),
        },
        RenderedFile {
            name: q.file_name(l::PREFIX_AGENT_QUEUE, stamp),
            bytes: document(l::AGENT_QUEUE_ROOT, &root, report.agent_queues.len() * AQ_ROW, |w| {
                agent_queue_rows(w, report)
            }),
            rows: report.agent_queues.len(),
        },
        RenderedFile {
            name: q.file_name(l::PREFIX_AGENT_SYSTEM, stamp),
            bytes: document(l::AGENT_SYSTEM_ROOT, &root, report.agents.len() * AS_ROW, |w| {
                agent_rows(w, &report.agents)
            }),
            rows: report.agents.len(),
        },
    ]
}

/// The files of a messaging quarter, in the order Q_, AQ_, AS_ (no AQ_ when
/// the quarter is partial), named by `stamp`.
pub(crate) fn render_messaging_quarter(report: &MessagingReport, account: &str, stamp: FileStamp) -> Vec<RenderedFile> {
    let q = report.quarter;
    let start = q.start().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let end = q.end().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let root = Root {
        account,
        channel: Some(l::CHANNEL_MESSAGING),
        start: &start,
        end: &end,
    };
    let mut files = vec![RenderedFile {
        name: q.file_name(l::PREFIX_QUEUE, stamp),
        bytes: document(l::QUEUE_ROOT, &root, report.queues.len() * Q_ROW, |w| {
            messaging_queue_rows(w, &report.queues)
        }),
        rows: report.queues.len(),
    }];
    if let Some(rows) = &report.agent_queues {
        files.push(RenderedFile {
            name: q.file_name(l::PREFIX_AGENT_QUEUE, stamp),
            bytes: document(l::AGENT_QUEUE_ROOT, &root, rows.len() * AQ_ROW, |w| {
                messaging_agent_queue_rows(w, rows)
            }),
            rows: rows.len(),
        });
    }
    files.push(RenderedFile {
        name: q.file_name(l::PREFIX_AGENT_SYSTEM, stamp),
        bytes: document(l::AGENT_SYSTEM_ROOT, &root, report.agents.len() * AS_ROW, |w| {
            messaging_agent_rows(w, &report.agents)
        }),
        rows: report.agents.len(),
    });
    files
}

/// In the contract's order: Offered, Handled, Abandoned, the other segment
/// figures, HandleTime, AvgHandleTime, then the KMM elements.
fn messaging_queue_rows(w: &mut W, rows: &[MessagingQueueRow]) -> io::Result<()> {
    for r in rows {
        w.create_element(l::QUEUE_ROW)
            .with_attribute((l::QUEUE_ID, r.id.as_str()))
            .write_inner_content(|w| {
                let s = r.segments.as_ref();
                let h = r.handled.as_ref();
                opt_int(w, l::OFFERED, s.map(|s| s.offered))?;
                opt_int(w, l::HANDLED, h.map(|h| h.handled))?;
                opt_int(w, l::ABANDONED, s.map(|s| s.abandoned))?;
                opt_int(w, l::ABANDONED_NO_RESPONSE, s.map(|s| s.abandoned_no_response))?;
                opt_int(w, l::INTERACTIVE_SEGMENTS, s.map(|s| s.interactive_segments))?;
                opt_int(
                    w,
                    l::NON_RESPONSIVE_AGENT_SEGMENTS,
                    s.map(|s| s.non_responsive_agent_segments),
                )?;
                opt_int(
                    w,
                    l::NON_RESPONSIVE_CONSUMER_SEGMENTS,
                    s.map(|s| s.non_responsive_consumer_segments),
                )?;
                opt_int(
                    w,
                    l::AVG_TIME_TO_FIRST_AGENT_MESSAGE,
                    s.and_then(|s| s.avg_time_to_first_agent_message),
                )?;
                opt_int(w, l::HANDLE_TIME, h.map(|h| h.handle_time))?;
                opt_int(w, l::AVG_HANDLE_TIME, h.map(|h| h.avg_handle_time))?;
                int(w, l::CLOSED, r.closed)?;
                int(w, l::CLOSED_BY_AGENT, r.closed_by_agent)?;
                int(w, l::CLOSED_BY_CONSUMER, r.closed_by_consumer)?;
                int(w, l::AUTO_CLOSED, r.auto_closed)?;
                opt_int(w, l::AVG_WAIT_TIME, r.avg_wait_time)?;
                opt_int(w, l::AVG_WAIT_TIME_FIRST_RESPONSE, r.avg_wait_time_first_response)?;
                opt_int(w, l::AVG_TIME_TO_RESPONSE, r.avg_time_to_response)?;
                opt_int(
                    w,
                    l::AVG_TIME_TO_FIRST_RESPONSE_FIRST_ASSIGNMENT,
                    r.avg_time_to_first_response_first_assignment,
                )
            })?;
    }
    Ok(())
}

fn messaging_agent_queue_rows(w: &mut W, rows: &[MessagingAgentQueueRow]) -> io::Result<()> {
    for r in rows {
        w.create_element(l::AGENT_QUEUE_ROW)
            .with_attribute((l::ATTR_EMPLOYEE_ID, r.employee_id.as_str()))
            .with_attribute((l::ATTR_AGENT_ID, r.agent_id.as_str()))
            .with_attribute((l::ATTR_QUEUE_ID, r.queue_id.as_str()))
            .write_inner_content(|w| {
                int(w, l::HANDLED, r.handled)?;
                int(w, l::CLOSED_BY_AGENT, r.closed_by_agent)?;
                int(w, l::CLOSED_BY_CONSUMER, r.closed_by_consumer)?;
                int(w, l::AUTO_CLOSED, r.auto_closed)?;
                int(w, l::HANDLE_TIME, r.handle_time)?;
                int(w, l::AVG_HANDLE_TIME, r.avg_handle_time)
            })?;
    }
    Ok(())
}

fn total(w: &mut W, name: &str, seconds: u64) -> io::Result<()> {
    w.create_element(name)
        .with_attribute((l::ATTR_TOTAL, seconds.to_string().as_str()))
        .write_empty()?;
    Ok(())
}

fn messaging_agent_rows(w: &mut W, agents: &[MessagingAgentRow]) -> io::Result<()> {
    for a in agents {
        w.create_element(l::AGENT_ROW)
            .with_attribute((l::ATTR_EMPLOYEE_ID, a.employee_id.as_str()))
            .with_attribute((l::ATTR_AGENT_ID, a.agent_id.as_str()))
            .write_inner_content(|w| {
                total(w, l::LOGGED_IN, a.logged_in)?;
                total(w, l::ONLINE, a.online)?;
                total(w, l::BACK_SOON, a.back_soon)?;
                let away_total = a.away.to_string();
                let away = w
                    .create_element(l::AWAY)
                    .with_attribute((l::ATTR_TOTAL, away_total.as_str()));
                if a.away_reasons.is_empty() {
                    away.write_empty()?;
                } else {
                    away.write_inner_content(|w| {
                        for (id, seconds) in &a.away_reasons {
                            w.create_element(l::REASON)
                                .with_attribute((l::REASON_ID, id.as_str()))
                                .with_attribute((l::ATTR_TOTAL, seconds.to_string().as_str()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                }
                int(w, l::CLOSED, a.closed)?;
                int(w, l::TRANSFERS, a.transfers)?;
                int(w, l::BACK_TO_QUEUE, a.back_to_queue)?;
                int(w, l::CONCLUDED, a.concluded)
            })?;
    }
    Ok(())
}

struct Root<'a> {
    account: &'a str,
    /// `None` for chat, whose files carry no channel attribute.
    channel: Option<&'a str>,
    start: &'a str,
    end: &'a str,
}

type W = Writer<Vec<u8>>;

/// Bytes reserved per row (a little above what one takes, so a large file is
/// written into one allocation rather than copied at each doubling; pages never
/// written are never resident).
const Q_ROW: usize = 1024;
const AQ_ROW: usize = 384;
const AS_ROW: usize = 768;
/// The declaration and the root element.
const DOCUMENT: usize = 512;

fn document(
    root_name: &str,
    root: &Root<'_>,
    row_bytes: usize,
    body: impl FnOnce(&mut W) -> io::Result<()>,
) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::with_capacity(DOCUMENT + row_bytes), b' ', 2);
    // Writing into a Vec cannot fail; the io::Result only exists for generic writers.
    let _ = (|| -> io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.create_element(root_name)
            .with_attribute((l::ATTR_ACCOUNT, root.account))
            .with_attributes(root.channel.map(|c| (l::ATTR_CHANNEL, c)))
            .with_attribute((l::ATTR_START, root.start))
            .with_attribute((l::ATTR_END, root.end))
            .write_inner_content(body)?;
        Ok(())
    })();
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    bytes
}

fn int(w: &mut W, name: &str, v: u64) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&v.to_string()))?;
    Ok(())
}

fn opt_int(w: &mut W, name: &str, v: Option<u64>) -> io::Result<()> {
    match v {
        Some(v) => int(w, name, v),
        None => Ok(()),
    }
}

/// Two decimals, e.g. `72.00`.
pub(crate) fn format_hundredths(h: Hundredths) -> String {
    format!("{}.{:02}", h.0 / 100, h.0 % 100)
}

fn opt_dec(w: &mut W, name: &str, v: Option<Hundredths>) -> io::Result<()> {
    match v {
        Some(h) => {
            w.create_element(name)
                .write_text_content(BytesText::new(&format_hundredths(h)))?;
            Ok(())
        }
        None => Ok(()),
    }
}

fn queue_rows(w: &mut W, report: &QuarterReport) -> io::Result<()> {
    for r in &report.queues {
        w.create_element(l::QUEUE_ROW)
            .with_attribute((l::QUEUE_ID, r.id.as_str()))
            .write_inner_content(|w| {
                int(w, l::OFFERED, r.offered)?;
                int(w, l::HANDLED, r.handled)?;
                int(w, l::ABANDONED, r.abandoned)?;
                int(w, l::TIME_TO_ANSWER, r.time_to_answer)?;
                int(w, l::TIME_TO_ABANDON, r.time_to_abandon)?;
                int(w, l::AVG_TIME_TO_ANSWER, r.avg_time_to_answer)?;
                int(w, l::AVG_TIME_TO_ABANDON, r.avg_time_to_abandon)?;
                opt_int(w, l::MAX_QUEUE_SIZE, r.max_queue_size)?;
                opt_dec(w, l::AVG_QUEUE_SIZE, r.avg_queue_size)?;
                opt_int(w, l::MAX_AVAILABLE_SLOTS, r.max_available_slots)?;
                opt_dec(w, l::AVG_AVAILABLE_SLOTS, r.avg_available_slots)?;
                int(w, l::INTERACTIVE_CLOSED, r.interactive_closed)?;
                int(w, l::NON_INTERACTIVE_CLOSED, r.non_interactive_closed)?;
                int(w, l::HANDLE_TIME, r.handle_time)?;
                int(w, l::NON_INTERACTIVE_HANDLE_TIME, r.non_interactive_handle_time)
            })?;
    }
    Ok(())
}

fn agent_queue_rows(w: &mut W, report: &QuarterReport) -> io::Result<()> {
    for r in &report.agent_queues {
        w.create_element(l::AGENT_QUEUE_ROW)
            .with_attribute((l::ATTR_EMPLOYEE_ID, r.employee_id.as_str()))
            .with_attribute((l::ATTR_AGENT_ID, r.agent_id.as_str()))
            .with_attribute((l::ATTR_QUEUE_ID, r.queue_id.as_str()))
            .write_inner_content(|w| {
                int(w, l::INTERACTIVE_CLOSED, r.interactive_closed)?;
                int(w, l::NON_INTERACTIVE_CLOSED, r.non_interactive_closed)?;
                int(w, l::CONNECTED, r.connected)?;
                int(w, l::HANDLE_TIME, r.handle_time)?;
                int(w, l::NON_INTERACTIVE_HANDLE_TIME, r.non_interactive_handle_time)
            })?;
    }
    Ok(())
}

fn state_attrs<'a>(s: &StateSums) -> [(&'a str, String); 4] {
    [
        (l::ATTR_TOTAL, s.total.to_string()),
        (l::ATTR_CHATTING, s.chatting.to_string()),
        (l::ATTR_NOT_CHATTING, s.not_chatting.to_string()),
        (l::ATTR_MAX_CONCURRENCY, s.max_concurrency.to_string()),
    ]
}

fn state(w: &mut W, name: &str, s: &StateSums) -> io::Result<()> {
    let attrs = state_attrs(s);
    w.create_element(name)
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())))
        .write_empty()?;
    Ok(())
}

fn agent_rows(w: &mut W, agents: &[AgentRow]) -> io::Result<()> {
    for a in agents {
        w.create_element(l::AGENT_ROW)
            .with_attribute((l::ATTR_EMPLOYEE_ID, a.employee_id.as_str()))
            .with_attribute((l::ATTR_AGENT_ID, a.agent_id.as_str()))
            .write_inner_content(|w| {
                state(w, l::LOGGED_IN, &a.logged_in)?;
                state(w, l::ONLINE, &a.online)?;
                state(w, l::BACK_SOON, &a.back_soon)?;
                let attrs = state_attrs(&a.away);
                let away = w
                    .create_element(l::AWAY)
                    .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())));
                if a.away_reasons.is_empty() {
                    away.write_empty()?;
                } else {
                    away.write_inner_content(|w| {
                        for (id, s) in &a.away_reasons {
                            let attrs = state_attrs(s);
                            w.create_element(l::REASON)
                                .with_attribute((l::REASON_ID, id.as_str()))
                                .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
