//! A 401 after pages LivePerson accepted is no missing privilege.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_on_page_3_after_two_good_pages_is_not_blamed_on_a_privilege() {
    let now = t("2026-11-24T14:20:00Z");
    let sim = paged_messaging(now).start().await;
    // Pages 1 and 2 of metrics pass; page 3 is refused, with the new token too.
    sim.inject_after(Some(Method::Metrics), 2, Fault::ServerError(401), 2);
    let s = Setup::new(&sim, CHANNEL);
    let out = wfm(&["loop", s.config.to_str().unwrap(), "2", "2", "0"], now).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("HTTP 401"), "{err}");
    assert!(
        err.contains("accepted this application's token for this method earlier in the run")
            && err.contains("no privilege is missing"),
        "{err}"
    );
    assert!(!err.contains("lacks the Key Messaging Metrics privilege"), "{err}");
    assert_eq!(kmm_requests(&sim, Method::Metrics), 4, "2 pages, page 3 twice");
    assert_eq!(sim.token_requests(), 2);
    assert!(files_in(&s.reports()).is_empty());
}
