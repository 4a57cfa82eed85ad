//! Every element and attribute name of the three NICE report files, in one
//! place: a site that holds the NICE Data Connector document adapts the layout
//! here (and in `schema/wfm-reports.xsd`) and nowhere else.

use crate::select::Channel;

/// File-name prefixes, in delivery order.
pub(crate) const PREFIX_QUEUE: &str = "Q";
pub(crate) const PREFIX_AGENT_QUEUE: &str = "AQ";
pub(crate) const PREFIX_AGENT_SYSTEM: &str = "AS";
pub(crate) const PREFIXES: [&str; 3] = [PREFIX_QUEUE, PREFIX_AGENT_QUEUE, PREFIX_AGENT_SYSTEM];
/// A messaging quarter: the same three files (`AQ_` from Messaging Operations).
pub(crate) const MESSAGING_PREFIXES: [&str; 3] = PREFIXES;
/// A *partial* messaging quarter (older than Messaging Operations' 24 h, built
/// from Key Messaging Metrics alone): no `AQ_`.
pub(crate) const PARTIAL_PREFIXES: [&str; 2] = [PREFIX_QUEUE, PREFIX_AGENT_SYSTEM];

/// The files that make a quarter of `channel`, in delivery order.
pub(crate) fn prefixes(channel: Channel) -> &'static [&'static str] {
    match channel {
        Channel::Chat => &PREFIXES,
        Channel::Messaging => &MESSAGING_PREFIXES,
    }
}

/// The files that make a quarter the state records as partial.
pub(crate) fn partial_prefixes(channel: Channel) -> &'static [&'static str] {
    match channel {
        Channel::Chat => &PREFIXES,
        Channel::Messaging => &PARTIAL_PREFIXES,
    }
}

// Root attributes shared by the three files.
pub(crate) const ATTR_ACCOUNT: &str = "account";
pub(crate) const ATTR_START: &str = "start";
pub(crate) const ATTR_END: &str = "end";
/// Messaging files only (chat files carry none, so their bytes never change).
pub(crate) const ATTR_CHANNEL: &str = "channel";
pub(crate) const CHANNEL_MESSAGING: &str = "messaging";

// Q_: Queue Data
pub(crate) const QUEUE_ROOT: &str = "QueueData";
pub(crate) const QUEUE_ROW: &str = "Queue";
pub(crate) const QUEUE_ID: &str = "id";
pub(crate) const OFFERED: &str = "Offered";
pub(crate) const HANDLED: &str = "Handled";
pub(crate) const ABANDONED: &str = "Abandoned";
pub(crate) const TIME_TO_ANSWER: &str = "TimeToAnswer";
pub(crate) const TIME_TO_ABANDON: &str = "TimeToAbandon";
pub(crate) const AVG_TIME_TO_ANSWER: &str = "AvgTimeToAnswer";
pub(crate) const AVG_TIME_TO_ABANDON: &str = "AvgTimeToAbandon";
pub(crate) const MAX_QUEUE_SIZE: &str = "MaxQueueSize";
pub(crate) const AVG_QUEUE_SIZE: &str = "AvgQueueSize";
pub(crate) const MAX_AVAILABLE_SLOTS: &str = "MaxAvailableSlots";
pub(crate) const AVG_AVAILABLE_SLOTS: &str = "AvgAvailableSlots";
pub(crate) const INTERACTIVE_CLOSED: &str = "InteractiveClosed";
pub(crate) const NON_INTERACTIVE_CLOSED: &str = "NonInteractiveClosed";
pub(crate) const HANDLE_TIME: &str = "HandleTime";
pub(crate) const NON_INTERACTIVE_HANDLE_TIME: &str = "NonInteractiveHandleTime";

// AQ_: Agent Queue Data
pub(crate) const AGENT_QUEUE_ROOT: &str = "AgentQueueData";
pub(crate) const AGENT_QUEUE_ROW: &str = "AgentQueue";
pub(crate) const ATTR_EMPLOYEE_ID: &str = "employeeId";
pub(crate) const ATTR_AGENT_ID: &str = "agentId";
pub(crate) const ATTR_QUEUE_ID: &str = "queueId";
pub(crate) const CONNECTED: &str = "Connected";

// AS_: Agent System Data
pub(crate) const AGENT_SYSTEM_ROOT: &str = "AgentSystemData";
pub(crate) const AGENT_ROW: &str = "Agent";
pub(crate) const LOGGED_IN: &str = "LoggedIn";
pub const ONLINE: &str = "Online";
pub(crate) const BACK_SOON: &str = "BackSoon";
pub const AWAY: &str = "Away";
pub(crate) const REASON: &str = "Reason";
pub(crate) const REASON_ID: &str = "id";
pub(crate) const ATTR_TOTAL: &str = "total";
pub(crate) const ATTR_CHATTING: &str = "chatting";
pub(crate) const ATTR_NOT_CHATTING: &str = "notChatting";
pub(crate) const ATTR_MAX_CONCURRENCY: &str = "maxConcurrency";

// Messaging Q_ (the root, row and id are the chat Q_'s; Offered, Handled,
// Abandoned and HandleTime too)
pub(crate) const ABANDONED_NO_RESPONSE: &str = "AbandonedNoResponse";
pub(crate) const INTERACTIVE_SEGMENTS: &str = "InteractiveSegments";
pub(crate) const NON_RESPONSIVE_AGENT_SEGMENTS: &str = "NonResponsiveAgentSegments";
pub(crate) const NON_RESPONSIVE_CONSUMER_SEGMENTS: &str = "NonResponsiveConsumerSegments";
pub(crate) const AVG_TIME_TO_FIRST_AGENT_MESSAGE: &str = "AvgTimeToFirstAgentMessage";
pub(crate) const AVG_HANDLE_TIME: &str = "AvgHandleTime";
pub(crate) const CLOSED: &str = "Closed";
pub(crate) const CLOSED_BY_AGENT: &str = "ClosedByAgent";
pub(crate) const CLOSED_BY_CONSUMER: &str = "ClosedByConsumer";
pub(crate) const AUTO_CLOSED: &str = "AutoClosed";
pub(crate) const AVG_WAIT_TIME: &str = "AvgWaitTime";
pub(crate) const AVG_WAIT_TIME_FIRST_RESPONSE: &str = "AvgWaitTimeFirstResponse";
pub(crate) const AVG_TIME_TO_RESPONSE: &str = "AvgTimeToResponse";
pub(crate) const AVG_TIME_TO_FIRST_RESPONSE_FIRST_ASSIGNMENT: &str = "AvgTimeToFirstResponseFirstAssignment";
// Messaging AQ_: the chat AQ_ row; HANDLED, CLOSED_BY_AGENT, CLOSED_BY_CONSUMER,
// AUTO_CLOSED, HANDLE_TIME, AVG_HANDLE_TIME.
// Messaging AS_: the chat AS_ names with `total` only, CLOSED, then these.
pub(crate) const TRANSFERS: &str = "Transfers";
pub(crate) const BACK_TO_QUEUE: &str = "BackToQueue";
pub(crate) const CONCLUDED: &str = "Concluded";

/// The `account` attribute of a report's root element, read from the first
/// bytes of a file (`None` when they hold no such root: not one of our reports).
pub(crate) fn root_account(head: &[u8]) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let attr = e.attributes().flatten().find(|a| a.key.into_inner() == ATTR_ACCOUNT)?;
                // Our files declare XML 1.0 (render.rs).
                return attr
                    .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .ok()
                    .map(|v| v.into_owned());
            }
            Event::Eof => return None,
            _ => buf.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_account_is_read_from_the_first_bytes() {
        let head = br#"<?xml version="1.0" encoding="UTF-8"?>
<QueueData account="12345678" start="2026-11-24T10:00:00Z" end="2026-11-24T10:15:00Z">
  <Queue id="1"><Offe"#;
        assert_eq!(root_account(head).as_deref(), Some("12345678"));
        assert_eq!(root_account(b"<QueueData start=\"x\">").as_deref(), None);
        assert_eq!(root_account(b"not xml at all").as_deref(), None);
        assert_eq!(root_account(b"").as_deref(), None);
        assert_eq!(
            root_account(b"<!-- c --><A account=\"a&amp;b\"/>").as_deref(),
            Some("a&b")
        );
    }
}
