//! Every element and attribute name of the three NICE report files, in one
//! place: a site that holds the NICE Data Connector document adapts the layout
//! here (and in `schema/wfm-reports.xsd`) and nowhere else.

use crate::select::Channel;

/// File-name prefixes, in delivery order.
pub const PREFIX_QUEUE: &str = "Q";
pub const PREFIX_AGENT_QUEUE: &str = "AQ";
pub const PREFIX_AGENT_SYSTEM: &str = "AS";
pub const PREFIXES: [&str; 3] = [PREFIX_QUEUE, PREFIX_AGENT_QUEUE, PREFIX_AGENT_SYSTEM];
/// A messaging quarter: the same three files (`AQ_` from Messaging Operations).
pub const MESSAGING_PREFIXES: [&str; 3] = PREFIXES;
/// A *partial* messaging quarter (older than Messaging Operations' 24 h, built
/// from Key Messaging Metrics alone): no `AQ_`.
pub const PARTIAL_PREFIXES: [&str; 2] = [PREFIX_QUEUE, PREFIX_AGENT_SYSTEM];

/// The files that make a quarter of `channel`, in delivery order.
pub fn prefixes(channel: Channel) -> &'static [&'static str] {
    match channel {
        Channel::Chat => &PREFIXES,
        Channel::Messaging => &MESSAGING_PREFIXES,
    }
}

/// The files that make a quarter the state records as partial.
pub fn partial_prefixes(channel: Channel) -> &'static [&'static str] {
    match channel {
        Channel::Chat => &PREFIXES,
        Channel::Messaging => &PARTIAL_PREFIXES,
    }
}

// Root attributes shared by the three files.
pub const ATTR_ACCOUNT: &str = "account";
pub const ATTR_START: &str = "start";
pub const ATTR_END: &str = "end";
/// Messaging files only (chat files carry none, so their bytes never change).
pub const ATTR_CHANNEL: &str = "channel";
pub const CHANNEL_MESSAGING: &str = "messaging";

// Q_: Queue Data
pub const QUEUE_ROOT: &str = "QueueData";
pub const QUEUE_ROW: &str = "Queue";
pub const QUEUE_ID: &str = "id";
pub const OFFERED: &str = "Offered";
pub const HANDLED: &str = "Handled";
pub const ABANDONED: &str = "Abandoned";
pub const TIME_TO_ANSWER: &str = "TimeToAnswer";
pub const TIME_TO_ABANDON: &str = "TimeToAbandon";
pub const AVG_TIME_TO_ANSWER: &str = "AvgTimeToAnswer";
pub const AVG_TIME_TO_ABANDON: &str = "AvgTimeToAbandon";
pub const MAX_QUEUE_SIZE: &str = "MaxQueueSize";
pub const AVG_QUEUE_SIZE: &str = "AvgQueueSize";
pub const MAX_AVAILABLE_SLOTS: &str = "MaxAvailableSlots";
pub const AVG_AVAILABLE_SLOTS: &str = "AvgAvailableSlots";
pub const INTERACTIVE_CLOSED: &str = "InteractiveClosed";
pub const NON_INTERACTIVE_CLOSED: &str = "NonInteractiveClosed";
pub const HANDLE_TIME: &str = "HandleTime";
pub const NON_INTERACTIVE_HANDLE_TIME: &str = "NonInteractiveHandleTime";

// AQ_: Agent Queue Data
pub const AGENT_QUEUE_ROOT: &str = "AgentQueueData";
pub const AGENT_QUEUE_ROW: &str = "AgentQueue";
pub const ATTR_EMPLOYEE_ID: &str = "employeeId";
pub const ATTR_AGENT_ID: &str = "agentId";
pub const ATTR_QUEUE_ID: &str = "queueId";
pub const CONNECTED: &str = "Connected";

// AS_: Agent System Data
pub const AGENT_SYSTEM_ROOT: &str = "AgentSystemData";
pub const AGENT_ROW: &str = "Agent";
pub const LOGGED_IN: &str = "LoggedIn";
pub const ONLINE: &str = "Online";
pub const BACK_SOON: &str = "BackSoon";
pub const AWAY: &str = "Away";
pub const REASON: &str = "Reason";
pub const REASON_ID: &str = "id";
pub const ATTR_TOTAL: &str = "total";
pub const ATTR_CHATTING: &str = "chatting";
pub const ATTR_NOT_CHATTING: &str = "notChatting";
pub const ATTR_MAX_CONCURRENCY: &str = "maxConcurrency";

// Messaging Q_ (the root, row and id are the chat Q_'s; Offered, Handled,
// Abandoned and HandleTime too)
pub const ABANDONED_NO_RESPONSE: &str = "AbandonedNoResponse";
pub const INTERACTIVE_SEGMENTS: &str = "InteractiveSegments";
pub const NON_RESPONSIVE_AGENT_SEGMENTS: &str = "NonResponsiveAgentSegments";
pub const NON_RESPONSIVE_CONSUMER_SEGMENTS: &str = "NonResponsiveConsumerSegments";
pub const AVG_TIME_TO_FIRST_AGENT_MESSAGE: &str = "AvgTimeToFirstAgentMessage";
pub const AVG_HANDLE_TIME: &str = "AvgHandleTime";
pub const CLOSED: &str = "Closed";
pub const CLOSED_BY_AGENT: &str = "ClosedByAgent";
pub const CLOSED_BY_CONSUMER: &str = "ClosedByConsumer";
pub const AUTO_CLOSED: &str = "AutoClosed";
pub const AVG_WAIT_TIME: &str = "AvgWaitTime";
pub const AVG_WAIT_TIME_FIRST_RESPONSE: &str = "AvgWaitTimeFirstResponse";
pub const AVG_TIME_TO_RESPONSE: &str = "AvgTimeToResponse";
pub const AVG_TIME_TO_FIRST_RESPONSE_FIRST_ASSIGNMENT: &str = "AvgTimeToFirstResponseFirstAssignment";
// Messaging AQ_: the chat AQ_ row; HANDLED, CLOSED_BY_AGENT, CLOSED_BY_CONSUMER,
// AUTO_CLOSED, HANDLE_TIME, AVG_HANDLE_TIME.
// Messaging AS_: the chat AS_ names with `total` only, CLOSED, then these.
pub const TRANSFERS: &str = "Transfers";
pub const BACK_TO_QUEUE: &str = "BackToQueue";
pub const CONCLUDED: &str = "Concluded";

/// The `account` attribute of a report's root element, read from the first
/// bytes of a file (`None` when they hold no such root: not one of our reports).
pub fn root_account(head: &[u8]) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(head);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) => {
                let attr = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == ATTR_ACCOUNT.as_bytes())?;
                return attr.unescape_value().ok().map(|v| v.into_owned());
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
