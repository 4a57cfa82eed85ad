//! The man pages' ENVIRONMENT, FILES and EXIT STATUS sections (roff), which clap
//! does not generate: written here, placed before VERSION by `man_page`.

/// Commands that read a config (the others need no environment nor files).
const READS_CONFIG: [&str; 4] = ["loop", "rerun", "check", "status"];

const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
\fBWFM_CONFIG\fR
The config file when neither \fB\-\-config\fR nor the old CONFIG argument names one.
.TP
\fBWFM_\fR\fIKEY\fR
Overrides the config key \fIKEY\fR (e.g. \fBWFM_LP_CLIENT_SECRET\fR): secrets can stay out of the file.
.TP
\fBWFM_NOW\fR
An RFC 3339 time (2026\-11\-24T10:16:00Z) used instead of the clock, for tests and replays.
.TP
\fBTMPDIR\fR
Where LivePerson replies are spooled when they are not saved in JSON_DIR (debug 2).
"#;

const FILES: &str = r#".SH FILES
.TP
\fI/etc/wfm/config.navomi\fR
The config when neither \fB\-\-config\fR, CONFIG nor \fBWFM_CONFIG\fR names one and the file exists (the packaged layout); else \fIconfig.navomi\fR in the current folder.
.TP
\fI/etc/wfm/ACCOUNT.conf\fR
One account's config, for the instances \fBwfm@ACCOUNT.service\fR and \fBwfm@ACCOUNT.timer\fR (\-\-config /etc/wfm/%i.conf).
.TP
\fI/etc/wfm/config.navomi.example\fR
The packaged example: every key, its default, absolute folders.
.TP
\fI/var/lib/wfm\fR
REPORT_DIR, STATE_DIR and JSON_DIR of the packaged config (\fIreports\fR, \fIstate\fR, \fIjson\fR; \fI/var/lib/wfm/ACCOUNT/\fR for an instance).
.TP
\fI/var/log/wfm\fR
LOG_DIR of the packaged config: the daily log files \fIwfm.YYYY\-MM\-DD.log\fR (\fI/var/log/wfm/ACCOUNT/\fR for an instance).
.TP
\fISTATE_DIR/wfm\-state\-ACCOUNT.json\fR, \fI.lock\fR
The delivered, written and lost quarters of one account, and the lock of its runs.
"#;

/// The EXIT STATUS section of `command` (None: wfm(1), every status).
fn exit_status(command: Option<&str>) -> String {
    let usage = "Usage or configuration error: the message names the argument or key.";
    let rows: Vec<(&str, &str)> = match command {
        None | Some("loop") | Some("rerun") => vec![
            ("0", "Every quarter delivered (a dry run: every quarter built)."),
            ("1", "The run failed: a quarter not delivered, or LivePerson, FTP or the state failed; the message says what to do."),
            ("2", usage),
            ("3", "Another run holds the lock; nothing was done, the next run catches up."),
            ("130, 143", "Stopped by SIGINT, or SIGTERM (SIGHUP, SIGQUIT and SIGUSR1 are handled as SIGTERM)."),
        ],
        Some("check") => vec![("0", "Every line ok."), ("1", "A line failed."), ("2", usage)],
        Some("status") => vec![
            ("0", "Healthy."),
            ("1", "Not healthy: the problem lines (or the JSON's \\fBproblems\\fR) say why."),
            ("2", usage),
        ],
        Some("demo") => vec![
            ("0", "The demo ran."),
            ("1", "The demo failed."),
            ("2", "A usage error, or a wfm built without the \\fBdemo\\fR feature (as packaged)."),
        ],
        Some(_) => vec![("0", "Done."), ("2", usage)],
    };
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in rows {
        out += &format!(".TP\n\\fB{code}\\fR\n{meaning}\n");
    }
    out
}

/// The sections of `command`'s page (None: wfm(1)).
pub fn sections(command: Option<&str>) -> String {
    let mut out = String::new();
    if command.is_none_or(|c| READS_CONFIG.contains(&c)) {
        out += ENVIRONMENT;
        out += FILES;
    }
    out + &exit_status(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_that_read_a_config_name_the_environment_and_files() {
        let main = sections(None);
        for needle in [
            ".SH ENVIRONMENT",
            "WFM_CONFIG",
            ".SH FILES",
            "/etc/wfm/config.navomi",
            ".SH \"EXIT STATUS\"",
        ] {
            assert!(main.contains(needle), "{needle}: {main}");
        }
        assert!(sections(Some("status")).contains("Healthy."));
        let completions = sections(Some("completions"));
        assert!(!completions.contains("ENVIRONMENT") && completions.contains("EXIT STATUS"));
    }
}
