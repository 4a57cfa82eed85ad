//! FTP and mail passwords are used verbatim (blanks at either end kept, as bash
//! reads them inside quotes), end to end: a real libunftp server and a real SMTP
//! relay (STARTTLS, AUTH) that accept only the exact password, blanks included.
//! The passwords never appear in stdout, stderr, the logs, the state or a mail.

use super::decoded;
use crate::common::*;
use crate::delivery_support::ftp_server::{self, start_server_for, ServerTls};
use crate::delivery_support::smtp_server::{self, start_smtp_for};
use crate::delivery_support::{pki, refused_port};

/// Blanks at both ends and inside: a trimmed or re-split password is refused.
const FTP_PW: &str = "  ftp pw-with blanks-Q7  ";
const SMTP_PW: &str = " smtp pw-with blanks-K4   ";
/// Parts of the passwords no output may show (a trimmed copy would hold them too).
const NEEDLES: [&str; 2] = ["pw-with blanks-Q7", "pw-with blanks-K4"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ftp_and_mail_passwords_with_blanks_are_sent_verbatim_and_never_shown() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let (ftp, smtp, pki) = tokio::task::spawn_blocking(|| {
        let pki = pki();
        let ftp = start_server_for(FTP_PW, ServerTls::Off, None, ftp_server::Fault::None);
        let smtp = start_smtp_for(SMTP_PW, Some(&pki));
        (ftp, smtp, pki)
    })
    .await
    .unwrap();
    let ca = pki.chain_path.with_file_name("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let ca = ca.to_str().unwrap().to_string();
    // Single quotes keep the blanks, as bash sources them.
    let dead = refused_port();
    let s = Setup::new(
        &sim,
        &(ftp_server::lines(ftp.port, &format!("'{FTP_PW}'"))
            + &format!(
                "EMAIL_SERVER=127.0.0.1\nEMAIL_PORT={}\nEMAIL_TLS=starttls\nEMAIL_FROM={}\nEMAIL_TO=ops@example.com\n\
                 EMAIL_PASSWORD='{SMTP_PW}'\nLP_BASE_URI=http://127.0.0.1:{dead}\n",
                smtp.port,
                smtp_server::USER,
            )),
    );
    let cfg = s.config.to_str().unwrap().to_string();
    let env = [("SSL_CERT_FILE", ca.as_str())];
    let args = ["loop", cfg.as_str(), "1", "2", "1"];

    // LivePerson down: the failure mail goes through AUTH with the exact password.
    let down = wfm_env(&args, now, &env).await;
    assert_exit(&down, 1);
    assert_eq!(*smtp.logins.lock().unwrap(), [smtp_server::USER], "{}", stderr(&down));
    assert_eq!(smtp.mails().len(), 1, "{}", stderr(&down));
    assert!(
        !stderr(&down).contains("cannot send the failure mail"),
        "{}",
        stderr(&down)
    );

    // LivePerson back: the quarter goes up over FTP with the exact password, and
    // the recovery is mailed (a second AUTH).
    s.rewrite_config(
        &format!("LP_BASE_URI=http://127.0.0.1:{dead}\n"),
        &format!("LP_BASE_URI={}\n", sim.base_url()),
    );
    let up = wfm_env(&args, now, &env).await;
    assert_exit(&up, 0);
    let mut want = names(t("2026-11-24T10:00:00Z")).to_vec();
    want.sort();
    assert_eq!(ftp.names(), want, "{}", stderr(&up));
    for n in &want {
        assert_eq!(
            std::fs::read(ftp.inbox().join(n)).unwrap(),
            std::fs::read(s.reports().join(n)).unwrap()
        );
    }
    assert_eq!(smtp.mails().len(), 2, "the recovery mail: {}", stderr(&up));
    assert_eq!(smtp.logins.lock().unwrap().len(), 2);

    // A warning for each, naming only the key (debug 1 shows warnings).
    for out in [&down, &up] {
        let err = stderr(out);
        for key in ["FTP_PASSWORD", "EMAIL_PASSWORD"] {
            assert!(
                err.contains(key) && err.contains("begins or ends with a blank; it is used as written"),
                "{key}: {err}"
            );
        }
    }
    // Never shown: stdout, stderr, the mails, and every file but the config (logs, state, reports).
    let mails: Vec<String> = smtp.mails().iter().map(|m| decoded(&m.data)).collect();
    for text in [stdout(&down), stderr(&down), stdout(&up), stderr(&up)]
        .iter()
        .chain(&mails)
    {
        for n in NEEDLES {
            assert!(!text.contains(n), "{n:?} shown in: {text}");
        }
    }
    let needles: Vec<String> = NEEDLES.iter().map(|n| n.to_string()).collect();
    let holders = files_holding(s.dir.path(), &needles);
    assert!(holders.iter().all(|(p, _)| *p == s.config), "{holders:?}");
    assert!(s.state_json().is_some() && !log_text(&s.path("logs")).is_empty());

    // A trimmed password is refused by both servers: the blanks are what made it work.
    let trimmed = s.dir.path().join("trimmed.navomi");
    let text = std::fs::read_to_string(&s.config)
        .unwrap()
        .replace(&format!("'{FTP_PW}'"), &format!("'{}'", FTP_PW.trim()))
        .replace(&format!("'{SMTP_PW}'"), &format!("'{}'", SMTP_PW.trim()));
    std::fs::write(&trimmed, text).unwrap();
    s.forget_state();
    let out = wfm_env(
        &["loop", trimmed.to_str().unwrap(), "1", "2", "0"],
        now,
        &[("SSL_CERT_FILE", &ca)],
    )
    .await;
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains("530"),
        "the FTP login is refused: {}",
        stderr(&out)
    );
}
