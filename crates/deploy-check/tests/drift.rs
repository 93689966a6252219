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

fn container<'a>(docs: &'a mut [Value], deployment: &str) -> &'a mut Value {
    let index = docs
        .iter()
        .position(|d| find(std::slice::from_ref(d), "Deployment", deployment).is_some())
        .unwrap_or_else(|| panic!("no Deployment {deployment}"));
    &mut docs[index]["spec"]["template"]["spec"]["containers"][0]
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

/// Files whose canonical copy is outside `deploy/k8s` (kustomize reads none there), as
/// (copy, canonical copy).
const COPIES: &[(&str, &str)] = &[(
    "deploy/k8s/base/database/roles.sql",
    "deploy/postgres/roles.sql",
)];

#[test]
fn copied_files_equal_their_canonical_copy() {
    let root = workspace_root();
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    for (copy, canonical) in COPIES {
        assert!(
            read(copy) == read(canonical),
            "{copy} differs from {canonical}: copy it again"
        );
    }
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
    let problems = check(&docs, facts());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("sets TIQETS_MERGER_THREADS, which merger does not read")),
        "{problems:?}"
    );
}

#[test]
fn a_value_the_service_refuses_is_caught() {
    let mut docs = configuration("dev");
    let map = docs
        .iter_mut()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("validator-config"))
        })
        .unwrap();
    map["data"]["TIQETS_VALIDATOR_CHUNK_BYTES"] = "4000000".into();
    let problems = check(&docs, facts());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("validator refuses its settings")),
        "{problems:?}"
    );
}

#[test]
fn a_health_endpoint_left_on_its_loopback_default_is_caught() {
    let mut docs = configuration("dev");
    let map = docs
        .iter_mut()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("merger-config"))
        })
        .unwrap();
    map["data"]
        .as_mapping_mut()
        .unwrap()
        .remove("TIQETS_HEALTH_ADDR");
    let problems = check(&docs, facts());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("merger/merger: listens on 127.0.0.1:9183 only (loopback)")),
        "{problems:?}"
    );
}

#[test]
fn a_cors_origin_the_api_refuses_is_caught() {
    let mut docs = configuration("dev");
    let map = docs
        .iter_mut()
        .find(|d| {
            d["kind"] == "ConfigMap"
                && d["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("api-config"))
        })
        .unwrap();
    // A host and port, not an origin (no scheme).
    map["data"]["TIQETS_API_CORS_ORIGINS"] = "localhost:5173".into();
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
    let problems = check(&docs, facts());
    for expected in [
        "persister/persister: readinessProbe asks \"/ready\", which persister does not serve",
        "api/api: livenessProbe asks \"/health\", which api does not serve",
        "validator/validator: livenessProbe is not an HTTP check on port 9090",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected}: {problems:?}"
        );
    }
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
    let index = docs
        .iter()
        .position(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "api")
        .unwrap();
    docs[index]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 20.into();
    let problems = check(&docs, facts());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("terminationGracePeriodSeconds")),
        "{problems:?}"
    );
}
