use super::*;
use std::path::Path;

fn split(url: &str) -> (String, DbTls) {
    split_url(url).unwrap()
}

#[test]
fn a_url_without_parameters_is_left_alone() {
    let url = "postgres://u:p@db:5432/tiqets";
    assert_eq!(split(url), (url.to_string(), DbTls::default()));
}

#[test]
fn our_parameters_leave_the_url_and_the_others_stay() {
    let (rest, tls) = split(
        "postgres://u:p@db/tiqets?application_name=x&sslmode=verify-full\
         &sslrootcert=%2Fetc%2Ftls%2Fca.crt&connect_timeout=3&sslcert=c.pem&sslkey=k.pem",
    );
    assert_eq!(
        rest,
        "postgres://u:p@db/tiqets?application_name=x&connect_timeout=3"
    );
    assert_eq!(
        tls,
        DbTls {
            mode: SslMode::VerifyFull,
            root_cert: Some(RootCerts::File("/etc/tls/ca.crt".into())),
            client_cert: Some("c.pem".into()),
            client_key: Some("k.pem".into()),
        }
    );
    let (rest, tls) = split("postgresql://db/tiqets?sslmode=require");
    assert_eq!(rest, "postgresql://db/tiqets");
    assert_eq!(tls.mode, SslMode::Require);
}

#[test]
fn a_question_mark_in_the_password_is_not_the_query() {
    let (rest, tls) = split("postgres://u:p?x@db/tiqets?sslmode=disable");
    assert_eq!(rest, "postgres://u:p?x@db/tiqets");
    assert_eq!(tls.mode, SslMode::Disable);
}

#[test]
fn every_mode_parses_and_the_last_wins() {
    for mode in SslMode::ALL {
        let (_, tls) = split(&format!("postgres://db/t?sslmode={}", mode.as_str()));
        assert_eq!(tls.mode, mode);
    }
    let (_, tls) = split("postgres://db/t?sslmode=require&sslmode=disable");
    assert_eq!(tls.mode, SslMode::Disable);
    let (_, tls) = split("postgres://db/t?sslrootcert=system");
    assert_eq!(tls.root_cert, Some(RootCerts::System));
}

#[test]
fn an_unknown_mode_is_refused_with_the_choices() {
    let e = split_url("postgres://db/t?sslmode=verify").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("sslmode=\"verify\""), "{text}");
    assert!(text.contains("verify-ca, verify-full"), "{text}");
    assert!(!e.is_transient());
    assert!(split_url("host=db sslmode=allow").is_err());
}

#[test]
fn key_value_strings_lose_our_pairs_too() {
    let (rest, tls) = split(
        "host=db sslmode = verify-ca user=u sslrootcert='/etc/my certs/ca.pem' \
         password='it\\'s' sslkey=k\\ey",
    );
    assert_eq!(rest, "host=db  user=u  password='it\\'s' ");
    assert_eq!(tls.mode, SslMode::VerifyCa);
    assert_eq!(
        tls.root_cert,
        Some(RootCerts::File("/etc/my certs/ca.pem".into()))
    );
    assert_eq!(tls.client_key, Some("key".into()));
    let s = "host=db user=u";
    assert_eq!(split(s).0, s);
}

#[test]
fn disable_needs_no_configuration_and_the_others_get_one() {
    let tls = |mode| DbTls {
        mode,
        ..DbTls::default()
    };
    assert!(tls(SslMode::Disable).client_config().unwrap().is_none());
    assert!(tls(SslMode::Prefer).client_config().unwrap().is_some());
    assert!(tls(SslMode::Require).client_config().unwrap().is_some());
}

#[test]
fn unreadable_or_unusable_files_are_named() {
    let dir = std::env::temp_dir().join(format!("tiqets-store-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.pem");
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let config = |root: &Path, cert: Option<&Path>, key: Option<&Path>| {
        DbTls {
            mode: SslMode::VerifyFull,
            root_cert: Some(RootCerts::File(root.to_path_buf())),
            client_cert: cert.map(Path::to_path_buf),
            client_key: key.map(Path::to_path_buf),
        }
        .client_config()
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    let e = config(&missing, None, None);
    assert!(
        e.contains("sslrootcert=") && e.contains("missing.pem") && e.contains("cannot read"),
        "{e}"
    );
    let e = config(&not_pem, None, None);
    assert!(e.contains("holds no PEM certificate"), "{e}");
    let e = DbTls {
        mode: SslMode::Require,
        client_cert: Some(not_pem.clone()),
        ..DbTls::default()
    }
    .client_config()
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains("sslcert is set without sslkey"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
