use super::*;

fn s(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

fn photos_creds() -> OAuthCredentials {
    OAuthCredentials {
        consumer_key: "dpf43f3p2l4k3l03".into(),
        consumer_secret: "kd94hf93k423kf44".into(),
        token: "nnch734d00sl2jdk".into(),
        token_secret: "pfkkdhi9sl3r4s00".into(),
    }
}

const PHOTOS_HEADER: &str = "OAuth realm=\"Photos\",\n   oauth_consumer_key=\"dpf43f3p2l4k3l03\",\n   oauth_token=\"nnch734d00sl2jdk\",\n   oauth_signature_method=\"HMAC-SHA1\",\n   oauth_timestamp=\"137131202\",\n   oauth_nonce=\"chapoH\",\n   oauth_signature=\"MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D\"";

#[test]
fn rfc5849_3_4_1_base_string() {
    // Query b5=%3D%253D&a3=a&c%40=&a2=r%20b, body c2&a3=2+q, plus protocol parameters.
    let mut params = parse_query("b5=%3D%253D&a3=a&c%40=&a2=r%20b");
    params.extend(parse_query("c2&a3=2+q"));
    assert!(params.contains(&s("b5", "=%3D")) && params.contains(&s("a3", "2 q")));
    params.extend(parse_authorization(
        "OAuth realm=\"Example\", oauth_consumer_key=\"9djdj82h48djs9d2\", oauth_token=\"kkk9d7dh3k39sjv7\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131201\", oauth_nonce=\"7d8f3e4a\", oauth_signature=\"djosJKDKJSD8743243%2Fjdk33klY%3D\"",
    )
    .unwrap()
    .into_iter()
    .filter(|(k, _)| k != "realm"));
    let uri = base_string_uri("HTTP", "EXAMPLE.com:80", "/request");
    assert_eq!(uri, "http://example.com/request");
    assert_eq!(
        normalize_parameters(&params),
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
    );
    assert_eq!(
        signature_base_string("POST", &uri, &params),
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    );
}

#[test]
fn base_uri_ports() {
    assert_eq!(
        base_string_uri("https", "Host.Example:443", "/a"),
        "https://host.example/a"
    );
    assert_eq!(
        base_string_uri("http", "127.0.0.1:8080", "/a"),
        "http://127.0.0.1:8080/a"
    );
    assert_eq!(base_string_uri("http", "[::1]:80", "/"), "http://[::1]/");
    assert_eq!(base_string_uri("http", "[::1]:81", ""), "http://[::1]:81/");
}

#[test]
fn rfc5849_1_2_signature_and_verify() {
    let params = vec![
        s("file", "vacation.jpg"),
        s("size", "original"),
        s("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        s("oauth_token", "nnch734d00sl2jdk"),
        s("oauth_signature_method", "HMAC-SHA1"),
        s("oauth_timestamp", "137131202"),
        s("oauth_nonce", "chapoH"),
    ];
    let base = signature_base_string("GET", "http://photos.example.net/photos", &params);
    assert_eq!(
        base,
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
    );
    assert_eq!(
        hmac_sha1_signature(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
        "MdpQcU8iPSUjWoN/UDMsK2sui9I="
    );
    let nonces = NonceCache::new();
    let check = |creds: &OAuthCredentials, now: i64| {
        verify(
            "GET",
            "http",
            "photos.example.net",
            "/photos",
            Some("file=vacation.jpg&size=original"),
            Some(PHOTOS_HEADER),
            creds,
            &nonces,
            now,
        )
    };
    let mut wrong = photos_creds();
    wrong.token_secret = "nope".into();
    assert_eq!(check(&wrong, 137131202), Err(OAuthRejection::BadSignature));
    assert_eq!(
        check(&photos_creds(), 137131202 + 301).unwrap_err().to_string(),
        "timestamp 137131202 is more than 300 s from the server clock 137131503"
    );
    assert_eq!(check(&photos_creds(), 137131202 - 250), Ok(()));
    assert_eq!(check(&photos_creds(), 137131202), Err(OAuthRejection::NonceReused));
    // A changed query no longer matches.
    let r = verify(
        "GET",
        "http",
        "photos.example.net",
        "/photos",
        Some("file=vacation.jpg&size=large"),
        Some(PHOTOS_HEADER),
        &photos_creds(),
        &NonceCache::new(),
        137131202,
    );
    assert_eq!(r, Err(OAuthRejection::BadSignature));
}

#[test]
fn header_rejections() {
    let creds = photos_creds();
    let v = |h: Option<&str>| {
        verify(
            "GET",
            "http",
            "photos.example.net",
            "/photos",
            Some("file=vacation.jpg&size=original"),
            h,
            &creds,
            &NonceCache::new(),
            137131202,
        )
    };
    assert_eq!(v(None), Err(OAuthRejection::MissingHeader));
    assert_eq!(v(Some("Basic abc")), Err(OAuthRejection::NotOAuth));
    assert!(matches!(
        v(Some("OAuth oauth_nonce=abc")),
        Err(OAuthRejection::MalformedHeader(_))
    ));
    assert!(matches!(
        v(Some("OAuth oauth_nonce=\"abc")),
        Err(OAuthRejection::MalformedHeader(_))
    ));
    assert_eq!(
        v(Some("OAuth")),
        Err(OAuthRejection::MissingParam("oauth_consumer_key"))
    );
    assert_eq!(
        v(Some(&PHOTOS_HEADER.replace("dpf43f3p2l4k3l03", "other"))),
        Err(OAuthRejection::WrongConsumerKey)
    );
    assert_eq!(
        v(Some(&PHOTOS_HEADER.replace("nnch734d00sl2jdk", "other"))),
        Err(OAuthRejection::WrongToken)
    );
    assert_eq!(
        v(Some(&PHOTOS_HEADER.replace("HMAC-SHA1", "PLAINTEXT"))),
        Err(OAuthRejection::UnsupportedSignatureMethod("PLAINTEXT".into()))
    );
    assert_eq!(
        v(Some(&PHOTOS_HEADER.replace("137131202", "soon"))),
        Err(OAuthRejection::InvalidTimestamp("soon".into()))
    );
    assert_eq!(
        v(Some(&PHOTOS_HEADER.replace("MdpQcU8iPSUjWoN", "XdpQcU8iPSUjWoN"))),
        Err(OAuthRejection::BadSignature)
    );
    assert_eq!(
        v(Some(&PHOTOS_HEADER.replace("%3D\"", "%3D%\""))),
        Err(OAuthRejection::BadSignature)
    );
    let dup = format!("{PHOTOS_HEADER}, oauth_nonce=\"x\"");
    assert_eq!(v(Some(&dup)), Err(OAuthRejection::DuplicateParam("oauth_nonce".into())));
    assert_eq!(v(Some(PHOTOS_HEADER)), Ok(()));
}

fn oauth1_header(creds: &OAuthCredentials, uri: &str, query: &[(&str, &str)]) -> String {
    let token = oauth1_request::Token::from_parts(
        creds.consumer_key.as_str(),
        creds.consumer_secret.as_str(),
        creds.token.as_str(),
        creds.token_secret.as_str(),
    );
    let req = oauth1_request::ParameterList::new(query.to_vec());
    oauth1_request::get(uri, &req, &token, oauth1_request::HMAC_SHA1)
}

#[test]
fn oauth1_request_header_verifies() {
    let creds = OAuthCredentials {
        consumer_key: "app key".into(),
        consumer_secret: "s3cr&t/+=".into(),
        token: "tok~en".into(),
        token_secret: "ts ~*é".into(),
    };
    let query = [
        ("timeframe", "60"),
        ("interval", "5"),
        ("v", "1"),
        ("skillIds", "12,7 8"),
        ("x", "a+b&c=d"),
    ];
    let h = oauth1_header(
        &creds,
        "http://127.0.0.1:4567/operations/api/account/123/queuehealth",
        &query,
    );
    let raw_query = "timeframe=60&interval=5&v=1&skillIds=12%2C7%208&x=a%2Bb%26c%3Dd";
    let now = chrono::Utc::now().timestamp();
    let nonces = NonceCache::new();
    let v = |creds: &OAuthCredentials, q: &str| {
        verify(
            "GET",
            "http",
            "127.0.0.1:4567",
            "/operations/api/account/123/queuehealth",
            Some(q),
            Some(&h),
            creds,
            &nonces,
            now,
        )
    };
    let mut wrong = creds.clone();
    wrong.consumer_secret = "wrong".into();
    assert_eq!(v(&wrong, raw_query), Err(OAuthRejection::BadSignature));
    let mut wrong_key = creds.clone();
    wrong_key.consumer_key = "other".into();
    assert_eq!(v(&wrong_key, raw_query), Err(OAuthRejection::WrongConsumerKey));
    // Commas left unencoded in the query decode the same.
    assert_eq!(
        v(&creds, "timeframe=60&interval=5&v=1&skillIds=12,7+8&x=a%2Bb%26c%3Dd"),
        Ok(())
    );
    assert_eq!(v(&creds, raw_query), Err(OAuthRejection::NonceReused));
    // Old timestamps are rejected against the real clock.
    let r = verify(
        "GET",
        "http",
        "127.0.0.1:4567",
        "/operations/api/account/123/queuehealth",
        Some(raw_query),
        Some(&h),
        &creds,
        &NonceCache::new(),
        now + 3600,
    );
    assert!(matches!(r, Err(OAuthRejection::TimestampOutOfRange { .. })));
}
