//! A host that reaches LivePerson only through a proxy: HTTP_PROXY and
//! HTTPS_PROXY are honoured, NO_PROXY too (docs/cli-and-config.md, "Proxies").

use crate::common::*;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A forward proxy for `http://` targets: it reads a connection's request head
/// (absolute-form, `GET http://host:port/path HTTP/1.1`), keeps it, connects to that host and relays both ways, one request a connection.
async fn start_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let line = text.lines().next().unwrap_or_default().to_string();
                log.lock().unwrap().push(text.clone());
                let target = line.split(' ').nth(1).unwrap_or_default();
                let Some(authority) = target.strip_prefix("http://").and_then(|r| r.split('/').next()) else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(authority).await else {
                    return;
                };
                // One request per connection, so each is seen: the server closes after
                // its reply, and the client does not reuse the connection.
                head.truncate(head.len() - 2);
                head.extend_from_slice(b"Connection: close\r\n\r\n");
                if upstream.write_all(&head).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liveperson_is_reached_through_the_proxy_the_environment_names() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let (proxy, seen) = start_proxy().await;
    let s = Setup::new(&sim, "");
    let cfg = s.config.to_str().unwrap();

    // NO_PROXY names the data host: the proxy is not asked.
    let host = sim.base_url().trim_start_matches("http://").to_string();
    let no_proxy = host.split(':').next().unwrap().to_string();
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("NO_PROXY", no_proxy.as_str()),
    ];
    let out = wfm_env(&["loop", cfg, "2", "2", "0"], now, &env).await;
    assert_exit(&out, 0);
    assert!(seen.lock().unwrap().is_empty(), "{:?}", seen.lock().unwrap());

    // Without NO_PROXY every LivePerson request goes through the proxy, with the
    // proxy's login from its URL, and the run delivers as it does directly.
    s.forget_state();
    let with_login = proxy.replace("http://", "http://wfm:pr0xy-pw@");
    let env = [("HTTP_PROXY", with_login.as_str()), ("NO_PROXY", "")];
    let out = wfm_env(&["loop", cfg, "2", "2", "0"], now, &env).await;
    assert_exit(&out, 0);
    let lines = seen.lock().unwrap().clone();
    for method in ["queuehealth", "engactivity", "agentactivity"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("GET http://{host}/")) && l.contains(method)),
            "{method} not asked through the proxy: {lines:?}"
        );
    }
    // Basic base64("wfm:pr0xy-pw")
    assert!(
        lines.iter().all(|h| h
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic d2ztonbymhh5lxb3")),
        "{lines:?}"
    );
    assert_eq!(std::fs::read_dir(s.reports()).unwrap().count(), 3);
    for text in [log_text(&s.path("logs")), stdout(&out), stderr(&out)] {
        assert!(!text.contains("pr0xy-pw"), "{text}");
    }

    // A proxy that is down is named in the failure, with what to check; its login
    // is shown nowhere.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://wfm:pr0xy-pw@{}", l.local_addr().unwrap())
    };
    s.forget_state();
    let env = [("HTTP_PROXY", dead.as_str()), ("NO_PROXY", "")];
    let out = wfm_env(&["loop", cfg, "2", "2", "0"], now, &env).await;
    assert_exit(&out, 1);
    let log = log_text(&s.path("logs"));
    assert!(log.contains("HTTPS_PROXY"), "{log}");
    for text in [log, stdout(&out), stderr(&out)] {
        assert!(!text.contains("pr0xy-pw"), "{text}");
    }
}
