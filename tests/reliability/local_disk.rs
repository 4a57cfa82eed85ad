//! A local disk failing while a reply is spooled is named as such: not "cannot
//! reach LivePerson", and not retried.

use super::*;

fn assert_named_as_local(out: &std::process::Output) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot keep LivePerson's") && err.contains("TMPDIR"),
        "{err}"
    );
    assert!(
        !err.contains("cannot reach LivePerson") && !err.contains("DNS"),
        "{err}"
    );
    assert!(
        !err.contains("retry 1 of"),
        "a local disk failure is not retried: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tmpdir_that_cannot_take_the_reply_is_named_not_the_network() {
    let now = t("2026-11-24T10:16:30Z");
    let sim = scenario(now).start().await;
    let s = Setup::new(&sim, "");
    // Portable: a TMPDIR that is gone (the spool file cannot be made).
    let gone = s.path("no-such-tmp");
    let out = wfm_env(
        &["loop", s.config.to_str().unwrap(), "2", "2", "1"],
        now,
        &[("TMPDIR", gone.to_str().unwrap())],
    )
    .await;
    assert_named_as_local(&out);
    assert_eq!(sim.data_requests(), 3, "one request per method, none repeated");
    assert!(files_in(&s.reports()).is_empty());

    // A really full TMPDIR: a 16 KiB tmpfs (we are root in CI; skipped elsewhere).
    let full = s.path("full-tmp");
    std::fs::create_dir(&full).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs", full.to_str().unwrap()])
        .output();
    match mounted {
        Ok(o) if o.status.success() => {
            s.forget_state();
            let out = wfm_env(
                &["loop", s.config.to_str().unwrap(), "2", "2", "1"],
                now,
                &[("TMPDIR", full.to_str().unwrap())],
            )
            .await;
            let _ = std::process::Command::new("umount").arg(&full).status();
            assert_named_as_local(&out);
            assert!(stderr(&out).contains("No space left on device"), "{}", stderr(&out));
        }
        Ok(o) => println!(
            "skipped the full-tmpfs half: mount failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("skipped the full-tmpfs half: cannot run mount: {e}"),
    }
}
