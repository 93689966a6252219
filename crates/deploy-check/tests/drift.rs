//! The manifests of every overlay (alone and with each component) against the code: each
//! image is a Dockerfile target, each variable is one its service reads (with a value the
//! service accepts), each probe and scrape asks a port and path the service serves, each
//! grace period outlasts the drain. The last tests break a rendered manifest on purpose
//! and expect the check to see it.

use serde_norway::Value;
use std::sync::OnceLock;
use tiqets_deploy_check::render::{find, workspace_root};
use tiqets_deploy_check::{check, render_all, Facts, Rendered};

fn facts() -> &'static Facts {
    static FACTS: OnceLock<Facts> = OnceLock::new();
    FACTS.get_or_init(|| Facts::gather(&workspace_root()).expect("reading the code"))
}

fn rendered() -> &'static [Rendered] {
    static RENDERED: OnceLock<Vec<Rendered>> = OnceLock::new();
    RENDERED.get_or_init(|| render_all().expect("rendering deploy/k8s"))
}

fn configuration(name: &str) -> Vec<Value> {
    rendered()
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no configuration {name}"))
        .docs
        .clone()
}

fn deployment<'a>(docs: &'a mut [Value], name: &str) -> &'a mut Value {
    let index = docs
        .iter()
        .position(|d| find(std::slice::from_ref(d), "Deployment", name).is_some())
        .unwrap_or_else(|| panic!("no Deployment {name}"));
    &mut docs[index]
}

fn container<'a>(docs: &'a mut [Value], name: &str) -> &'a mut Value {
    &mut deployment(docs, name)["spec"]["template"]["spec"]["containers"][0]
}

/// The `data` of the ConfigMap `{service}-config-<hash>`.
fn config_data<'a>(docs: &'a mut [Value], service: &str) -> &'a mut Value {
    let prefix = format!("{service}-config");
    let map = docs
        .iter_mut()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&prefix))
        })
        .unwrap_or_else(|| panic!("no ConfigMap {prefix}"));
    &mut map["data"]
}

/// Asserts that the check of `docs` reports a problem containing each of `expected`.
fn assert_caught(docs: &[Value], expected: &[&str]) {
    let problems = check(docs, facts());
    for e in expected {
        assert!(problems.iter().any(|p| p.contains(e)), "{e}: {problems:?}");
    }
}

#[test]
fn every_configuration_matches_the_code() {
    let names: Vec<&str> = rendered().iter().map(|r| r.name.as_str()).collect();
    assert!(
        names.contains(&"dev") && names.contains(&"prod"),
        "{names:?}"
    );
    let problems: Vec<String> = rendered()
        .iter()
        .flat_map(|r| {
            check(&r.docs, facts())
                .into_iter()
                .map(|p| format!("{}: {p}", r.name))
        })
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_code_facts_are_read_from_the_code() {
    let f = facts();
    for target in [
        "ingest",
        "validator",
        "merger",
        "persister",
        "api",
        "cli",
        "admin",
    ] {
        assert!(
            f.targets.contains(target),
            "{target} not in {:?}",
            f.targets
        );
    }
    assert!(f.env["validator"].contains("TIQETS_VALIDATOR_CHUNK_BYTES"));
    assert!(
        f.env["persister"].contains("DATABASE_URL") && f.env["api"].contains("TIQETS_API_ADDR")
    );
    assert!(!f.env["validator"].contains("DATABASE_URL"));
    assert!(f.env["ingest"].contains(&f.health_var) && !f.env["api"].contains(&f.health_var));
    assert!(f.env["admin"].contains("DATABASE_URL") && f.env["admin"].contains("NATS_URL"));
    assert!(f.env["admin"].contains("TIQETS_NATS_MAX_BYTES_FILES"));
    assert!(
        !f.env["cli"].contains("NATS_URL"),
        "the embedded cli reaches no server"
    );
    for service in ["ingest", "validator", "merger", "persister", "api", "admin"] {
        for var in [
            "TIQETS_NATS_PASSWORD",
            "TIQETS_NATS_CA_FILE",
            "TIQETS_NATS_TLS",
        ] {
            assert!(
                f.env[service].contains(var),
                "{service} does not read {var}"
            );
        }
    }
    assert!(f.api_paths.contains("/readyz") && f.api_paths.contains("/metrics"));
    assert!(f.health_serves("/readyz") && !f.health_serves("/ready"));
}

#[test]
fn a_variable_the_service_does_not_read_is_caught() {
    let mut docs = configuration("dev");
    let env = container(&mut docs, "merger")["env"]
        .as_sequence_mut()
        .unwrap();
    env.push(serde_norway::from_str("{name: TIQETS_MERGER_THREADS, value: '4'}").unwrap());
    assert_caught(
        &docs,
        &["sets TIQETS_MERGER_THREADS, which merger does not read"],
    );
}

#[test]
fn a_value_the_service_refuses_is_caught() {
    let mut docs = configuration("dev");
    let map = config_data(&mut docs, "validator");
    map["TIQETS_VALIDATOR_CHUNK_BYTES"] = "4000000".into();
    assert_caught(&docs, &["validator refuses its settings"]);
}

#[test]
fn a_health_endpoint_left_on_its_loopback_default_is_caught() {
    let mut docs = configuration("dev");
    let map = config_data(&mut docs, "merger");
    map.as_mapping_mut().unwrap().remove("TIQETS_HEALTH_ADDR");
    assert_caught(
        &docs,
        &["merger/merger: listens on 127.0.0.1:9183 only (loopback)"],
    );
}

#[test]
fn a_cors_origin_the_api_refuses_is_caught() {
    let mut docs = configuration("dev");
    let map = config_data(&mut docs, "api");
    // A host and port, not an origin (no scheme).
    map["TIQETS_API_CORS_ORIGINS"] = "localhost:5173".into();
    let problems = check(&docs, facts());
    assert!(
        problems.iter().any(
            |p| p.contains("api refuses its settings") && p.contains("TIQETS_API_CORS_ORIGINS")
        ),
        "{problems:?}"
    );
}

#[test]
fn a_probe_path_or_port_the_service_does_not_serve_is_caught() {
    let mut docs = configuration("prod");
    container(&mut docs, "persister")["readinessProbe"]["httpGet"]["path"] = "/ready".into();
    container(&mut docs, "api")["livenessProbe"]["httpGet"]["path"] = "/health".into();
    container(&mut docs, "validator")["livenessProbe"]["httpGet"]["port"] = 8080.into();
    assert_caught(
        &docs,
        &[
            "persister/persister: readinessProbe asks \"/ready\", which persister does not serve",
            "api/api: livenessProbe asks \"/health\", which api does not serve",
            "validator/validator: livenessProbe is not an HTTP check on port 9090",
        ],
    );
}

#[test]
fn an_image_that_is_no_dockerfile_target_is_caught() {
    let mut docs = configuration("dev");
    container(&mut docs, "ingest")["image"] =
        "ghcr.io/tiqets/order-processor-ingester:0.1.0".into();
    container(&mut docs, "api")["image"] = "ghcr.io/tiqets/order-processor-merger:0.1.0".into();
    let problems = check(&docs, facts());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ingest/ingest: image") && p.contains("is no Dockerfile target")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Deployment api/api: runs the merger image")),
        "{problems:?}"
    );
}

#[test]
fn a_grace_period_shorter_than_the_drain_is_caught() {
    let mut docs = configuration("dev");
    deployment(&mut docs, "api")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] =
        20.into();
    assert_caught(&docs, &["terminationGracePeriodSeconds"]);
}
