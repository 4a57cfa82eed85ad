//! PING_URL with a query: the failure ping puts `/fail` on the path and keeps the query.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_url_with_a_query_fails_on_the_path_and_keeps_the_query() {
    let first = t("2026-11-24T10:16:30Z");
    let sim = scenario(first).start().await;
    let (port, paths) = ping_server().await;
    let s = Setup::new(&sim, &format!("PING_URL=http://127.0.0.1:{port}/ping?key=abc\n"));
    let out = run_loop(&s, first).await;
    assert_exit(&out, 0);
    let now = t("2026-11-24T10:31:30Z");
    sim.set_now(now);
    sim.inject(None, Fault::ServerError(400), 3);
    let out = run_loop(&s, now).await;
    assert_exit(&out, 1);
    assert_eq!(*paths.lock().unwrap(), ["GET /ping?key=abc", "GET /ping/fail?key=abc"]);
}
