use super::*;

const MINIMAL: &str = "LP_ACCOUNT=12345678\nLP_APP_KEY=key\nLP_APP_SECRET=appsecret\nLP_ACCESS_TOKEN=tok\nLP_ACCESS_TOKEN_SECRET=toksecret\nREPORT_DIR=reports\n";

fn validate(text: &str) -> Result<Config, ConfigError> {
    RawConfig::parse(text, "config.navomi")?.validate(Path::new("/etc/wfm/config.navomi"), Path::new("/etc/wfm"))
}

#[test]
fn defaults() {
    let c = validate(MINIMAL).unwrap();
    assert_eq!(c.account, "12345678");
    assert_eq!(c.agents, IdSelection::All);
    assert_eq!(c.skills, IdSelection::All);
    assert_eq!(c.report_dir, PathBuf::from("/etc/wfm/reports"));
    assert_eq!(c.state_file, PathBuf::from("/etc/wfm/state/wfm-state-12345678.json"));
    assert_eq!(
        c.legacy_state_file,
        Some(PathBuf::from("/etc/wfm/reports/.wfm-state.json"))
    );
    assert_eq!(c.log_dir, PathBuf::from("/etc/wfm/logs"));
    assert_eq!(c.json_dir, PathBuf::from("/etc/wfm/json"));
    assert_eq!(c.settle_seconds, 60);
    assert_eq!(c.lp_timeout_seconds, 30);
    assert_eq!(c.log_keep_days, 30);
    assert_eq!(c.domain_api, "https://api.liveperson.net");
    assert_eq!(c.base_uri, None);
    assert!(c.ftp.is_none() && c.email.is_none());
    assert!(c.warnings.is_empty());
}

#[test]
fn the_state_lives_outside_report_dir_one_per_account() {
    let c = validate(&format!("{MINIMAL}STATE_DIR=/var/lib/wfm\n")).unwrap();
    assert_eq!(c.state_file, PathBuf::from("/var/lib/wfm/wfm-state-12345678.json"));
    let other = validate(&MINIMAL.replace("12345678", "87654321")).unwrap();
    assert_eq!(
        other.state_file,
        PathBuf::from("/etc/wfm/state/wfm-state-87654321.json")
    );
    // An explicit STATE_FILE wins (relative to the config's folder), and nothing is moved.
    let c = validate(&format!("{MINIMAL}STATE_DIR=/var/lib/wfm\nSTATE_FILE=my-state.json\n")).unwrap();
    assert_eq!(c.state_file, PathBuf::from("/etc/wfm/my-state.json"));
    assert_eq!(c.legacy_state_file, None);
}

#[test]
fn secrets_are_taken_verbatim_with_a_warning_naming_only_the_key() {
    let text = format!("{MINIMAL}FTP_HOST=ftp.example.com\nFTP_PASSWORD='  p w  '\nLP_ACCESS_TOKEN_SECRET='   '\n");
    let mut raw = RawConfig::parse(&text, "config.navomi").unwrap();
    raw.apply_env(|k| (k == "WFM_LP_APP_SECRET").then(|| " env ".to_string()));
    let c = raw.validate(Path::new("c"), Path::new("/x"));
    // A secret of blanks only is unset: LP_ACCESS_TOKEN_SECRET is then missing.
    assert!(c.is_err());
    let text = text.replace("LP_ACCESS_TOKEN_SECRET='   '\n", "");
    let mut raw = RawConfig::parse(&text, "config.navomi").unwrap();
    raw.apply_env(|k| (k == "WFM_LP_APP_SECRET").then(|| " env ".to_string()));
    let c = raw.validate(Path::new("c"), Path::new("/x")).unwrap();
    let LpAuth::OAuth1(creds) = &c.auth else {
        panic!("app keys mean oauth1")
    };
    assert_eq!(creds.app_secret.expose(), " env ");
    assert_eq!(c.ftp.unwrap().password.expose(), "  p w  ");
    let w = c.warnings.join("\n");
    assert!(w.contains("FTP_PASSWORD") && w.contains("WFM_LP_APP_SECRET"), "{w}");
    assert!(!w.contains("p w") && !w.contains("env "), "{w}");
}

#[test]
fn shell_syntax_quotes_comments_and_env_override() {
    let text = format!(
        "# comment\n\n{MINIMAL}LP_SKILL_IDS=\"199, 10,199\"\nLP_AGENT_IDS='all'\nexport LOG_DIR=/var/log/wfm # trailing\nFTP_HOST=ftp.example.com\nFTP_PASSWORD='p#ss word'\nMYSTERY=1\n"
    );
    let mut raw = RawConfig::parse(&text, "config.navomi").unwrap();
    raw.apply_env(|k| (k == "WFM_LP_APP_SECRET").then(|| "fromenv".to_string()));
    let c = raw.validate(Path::new("c"), Path::new("/x")).unwrap();
    assert_eq!(c.skills, IdSelection::List(vec!["199".into(), "10".into()]));
    assert_eq!(c.agents, IdSelection::All);
    assert_eq!(c.log_dir, PathBuf::from("/var/log/wfm"));
    let LpAuth::OAuth1(creds) = &c.auth else {
        panic!("app keys mean oauth1")
    };
    assert_eq!(creds.app_secret.expose(), "fromenv");
    let ftp = c.ftp.unwrap();
    assert_eq!(ftp.password.expose(), "p#ss word");
    assert_eq!((ftp.port, ftp.remote_dir.as_str(), ftp.tls), (21, "/", FtpTls::None));
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("MYSTERY") && c.warnings[0].contains("line 14"));
}

#[test]
fn errors_name_key_and_line() {
    let e = validate("LP_ACCOUNT=1\nLP_APP_KEY=k\n").unwrap_err().to_string();
    assert!(e.contains("LP_APP_SECRET is required"), "{e}");
    let e = validate(&format!("{MINIMAL}LP_INTERVAL=15\n")).unwrap_err().to_string();
    assert!(
        e.contains("LP_INTERVAL") && e.contains("line 7") && e.contains("LP_INTERVAL=5"),
        "{e}"
    );
    let e = validate(&format!("{MINIMAL}LP_SIGNATURE_METHOD=PLAINTEXT\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("LP_SIGNATURE_METHOD") && e.contains("HMAC-SHA1"), "{e}");
    let e = validate(&format!("{MINIMAL}FTP_HOST=h\nFTP_PORT=70000\n"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("FTP_PORT") && e.contains("line 8") && e.contains("1 to 65535"),
        "{e}"
    );
    let e = validate(&format!("{MINIMAL}FTP_HOST=h\nFTP_TLS=sometimes\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("FTP_TLS") && e.contains("explicit"), "{e}");
    let e = validate(&format!("{MINIMAL}EMAIL_SERVER=smtp\nEMAIL_TO=a@b\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("EMAIL_FROM is required"), "{e}");
    let e = validate(&format!("{MINIMAL}LP_SKILL_IDS=1,,2\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("LP_SKILL_IDS"), "{e}");
    let e = validate(&MINIMAL.replace("12345678", "12ab")).unwrap_err().to_string();
    assert!(e.contains("LP_ACCOUNT") && e.contains("line 1"), "{e}");
    let e = validate(&format!("{MINIMAL}LP_BASE_URI=ftp://x\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("LP_BASE_URI"), "{e}");
    let e = validate(&format!("{MINIMAL}UNMAPPED_AGENTS=drop\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("UNMAPPED_AGENTS") && e.contains("keep or skip"), "{e}");
}

const OAUTH2: &str = "LP_ACCOUNT=12345678\nLP_CLIENT_ID=cid\nLP_CLIENT_SECRET=csecret\nREPORT_DIR=reports\n";

#[test]
fn the_auth_method_is_chosen_by_lp_auth_or_by_the_keys_present() {
    let c = validate(OAUTH2).unwrap();
    assert_eq!(
        c.auth,
        LpAuth::OAuth2(ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("csecret"),
            sentinel_uri: None,
        })
    );
    assert_eq!(validate(MINIMAL).unwrap().auth.name(), "oauth1");
    // Both kinds: LP_AUTH decides, and is required.
    let both = format!("{MINIMAL}LP_CLIENT_ID=cid\nLP_CLIENT_SECRET=csecret\n");
    let e = validate(&both).unwrap_err().to_string();
    assert!(e.starts_with("LP_AUTH") && e.contains("both"), "{e}");
    assert_eq!(
        validate(&format!("{both}LP_AUTH=oauth2\n")).unwrap().auth.name(),
        "oauth2"
    );
    assert_eq!(
        validate(&format!("{both}LP_AUTH=OAuth1\n")).unwrap().auth.name(),
        "oauth1"
    );
    // The other method's keys are then not required.
    let e = validate(&format!("{OAUTH2}LP_AUTH=oauth1\n")).unwrap_err().to_string();
    assert!(e.contains("LP_APP_KEY is required"), "{e}");
    let e = validate(&format!("{MINIMAL}LP_AUTH=oauth2\n")).unwrap_err().to_string();
    assert!(e.contains("LP_CLIENT_ID is required"), "{e}");
    let e = validate(&OAUTH2.replace("LP_CLIENT_SECRET=csecret\n", ""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("LP_CLIENT_SECRET is required"), "{e}");
    let e = validate(&format!("{OAUTH2}LP_AUTH=jwt\n")).unwrap_err().to_string();
    assert!(
        e.contains("LP_AUTH") && e.contains("line 5") && e.contains("oauth2"),
        "{e}"
    );
    let e = validate("LP_ACCOUNT=1\nREPORT_DIR=r\n").unwrap_err().to_string();
    assert!(e.contains("LP_CLIENT_ID") && e.contains("LP_APP_KEY"), "{e}");
    // The token host, in the forms of LP_BASE_URI.
    let c = validate(&format!("{OAUTH2}LP_SENTINEL_URI=va.sentinel.liveperson.net\n")).unwrap();
    let LpAuth::OAuth2(cc) = c.auth else { panic!() };
    assert_eq!(cc.sentinel_uri.as_deref(), Some("https://va.sentinel.liveperson.net"));
    let e = validate(&format!("{OAUTH2}LP_SENTINEL_URI=ftp://x\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("LP_SENTINEL_URI"), "{e}");
    let dbg = format!("{:?}", validate(OAUTH2).unwrap());
    assert!(!dbg.contains("csecret"), "{dbg}");
}

#[test]
fn syntax_error_never_echoes_the_secret() {
    let text = format!("{MINIMAL}LP_APP_SECRET=\"s3cr3t-value\n");
    let e = RawConfig::parse(&text, "config.navomi").unwrap_err().to_string();
    assert!(!e.contains("s3cr3t"), "{e}");
    assert!(e.contains("line 7") && e.contains("LP_APP_SECRET"), "{e}");
}

#[test]
fn unquoted_spaces_are_a_syntax_error_naming_line_and_key() {
    let text = format!("{MINIMAL}LP_SKILL_IDS=1, 2\n");
    let e = RawConfig::parse(&text, "config.navomi").unwrap_err().to_string();
    assert!(e.contains("line 7") && e.contains("LP_SKILL_IDS"), "{e}");
}

#[test]
fn secrets_are_redacted_in_debug() {
    let c = validate(MINIMAL).unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("appsecret") && !dbg.contains("toksecret"), "{dbg}");
}

#[test]
fn the_shipped_example_is_valid_and_documents_every_key() {
    let text = include_str!("../../config.navomi.example");
    let c = validate(text).unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    for key in keys::KEYS.iter().map(|k| k.name) {
        assert!(
            text.contains(&format!("{key}=")),
            "{key} is not documented in config.navomi.example"
        );
    }
}

#[test]
fn base_uri_forms() {
    assert_eq!(
        normalize_base_uri("va.data.liveperson.net").unwrap(),
        "https://va.data.liveperson.net"
    );
    assert_eq!(
        normalize_base_uri("http://127.0.0.1:8080/").unwrap(),
        "http://127.0.0.1:8080"
    );
    assert!(normalize_base_uri("http://h/path").is_err());
    let e = normalize_base_uri("https://a:s3cret@b:2").unwrap_err();
    assert!(e.contains("user name") && !e.contains("s3cret"), "{e}");
}

#[test]
fn hosts_and_the_domain_api_refuse_userinfo_query_and_fragment_without_showing_a_password() {
    for (line, needle) in [
        (
            "LP_DOMAIN_API=https://user:pw0rd@api.liveperson.net/",
            "user name or password",
        ),
        (
            "LP_DOMAIN_API=ftp://user:pw0rd@api.liveperson.net",
            "user name or password",
        ),
        ("LP_DOMAIN_API=https://api.liveperson.net?x=1", "query or fragment"),
        ("LP_DOMAIN_API=https://api.liveperson.net#top", "query or fragment"),
        ("LP_DOMAIN_API=https://", "must be an http(s):// URL"),
        ("LP_DOMAIN_API=https:///x", "with a host"),
        ("LP_DOMAIN_API=\"https://api .liveperson.net\"", "no blanks"),
        ("LP_BASE_URI=ftp://user:pw0rd@b", "user name or password"),
        ("LP_BASE_URI=https://b:2?x=1", "query or fragment"),
        ("LP_KMM_URI=b#f", "query or fragment"),
        ("PING_URL=ftp://user:pw0rd@hc.example.com", "not shown"),
    ] {
        let e = validate(&format!("{MINIMAL}{line}\n")).unwrap_err().to_string();
        let key = line.split('=').next().unwrap();
        assert!(e.contains(key) && e.contains(needle), "{line}: {e}");
        assert!(!e.contains("pw0rd"), "{line}: {e}");
    }
    // A path prefix (a proxy in front of the Domain API) stays possible.
    let c = validate(&format!("{MINIMAL}LP_DOMAIN_API=http://proxy:8080/lp/\n")).unwrap();
    assert_eq!(c.domain_api, "http://proxy:8080/lp");
}

#[test]
fn credentials_with_control_characters_are_refused_naming_only_the_key() {
    for (key, value) in [
        ("LP_APP_KEY", "'k\u{1}ey'"),
        ("LP_APP_SECRET", "'app\tsecret'"),
        ("LP_ACCESS_TOKEN", "'to\u{0}k'"),
        ("LP_ACCESS_TOKEN_SECRET", "'toksecret\r'"),
        ("LP_ACCESS_TOKEN_SECRET", "'tok\nsecret'"),
    ] {
        let text = format!("{MINIMAL}{key}={value}\n");
        let e = validate(&text).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains("control character"), "{key}: {e}");
        assert!(!e.contains("secret'") && !e.contains("ey'"), "{e}");
    }
    let e = validate(&format!("{OAUTH2}LP_CLIENT_SECRET='cs\x7fecret'\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("LP_CLIENT_SECRET") && e.contains("control character"), "{e}");
    // FTP and mail logins: a tab may be real, a line break or NUL never.
    let ftp = format!("{MINIMAL}FTP_HOST=ftp\nFTP_REMOTE_DIR=/in\n");
    assert!(validate(&format!("{ftp}FTP_PASSWORD='p\tw'\n")).is_ok());
    for line in [
        "FTP_PASSWORD='pw\r\nDELE x'",
        "FTP_USER='u\nx'",
        "FTP_PASSWORD='p\u{0}w'",
    ] {
        let e = validate(&format!("{ftp}{line}\n")).unwrap_err().to_string();
        let key = line.split('=').next().unwrap();
        assert!(e.contains(key) && e.contains("line break"), "{line}: {e}");
        assert!(!e.contains("DELE"), "{e}");
    }
    let mail = format!("{MINIMAL}EMAIL_SERVER=smtp\nEMAIL_FROM=a@b\nEMAIL_TO=c@d\n");
    let e = validate(&format!("{mail}EMAIL_PASSWORD='pw\r'\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("EMAIL_PASSWORD") && e.contains("line break"), "{e}");
}
