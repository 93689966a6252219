//! TLS to NATS with certificates made by the test: a private nats-server with a `tls`
//! block, reached with `tls://` and `TIQETS_NATS_CA_FILE` (as [`NatsTls`], the settings a
//! service reads from its environment); without the CA the certificate is refused; a server
//! that verifies clients takes `TIQETS_NATS_CERT_FILE` + `TIQETS_NATS_KEY_FILE`;
//! `TIQETS_NATS_TLS=require` refuses a server without TLS.

use futures::StreamExt;
use std::time::Duration;
use tiqets_bus::{Bus, BusError, ClientCert, NatsAuth, NatsTls};
use tiqets_contract::Names;
use tiqets_testkit::{OwnedNats, TestPki};

fn names() -> Names {
    Names::new(format!("tls-{:08x}", rand::random::<u32>()))
}

async fn connect(url: &str, tls: &NatsTls) -> Result<Bus, BusError> {
    Bus::connect_with(url, names(), "tls-test", &NatsAuth::Anonymous, tls).await
}

fn with_ca(pki: &TestPki) -> NatsTls {
    NatsTls {
        ca_file: Some(pki.ca_file()),
        ..NatsTls::default()
    }
}

/// Publishes a message and reads it back on the connection.
async fn round_trip(bus: &Bus) {
    let client = bus.client();
    let subject = format!("{}.tls.check", bus.names().namespace());
    let mut sub = client.subscribe(subject.clone()).await.unwrap();
    client.publish(subject, "over TLS".into()).await.unwrap();
    client.flush().await.unwrap();
    let msg = tokio::time::timeout(Duration::from_secs(10), sub.next())
        .await
        .expect("the message within 10 s")
        .expect("an open subscription");
    assert_eq!(&msg.payload[..], b"over TLS");
}

fn refused(result: Result<Bus, BusError>) -> String {
    match result {
        Ok(_) => panic!("connected"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn the_ca_file_lets_a_tls_connection_through_and_another_ca_does_not() {
    let pki = TestPki::new().unwrap();
    let server = OwnedNats::start_tls(&pki.server_cert_file(), &pki.server_key_file(), None)
        .expect("a nats-server with TLS");

    let bus = connect(&server.tls_url(), &with_ca(&pki)).await.unwrap();
    round_trip(&bus).await;
    // A nats:// URL to a server that requires TLS is upgraded, and checked the same way.
    let required = NatsTls {
        require: true,
        ..with_ca(&pki)
    };
    round_trip(&connect(&server.url(), &required).await.unwrap()).await;

    // Without the CA file the system's roots decide, and they do not know the test CA.
    let e = refused(connect(&server.tls_url(), &NatsTls::default()).await);
    assert!(e.contains("invalid peer certificate: UnknownIssuer"), "{e}");
    // Nor does another CA.
    let other = TestPki::new().unwrap();
    let e = refused(connect(&server.tls_url(), &with_ca(&other)).await);
    assert!(e.contains("UnknownIssuer"), "{e}");
}

#[tokio::test]
async fn a_server_that_verifies_clients_takes_the_client_certificate() {
    let pki = TestPki::new().unwrap();
    let ca = pki.ca_file();
    let server = OwnedNats::start_tls(&pki.server_cert_file(), &pki.server_key_file(), Some(&ca))
        .expect("a nats-server verifying clients");
    let tls = NatsTls {
        client_cert: Some(ClientCert {
            cert_file: pki.client_cert_file(),
            key_file: pki.client_key_file(),
        }),
        ..with_ca(&pki)
    };
    round_trip(&connect(&server.tls_url(), &tls).await.unwrap()).await;
    refused(connect(&server.tls_url(), &with_ca(&pki)).await);
}

#[tokio::test]
async fn require_refuses_a_server_without_tls() {
    let server = OwnedNats::start().expect("a plain nats-server");
    let tls = NatsTls {
        require: true,
        ..NatsTls::default()
    };
    let e = refused(connect(&server.url(), &tls).await);
    assert!(e.contains("TIQETS_NATS_TLS=require"), "{e}");
    // The same server without the requirement is fine.
    round_trip(&connect(&server.url(), &NatsTls::default()).await.unwrap()).await;
}

#[tokio::test]
async fn an_unusable_file_is_an_error_naming_its_variable() {
    let pki = TestPki::new().unwrap();
    let tls = NatsTls {
        ca_file: Some(pki.dir().join("missing-ca.pem")),
        ..NatsTls::default()
    };
    // The files are checked before any server is asked: no server is needed.
    let e = refused(connect("tls://127.0.0.1:1", &tls).await);
    assert!(
        e.contains("TIQETS_NATS_CA_FILE=") && e.contains("missing-ca.pem"),
        "{e}"
    );
    let tls = NatsTls {
        client_cert: Some(ClientCert {
            cert_file: pki.client_cert_file(),
            key_file: pki.ca_file(),
        }),
        ..with_ca(&pki)
    };
    let e = refused(connect("tls://127.0.0.1:1", &tls).await);
    assert!(e.contains("TIQETS_NATS_KEY_FILE="), "{e}");
}
