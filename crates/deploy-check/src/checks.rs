//! The comparison of a rendered configuration with the code's [`Facts`].

use crate::code::{parse_settings, Facts, SERVICES};
use crate::render::{find, pod_templates, PodTemplate};
use serde_norway::Value;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// The problems of one rendered configuration; empty when it matches the code.
pub fn check(docs: &[Value], facts: &Facts) -> Vec<String> {
    let mut problems = Vec::new();
    for pod in pod_templates(docs) {
        let containers = pod.spec["containers"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        for container in &containers {
            let Some(target) = our_target(container["image"].as_str().unwrap_or("")) else {
                continue;
            };
            let at = format!(
                "{} {}/{}",
                pod.kind,
                pod.name,
                container["name"].as_str().unwrap_or("?")
            );
            let mut say = |p: String| problems.push(format!("{at}: {p}"));
            check_container(&pod, container, &target, facts, docs, &mut say);
        }
    }
    problems.extend(check_services(docs));
    problems
}

/// The Dockerfile target an image of ours names (`…/order-processor-<target>:<tag>` or
/// `tiqets/<target>`); `None` for the images of others (NATS, PostgreSQL, …).
pub fn our_target(image: &str) -> Option<String> {
    let path = image.rsplit_once('/').map_or(image, |(_, last)| last);
    let name = path.split([':', '@']).next().unwrap_or(path);
    if let Some(target) = name.strip_prefix("order-processor-") {
        return Some(target.to_string());
    }
    image.contains("tiqets").then(|| name.to_string())
}

fn check_container(
    pod: &PodTemplate<'_>,
    container: &Value,
    target: &str,
    facts: &Facts,
    docs: &[Value],
    say: &mut impl FnMut(String),
) {
    if !facts.targets.contains(target) {
        say(format!(
            "image {:?} is no Dockerfile target",
            container["image"]
        ));
        return;
    }
    let service = SERVICES
        .contains(&pod.name.as_str())
        .then_some(pod.name.as_str());
    if pod.kind == "Deployment" && service.is_some_and(|s| s != target) {
        say(format!("runs the {target} image"));
    }
    let (env, unknown_sources) = environment(container, docs);
    for source in unknown_sources {
        say(format!("envFrom {source}: its variables cannot be checked"));
    }
    let read = facts.env.get(target).cloned().unwrap_or_default();
    // A variable only spelled into another's value as $(NAME) is the manifest's own.
    let referenced: BTreeSet<String> = container["env"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|var| var["value"].as_str())
        .flat_map(references)
        .collect();
    for name in env.keys() {
        if !read.contains(name) && !referenced.contains(name) {
            say(format!("sets {name}, which {target} does not read"));
        }
    }
    if !SERVICES.contains(&target) {
        return;
    }
    let parsed = match parse_settings(target, &env) {
        Ok(p) => p,
        Err(e) => return say(format!("{target} refuses its settings: {e}")),
    };
    let Some(http_addr) = parsed.http_addr else {
        return say(format!(
            "serves no HTTP endpoint ({} is off)",
            facts.health_var
        ));
    };
    if http_addr.ip().is_loopback() {
        say(format!(
            "listens on {http_addr} only (loopback): probes and scrapes cannot reach it"
        ));
    }
    let http_port = http_addr.port();
    let ports: HashMap<String, u64> = container["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p["name"].as_str().unwrap_or("").to_string(),
                p["containerPort"].as_u64()?,
            ))
        })
        .collect();
    if !ports.values().any(|&p| p == u64::from(http_port)) {
        say(format!(
            "declares no containerPort {http_port}, where it listens"
        ));
    }
    let serves = |path: &str| {
        let path = path.split('?').next().unwrap_or(path);
        if target == "api" {
            facts.api_paths.contains(path)
        } else {
            facts.health_serves(path)
        }
    };
    for kind in ["readinessProbe", "livenessProbe", "startupProbe"] {
        let probe = &container[kind];
        if probe.is_null() {
            if kind != "startupProbe" {
                say(format!("has no {kind}"));
            }
            continue;
        }
        let http = &probe["httpGet"];
        let path = http["path"].as_str().unwrap_or("");
        let port = match &http["port"] {
            Value::Number(n) => n.as_u64(),
            Value::String(name) => ports.get(name).copied(),
            _ => None,
        };
        if port != Some(u64::from(http_port)) {
            say(format!("{kind} is not an HTTP check on port {http_port}"));
        } else if !serves(path) {
            say(format!(
                "{kind} asks {path:?}, which {target} does not serve"
            ));
        }
    }
    if let Some(a) = pod
        .annotations
        .filter(|a| a["prometheus.io/scrape"].as_str() == Some("true"))
    {
        if a["prometheus.io/port"].as_str() != Some(&http_port.to_string()) {
            say(format!("prometheus.io/port is not {http_port}"));
        }
        let path = a["prometheus.io/path"].as_str().unwrap_or("/metrics");
        if !serves(path) {
            say(format!("prometheus.io/path {path:?} is not served"));
        }
    }
    let grace = Duration::from_secs(
        pod.spec["terminationGracePeriodSeconds"]
            .as_u64()
            .unwrap_or(30),
    );
    if let Some(drain) = parsed.drain {
        if grace <= drain + Duration::from_secs(5) {
            say(format!(
                "terminationGracePeriodSeconds {grace:?} leaves no room after the {drain:?} drain"
            ));
        }
    }
}

/// The `NAME`s of the `$(NAME)` references in a value.
fn references(value: &str) -> Vec<String> {
    value
        .split("$(")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(name, _)| name.to_string()))
        .collect()
}

/// The container's variables with their values as the service would see them (`$(X)`
/// expanded; Secret and field references stand for a value), and the envFrom sources that
/// cannot be resolved here.
fn environment(container: &Value, docs: &[Value]) -> (HashMap<String, String>, Vec<String>) {
    let mut env = HashMap::new();
    let mut unknown = Vec::new();
    for source in container["envFrom"].as_sequence().into_iter().flatten() {
        let name = source["configMapRef"]["name"].as_str();
        match name.and_then(|n| find(docs, "ConfigMap", n)) {
            Some(map) => {
                for (k, v) in map["data"].as_mapping().into_iter().flatten() {
                    let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
                        continue;
                    };
                    env.insert(k.to_string(), v.to_string());
                }
            }
            None => unknown.push(
                serde_norway::to_string(source)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        }
    }
    for var in container["env"].as_sequence().into_iter().flatten() {
        let Some(name) = var["name"].as_str() else {
            continue;
        };
        let value = if let Some(v) = var["value"].as_str() {
            let mut v = v.to_string();
            for (k, val) in &env {
                v = v.replace(&format!("$({k})"), val);
            }
            v
        } else if let Some(r) = var["valueFrom"]["configMapKeyRef"].as_mapping() {
            let map = r
                .get("name")
                .and_then(|n| n.as_str())
                .and_then(|n| find(docs, "ConfigMap", n));
            let key = r.get("key").and_then(|k| k.as_str()).unwrap_or("");
            map.and_then(|m| m["data"][key].as_str())
                .unwrap_or("")
                .to_string()
        } else {
            // A Secret or a field of the pod: a value the manifest cannot show.
            "from-the-cluster".to_string()
        };
        env.insert(name.to_string(), value);
    }
    (env, unknown)
}

/// Every Service's target ports are ports of the pods it selects.
fn check_services(docs: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    for service in docs
        .iter()
        .filter(|d| d["kind"].as_str() == Some("Service"))
    {
        let name = service["metadata"]["name"].as_str().unwrap_or("?");
        let Some(selector) = service["spec"]["selector"].as_mapping() else {
            continue;
        };
        let pods: Vec<PodTemplate<'_>> = pod_templates(docs)
            .into_iter()
            .filter(|p| {
                let labels = &docs
                    .iter()
                    .find(|d| {
                        d["metadata"]["name"].as_str() == Some(&p.name)
                            && d["kind"].as_str() == Some(&p.kind)
                    })
                    .map(|d| d["spec"]["template"]["metadata"]["labels"].clone())
                    .unwrap_or_default();
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .collect();
        if pods.is_empty() {
            continue; // Pods of an operator (CloudNativePG) or of another overlay.
        }
        for port in service["spec"]["ports"].as_sequence().into_iter().flatten() {
            let target = &port["targetPort"];
            let found = pods.iter().any(|p| {
                p.spec["containers"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
                    .any(|c| {
                        c["ports"]
                            .as_sequence()
                            .into_iter()
                            .flatten()
                            .any(|cp| match target {
                                Value::String(n) => cp["name"].as_str() == Some(n),
                                Value::Number(n) => cp["containerPort"].as_u64() == n.as_u64(),
                                _ => cp["containerPort"] == port["port"],
                            })
                    })
            });
            if !found {
                problems.push(format!(
                    "Service {name}: targetPort {target:?} is no port of its pods"
                ));
            }
        }
    }
    problems
}
