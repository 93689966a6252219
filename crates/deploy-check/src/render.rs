//! Rendering the kustomizations as `kubectl apply -k` would, and reading pod specs out of
//! the result.

use serde::Deserialize as _;
use serde_norway::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One rendered configuration: an overlay, or an overlay with a component.
pub struct Rendered {
    pub name: String,
    pub docs: Vec<Value>,
}

/// The workspace root (where `deploy/` and `scripts/` are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The kubectl `scripts/check-deploy` uses (one whose kustomize knows components).
pub fn kubectl() -> Result<PathBuf, String> {
    let script = workspace_root().join("scripts/check-deploy");
    let out = Command::new(&script)
        .arg("--print-kubectl")
        .output()
        .map_err(|e| format!("{}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} --print-kubectl failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Renders one kustomization directory.
pub fn render(kubectl: &Path, dir: &Path) -> Result<Vec<Value>, String> {
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| format!("{}: {e}", kubectl.display()))?;
    if !out.status.success() {
        return Err(format!(
            "kubectl kustomize {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse(&String::from_utf8_lossy(&out.stdout))
}

/// The documents of a multi-document YAML stream.
pub fn parse(yaml: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for doc in serde_norway::Deserializer::from_str(yaml) {
        let value = serde_norway::Value::deserialize(doc).map_err(|e| e.to_string())?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// Every overlay under `deploy/k8s/overlays/`, alone and with each component under
/// `deploy/k8s/components/` (as `scripts/check-deploy` renders them).
pub fn render_all() -> Result<Vec<Rendered>, String> {
    let kubectl = kubectl()?;
    let k8s = workspace_root()
        .join("deploy/k8s")
        .canonicalize()
        .map_err(|e| e.to_string())?;
    let overlays = subdirs(&k8s.join("overlays"))?;
    let components = subdirs(&k8s.join("components"))?;
    let mut all = Vec::new();
    for overlay in &overlays {
        let env = file_name(overlay);
        all.push(Rendered {
            name: env.clone(),
            docs: render(&kubectl, overlay)?,
        });
        for component in &components {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let kustomization = format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\
                 resources:\n  - {}\ncomponents:\n  - {}\n",
                relative(dir.path(), overlay),
                relative(dir.path(), component)
            );
            std::fs::write(dir.path().join("kustomization.yaml"), kustomization)
                .map_err(|e| e.to_string())?;
            let name = format!("{env}+{}", file_name(component));
            all.push(Rendered {
                name,
                docs: render(&kubectl, dir.path())?,
            });
        }
    }
    Ok(all)
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("kustomization.yaml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `to` relative to `from` (kustomize refuses absolute paths); both are absolute.
fn relative(from: &Path, to: &Path) -> String {
    let from = from.canonicalize().unwrap_or_else(|_| from.to_path_buf());
    let up = "../".repeat(from.components().count() - 1);
    format!("{up}{}", to.to_string_lossy().trim_start_matches('/'))
}

/// A pod template in the rendered output: its owner's kind and name and the pod spec.
pub struct PodTemplate<'a> {
    pub kind: String,
    pub name: String,
    pub annotations: Option<&'a Value>,
    pub spec: &'a Value,
}

/// The pod templates of Deployments, StatefulSets and Jobs.
pub fn pod_templates(docs: &[Value]) -> Vec<PodTemplate<'_>> {
    docs.iter()
        .filter_map(|doc| {
            let kind = doc["kind"].as_str()?;
            if !matches!(kind, "Deployment" | "StatefulSet" | "Job") {
                return None;
            }
            let template = &doc["spec"]["template"];
            Some(PodTemplate {
                kind: kind.to_string(),
                name: doc["metadata"]["name"].as_str()?.to_string(),
                annotations: template["metadata"].get("annotations"),
                spec: &template["spec"],
            })
        })
        .collect()
}

/// A rendered object by kind and name.
pub fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
}
