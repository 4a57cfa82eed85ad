//! The table of keys, in documentation order.
//! `doc` is the one description of a key: docs/cli-and-config.md's key table and the
//! comments of config.navomi.example are generated from it (`keys::render`).

use super::Example::{Off, Set};
use super::IfUnset::{Derived, Nothing, Required, RequiredWith, Value};
use super::Key;
use super::Kind::{Choice, Digits, Host, Ids, Mail, Number, Path, Text, Url};
use super::{
    AUTH_METHODS, CHANNELS, DELIVERY, EMAIL_TLS, FILE_STAMPS, FTP_PROTOCOL, FTP_TLS, SIGNATURE_METHODS, UNMAPPED_AGENTS,
};

/// The table.
pub const KEYS: &[Key] = &[
    Key {
        name: "LP_ACCOUNT",
        kind: Digits("a LivePerson account id (digits only, e.g. 12345678)"),
        unset: Required,
        secret: false,
        example: Set("12345678"),
        doc: "LivePerson account (site) id.",
    },
    Key {
        name: "LP_AUTH",
        kind: Choice(&AUTH_METHODS),
        unset: Derived("oauth2 when LP_CLIENT_ID is set, oauth1 when LP_APP_KEY is set"),
        secret: false,
        example: Off("oauth2"),
        doc: "How data calls are authorised: `oauth2` (client credentials, LivePerson's way since OAuth 1.0 \
              ended on 2026-05-31) or `oauth1` (app keys). Any OAuth 2.0 key implies oauth2 and any app key \
              oauth1, so a half-filled method names its missing key; with keys of both methods set, LP_AUTH \
              must say which (an error otherwise).",
    },
    Key {
        name: "LP_CLIENT_ID",
        kind: Text,
        unset: RequiredWith("oauth2"),
        secret: false,
        example: Set("your-client-id"),
        doc: "OAuth 2.0 client id.",
    },
    Key {
        name: "LP_CLIENT_SECRET",
        kind: Text,
        unset: RequiredWith("oauth2"),
        secret: true,
        example: Set("your-client-secret"),
        doc: "OAuth 2.0 client secret.",
    },
    Key {
        name: "LP_SENTINEL_URI",
        kind: Host,
        unset: Nothing,
        secret: false,
        example: Off("va.sentinel.liveperson.net"),
        doc: "Token host (sentinel), same forms as LP_BASE_URI. Empty: looked up with the Domain API \
              (service `sentinel`).",
    },
    Key {
        name: "LP_APP_KEY",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: false,
        example: Off("your-app-key"),
        doc: "OAuth 1.0a consumer key.",
    },
    Key {
        name: "LP_APP_SECRET",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: true,
        example: Off("your-app-secret"),
        doc: "OAuth 1.0a consumer secret.",
    },
    Key {
        name: "LP_ACCESS_TOKEN",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: false,
        example: Off("your-access-token"),
        doc: "OAuth 1.0a access token.",
    },
    Key {
        name: "LP_ACCESS_TOKEN_SECRET",
        kind: Text,
        unset: RequiredWith("oauth1"),
        secret: true,
        example: Off("your-access-token-secret"),
        doc: "OAuth 1.0a access token secret.",
    },
    Key {
        name: "LP_SIGNATURE_METHOD",
        kind: Choice(&SIGNATURE_METHODS),
        unset: Value("HMAC-SHA1"),
        secret: false,
        example: Off("HMAC-SHA1"),
        doc: "OAuth 1.0a signature method: only HMAC-SHA1 is supported (others: a clear error).",
    },
    Key {
        name: "LP_BASE_URI",
        kind: Host,
        unset: Nothing,
        secret: false,
        example: Set(""),
        doc: "Data host (service leDataReporting), e.g. `va.data.liveperson.net`, or a full \
              `http(s)://host:port` URL (proxies, tests; no `user:password@`, path, query or fragment). Empty: looked up once per run \
              with the Domain API.",
    },
    Key {
        name: "LP_CHANNEL",
        kind: Choice(&CHANNELS),
        unset: Value("chat"),
        secret: false,
        example: Off("chat"),
        doc: "Which LivePerson product the account uses: `chat` (the legacy chat product; Operational Realtime \
              API, see [docs/liveperson-api.md](liveperson-api.md); files Q_, AQ_, AS_) or `messaging` (LivePerson \
              Messaging; Key Messaging Metrics API, see [docs/liveperson-messaging.md](liveperson-messaging.md), and \
              the Messaging Operations API, see \
              [docs/liveperson-messaging-operations.md](liveperson-messaging-operations.md); files Q_, AQ_, AS_ \
              within 24 hours, partial Q_ and AS_ from Key Messaging Metrics up to 14 days back). `wfm check` \
              tells which one has data.",
    },
    Key {
        name: "LP_KMM_URI",
        kind: Host,
        unset: Nothing,
        secret: false,
        example: Off("va.agentmanagerworkspace.liveperson.net"),
        doc: "Key Messaging Metrics host (messaging only), same forms as LP_BASE_URI. Empty: looked up once per \
              run with the Domain API (service `agentManagerWorkspace`).",
    },
    Key {
        name: "LP_DOMAIN_API",
        kind: Url,
        unset: Value("https://api.liveperson.net"),
        secret: false,
        example: Set("https://api.liveperson.net"),
        doc: "Domain API root, an `http(s)://` URL (a path prefix is kept; no `user:password@`, query or \
              fragment, as LP_BASE_URI).",
    },
    Key {
        name: "LP_INTERVAL",
        kind: Number { min: 0, max: u32::MAX },
        unset: Value("5"),
        secret: false,
        example: Set("5"),
        doc: "Minutes per API interval; must be 5 (the reports are built from 5-minute intervals).",
    },
    Key {
        name: "LP_VERSION",
        kind: Digits("an API version; expected 1"),
        unset: Value("1"),
        secret: false,
        example: Set("1"),
        doc: "API version parameter `v`.",
    },
    Key {
        name: "LP_AGENT_IDS",
        kind: Ids,
        unset: Value("all"),
        secret: false,
        example: Set("all"),
        doc: "Agents of AQ_ and AS_: comma-separated ids, or `all`. They limit the rows of AQ_ and AS_ (every \
              listed agent gets an AS_ row, zeros when idle), never the queue totals of Q_.",
    },
    Key {
        name: "LP_SKILL_IDS",
        kind: Ids,
        unset: Value("all"),
        secret: false,
        example: Set("all"),
        doc: "Skills of Q_: comma-separated ids, or `all`; every listed skill gets a Q_ row. A list too long for \
              one URL is asked in parts (one request each for queuehealth and engactivity).",
    },
    Key {
        name: "LP_TIMEOUT_SECONDS",
        kind: Number { min: 1, max: 300 },
        unset: Value("30"),
        secret: false,
        example: Set("30"),
        doc: "Timeout of one HTTP request to LivePerson, seconds.",
    },
    Key {
        name: "AGENT_MAP_FILE",
        kind: Path,
        unset: Nothing,
        secret: false,
        example: Off("agents.csv"),
        doc: "CSV mapping LivePerson agent id -> NICE employee id: two columns, an optional header in words \
              (`agent_id,employee_id`), `#` comments, \"quoted\" fields allowed, at least one entry \
              (see [the agent map's rules](#the-agent-map-agent_map_file)). None: every agent is reported under its LivePerson id.",
    },
    Key {
        name: "UNMAPPED_AGENTS",
        kind: Choice(&UNMAPPED_AGENTS),
        unset: Value("keep"),
        secret: false,
        example: Set("keep"),
        doc: "Agents missing from the map: `keep` (reported under their LivePerson id, warned once per run) or \
              `skip` (left out of AQ_ and AS_; needs AGENT_MAP_FILE).",
    },
    Key {
        name: "REPORT_DIR",
        kind: Path,
        unset: Required,
        secret: false,
        example: Set("reports"),
        doc: "Where reports are written; the folder NICE fetches from in FTP pull mode.",
    },
    Key {
        name: "FILE_STAMP",
        kind: Choice(&FILE_STAMPS),
        unset: Value("start"),
        secret: false,
        example: Off("start"),
        doc: "Which end of the quarter the file names carry: `start` (`Q_112426.1000.xml` for 10:00-10:15, \
              the seed's names) or `end` (`Q_112426.1015.xml`, as LivePerson's own NICE adapter names them). \
              The `start`/`end` attributes inside never change.",
    },
    Key {
        name: "LOG_DIR",
        kind: Path,
        unset: Value("logs"),
        secret: false,
        example: Set("logs"),
        doc: "Log files; never in REPORT_DIR (exit 2). A log line that cannot be written (a full disk) is said \
              once on stderr and in the failure mail.",
    },
    Key {
        name: "JSON_DIR",
        kind: Path,
        unset: Value("json"),
        secret: false,
        example: Set("json"),
        doc: "Raw API replies, written at debug level 2; `*.json` files older than LOG_KEEP_DAYS are removed. \
              A dump that cannot be written is a warning (the reply is kept in an anonymous temporary file and \
              the run goes on). Never in REPORT_DIR (exit 2).",
    },
    Key {
        name: "STATE_DIR",
        kind: Path,
        unset: Value("state"),
        secret: false,
        example: Off("state"),
        doc: "Folder of the state and lock files (beside this file by default), created owner-only (0700) \
              when missing. Never in REPORT_DIR or below it (others may write there): such a STATE_DIR or \
              STATE_FILE exits 2. A state at the old default `<REPORT_DIR>/.wfm-state.json` is moved here \
              once by the first run (when STATE_FILE is unset and the new file does not exist yet), with an \
              info line naming both paths.",
    },
    Key {
        name: "STATE_FILE",
        kind: Path,
        unset: Derived("<STATE_DIR>/wfm-state-<LP_ACCOUNT>.json"),
        secret: false,
        example: Off("state/wfm-state-12345678.json"),
        doc: "Record of delivered quarters, one account's (it records LP_ACCOUNT; a state of another account \
              stops the run with exit 2). The run lock is `<STATE_FILE>.lock`. Both are opened without \
              following a symbolic link (a link there fails the run, exit 1) and created owner-only (0600).",
    },
    Key {
        name: "LOG_KEEP_DAYS",
        kind: Number { min: 1, max: 3650 },
        unset: Value("30"),
        secret: false,
        example: Set("30"),
        doc: "Daily log files, and raw replies in JSON_DIR, older than this many days are removed.",
    },
    Key {
        name: "SETTLE_SECONDS",
        kind: Number { min: 0, max: 840 },
        unset: Value("60"),
        secret: false,
        example: Set("60"),
        doc: "Seconds to wait after a quarter ends before building it: with 60, at 10:16:00 the 10:00-10:15 \
              quarter is built. A loop started earlier (at 10:15 by a */15 schedule) waits until then when \
              the wait fits in half of RUN_TIMEOUT_SECONDS.",
    },
    Key {
        name: "RUN_TIMEOUT_SECONDS",
        kind: Number { min: 60, max: 840 },
        unset: Value("600"),
        secret: false,
        example: Set("600"),
        doc: "Deadline of a whole run, seconds: LivePerson, the FTP push and the failure mail together, however \
              slowly a server answers. When it passes, the run stops, removes its temporary files, releases the \
              lock, logs and mails the failure and exits 1; the last 30 s are kept for the failure mail. Under \
              900, so runs never overlap.",
    },
    Key {
        name: "DELIVERY",
        kind: Choice(&DELIVERY),
        unset: Derived("push when FTP_HOST is set, else pull"),
        secret: false,
        example: Off("push"),
        doc: "`push` (upload every quarter by FTP or SFTP, files kept in REPORT_DIR) or `pull` (leave them in \
              REPORT_DIR for the NICE side to fetch). `--ftp push|pull` or FTP_OPT (1/2) override it for one \
              run. A quarter a pull run leaves in REPORT_DIR while DELIVERY=push is uploaded by the next push \
              run.",
    },
    Key {
        name: "FTP_PROTOCOL",
        kind: Choice(&FTP_PROTOCOL),
        unset: Value("ftp"),
        secret: false,
        example: Off("ftp"),
        doc: "Push protocol: `ftp` (FTP, or FTPS per FTP_TLS) or `sftp` (SSH, e.g. NICE CXone; FTP_TLS is not \
              used; see [SFTP push](#added-sftp-the-interval-stamp-many-accounts)).",
    },
    Key {
        name: "FTP_HOST",
        kind: Text,
        unset: Nothing,
        secret: false,
        example: Off("ftp.example.com"),
        doc: "Push destination host. None: no push (DELIVERY defaults to pull).",
    },
    Key {
        name: "FTP_PORT",
        kind: Number { min: 1, max: 65535 },
        unset: Value("21"),
        secret: false,
        example: Off("21"),
        doc: "Push port; unset with FTP_PROTOCOL=sftp it is 22.",
    },
    Key {
        name: "FTP_USER",
        kind: Text,
        unset: Value("anonymous"),
        secret: false,
        example: Off("wfm"),
        doc: "Push login user.",
    },
    Key {
        name: "FTP_PASSWORD",
        kind: Text,
        unset: Nothing,
        secret: true,
        example: Off(""),
        doc: "Push password (with sftp, the login when SFTP_KEY_FILE is unset).",
    },
    Key {
        name: "FTP_REMOTE_DIR",
        kind: Text,
        unset: Value("/"),
        secret: false,
        example: Off("/"),
        doc: "Push folder on the server.",
    },
    Key {
        name: "FTP_TLS",
        kind: Choice(&FTP_TLS),
        unset: Value("none"),
        secret: false,
        example: Off("explicit"),
        doc: "FTPS (FTP only): `none`, `explicit` (AUTH TLS) or `implicit`.",
    },
    Key {
        name: "SFTP_KNOWN_HOSTS",
        kind: Path,
        unset: RequiredWith("sftp"),
        secret: false,
        example: Off("/etc/wfm/known_hosts"),
        doc: "SFTP only: the server's host key, in an OpenSSH known_hosts file. A missing or different key \
              fails the push and names the offered key: it is never trusted on first use, and wfm never writes \
              this file. Get the key with ssh-keyscan and compare its fingerprint with the one the server's \
              owner gives you (see the README).",
    },
    Key {
        name: "SFTP_KEY_FILE",
        kind: Path,
        unset: Nothing,
        secret: false,
        example: Off("/etc/wfm/id_ed25519"),
        doc: "SFTP only: private key (OpenSSH format, no passphrase, readable by wfm only: chmod 600). None: \
              FTP_PASSWORD logs in.",
    },
    Key {
        name: "EMAIL_SERVER",
        kind: Text,
        unset: Nothing,
        secret: false,
        example: Off("smtp.example.com"),
        doc: "SMTP relay for failure mail. None: failures are only logged.",
    },
    Key {
        name: "EMAIL_PORT",
        kind: Number { min: 1, max: 65535 },
        unset: Value("587"),
        secret: false,
        example: Off("587"),
        doc: "SMTP port.",
    },
    Key {
        name: "EMAIL_USER",
        kind: Text,
        unset: Derived("EMAIL_FROM"),
        secret: false,
        example: Off(""),
        doc: "SMTP login user.",
    },
    Key {
        name: "EMAIL_PASSWORD",
        kind: Text,
        unset: Nothing,
        secret: true,
        example: Off(""),
        doc: "SMTP password; AUTH is used only when it is set.",
    },
    Key {
        name: "EMAIL_TLS",
        kind: Choice(&EMAIL_TLS),
        unset: Value("starttls"),
        secret: false,
        example: Off("starttls"),
        doc: "SMTP security: `starttls`, `tls` or `none`.",
    },
    Key {
        name: "EMAIL_FROM",
        kind: Mail,
        unset: RequiredWith("EMAIL_SERVER"),
        secret: false,
        example: Off("wfm@example.com"),
        doc: "Failure mail sender.",
    },
    Key {
        name: "EMAIL_TO",
        kind: Mail,
        unset: RequiredWith("EMAIL_SERVER"),
        secret: false,
        example: Off("ops@example.com"),
        doc: "Failure mail recipient (one).",
    },
    Key {
        name: "EMAIL_SUBJECT",
        kind: Text,
        unset: Value("wfm: report failure"),
        secret: false,
        example: Off("\"wfm: report failure\""),
        doc: "Failure mail subject line. Quote a value with spaces, as a shell would need. Every mail's subject \
              is EMAIL_SUBJECT followed by ` (account LP_ACCOUNT)` (a failure also names its first quarter: \
              `wfm: report failure (account 12345678) 112426.1000 (+2 more)`; a recovery is \
              `RECOVERED: wfm: report failure (account 12345678)`).",
    },
    Key {
        name: "METRICS_FILE",
        kind: Path,
        unset: Nothing,
        secret: false,
        example: Off("/var/lib/node_exporter/textfile/wfm.prom"),
        doc: "Prometheus textfile (for node_exporter's textfile collector), replaced atomically after every \
              `loop` and `rerun` (not dry runs): last run and last success times, quarters delivered, lost and \
              partial, requests (also by LivePerson method), retries, duration and outage, labelled `job=\"loop\"` or `\"rerun\"` and \
              `account=\"<LP_ACCOUNT>\"` (see [the metrics](#monitoring-metrics_file-and-ping_url)); one file per \
              account (e.g. `wfm-12345678.prom`). `/dev/null` switches it off; any other \
              existing file that is not a regular file stops the run (exit 2). None: not written.",
    },
    Key {
        name: "PING_URL",
        kind: Url,
        unset: Nothing,
        secret: false,
        example: Off("https://hc-ping.com/your-uuid"),
        doc: "Dead man's switch (healthchecks.io style): after every `loop` (never a `rerun`: it watches the \
              cron loop), a GET of PING_URL when the run succeeded, PING_URL/fail when it failed (`/fail` on the path, a query kept; no \
              `#fragment`: exit 2; 10 s timeout; a failed ping is only logged). None: no ping.",
    },
];
