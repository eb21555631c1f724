//! The model's facts, read back from what `kubectl kustomize` renders.
//!
//! Each overlay is rendered after its `deploy-values.env` is filled the way
//! the deploy workflow fills it (one distinct value per key), so these tests
//! follow every value from the model (or from Terraform, through the
//! deploy-values handshake) to the field of the object that uses it: images,
//! identity bindings, replicas and autoscaling bounds, spreading, ingress
//! hosts, resources, configuration, secret names, in-cluster data volumes and
//! their backups, the secret store, Pod Security, observability objects.
//! Expectations are computed from the model, never from the emitter.

use std::collections::BTreeMap;
use std::path::Path;

use platc::model::{
    CloudKind, EnvId, EnvValue, IMAGE_TAG_KEY, Platform, SecretsBackend, Service, ServiceKind,
};
use serde_json::Value;

use super::render::{emit, kubectl_available, kustomize, specs, write_tree};

const PLACEHOLDER: &str = "set-by-deploy";

/// The value the simulated deploy step writes for `key` in `env`.
fn deployed(key: &str, env: &str) -> String {
    format!("{}-{env}", key.replace('_', "-"))
}

/// Writes `deploy-values.env` of `env` as the deploy workflow would.
fn fill_deploy_values(platform: &Platform, root: &Path, env: &platc::model::Environment) {
    let body: String = platform
        .deploy_env_keys()
        .iter()
        .map(|k| format!("{k}={}\n", deployed(k, &env.name)))
        .collect();
    std::fs::write(root.join(platform.deploy_values_path(env)), body).expect("write env file");
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
}

fn get<'a>(docs: &'a [Value], kind: &str, name: &str, what: &str) -> &'a Value {
    find(docs, kind, name).unwrap_or_else(|| panic!("{what}: no {kind}/{name} rendered"))
}

/// Every string in `v`, with its JSON path.
fn strings(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| strings(x, format!("{path}[{i}]"), out)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| strings(x, format!("{path}.{k}"), out)),
        _ => {}
    }
}

/// The pod template of a service's workload.
fn pod<'a>(docs: &'a [Value], service: &Service, what: &str) -> &'a Value {
    match service.kind {
        ServiceKind::CronJob { .. } => {
            &get(docs, "CronJob", &service.name, what)["spec"]["jobTemplate"]["spec"]["template"]
        }
        _ => &get(docs, "Deployment", &service.name, what)["spec"]["template"],
    }
}

/// A long-running service that can run several pods in some environment.
fn runs_several(service: &Service) -> bool {
    !matches!(service.kind, ServiceKind::CronJob { .. })
        && (service.replicas.max().is_some_and(|r| *r > 1) || service.autoscale.is_some())
}

/// The ConfigMap kustomize generated as `<prefix>` (its name gets a hash suffix).
fn generated<'a>(docs: &'a [Value], prefix: &str) -> Option<&'a Value> {
    docs.iter().find(|d| {
        d["kind"] == "ConfigMap"
            && d["metadata"]["name"].as_str().is_some_and(|n| {
                n == prefix
                    || n.strip_prefix(prefix)
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|h| !h.contains('-'))
            })
    })
}

fn check_service(platform: &Platform, env: EnvId, env_name: &str, docs: &[Value], s: &Service) {
    let what = format!("{}/{env_name}/{}", platform.name, s.name);
    let value = |key: &str| deployed(key, env_name);
    let template = pod(docs, s, &what);
    let container = &template["spec"]["containers"][0];

    // Image: registry and tag come from the deploy values.
    let registry = platform
        .deploy_values
        .iter()
        .find(|d| d.source == platc::model::DeploySource::RegistryLoginServer)
        .map(|d| value(&d.key))
        .expect("a registry deploy value");
    assert_eq!(
        container["image"],
        format!("{registry}/{}:{}", s.image, value(IMAGE_TAG_KEY)),
        "{what}: image"
    );

    // Identity: the service account carries the client id / role ARN.
    let sa_name = template["spec"]["serviceAccountName"]
        .as_str()
        .unwrap_or_default();
    let account = get(docs, "ServiceAccount", sa_name, &what);
    match &s.identity {
        Some(identity) => {
            assert_eq!(sa_name, identity.service_account, "{what}: service account");
            let annotation = match platform.cloud.kind {
                CloudKind::Azure => "azure.workload.identity/client-id",
                CloudKind::Aws => "eks.amazonaws.com/role-arn",
            };
            assert_eq!(
                account["metadata"]["annotations"][annotation],
                value(&identity.client_id_key),
                "{what}: identity binding"
            );
            if platform.cloud.kind == CloudKind::Azure {
                assert_eq!(
                    template["metadata"]["labels"]["azure.workload.identity/use"], "true",
                    "{what}: workload identity pod label"
                );
            }
        }
        None => assert!(
            account["metadata"].get("annotations").is_none(),
            "{what}: a service without identity has an annotated account"
        ),
    }
    assert_eq!(
        template["spec"]["automountServiceAccountToken"], s.needs_kubernetes_api,
        "{what}: token mount"
    );

    // Replicas, autoscaling, spreading.
    if let ServiceKind::CronJob { schedule } = &s.kind {
        assert_eq!(
            get(docs, "CronJob", &s.name, &what)["spec"]["schedule"],
            schedule.as_str()
        );
    } else {
        let deployment = get(docs, "Deployment", &s.name, &what);
        let replicas = *s.replicas.get(env);
        match &s.autoscale {
            Some(a) => {
                assert!(deployment["spec"].get("replicas").is_none(), "{what}");
                let hpa = get(docs, "HorizontalPodAutoscaler", &s.name, &what);
                assert_eq!(hpa["spec"]["minReplicas"], replicas, "{what}: HPA min");
                assert_eq!(
                    hpa["spec"]["maxReplicas"],
                    (*a.max.get(env)).max(replicas),
                    "{what}: HPA max"
                );
            }
            None => {
                assert_eq!(deployment["spec"]["replicas"], replicas, "{what}: replicas");
                assert!(find(docs, "HorizontalPodAutoscaler", &s.name).is_none());
            }
        }
        let anti = &template["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
            [0]["podAffinityTerm"];
        let zoned = platform.environments[env.0].has_zones();
        let spread = template["spec"]["topologySpreadConstraints"].as_array();
        if runs_several(s) {
            assert_eq!(
                anti["topologyKey"], "kubernetes.io/hostname",
                "{what}: anti-affinity"
            );
            assert_eq!(
                anti["labelSelector"]["matchLabels"]["app.kubernetes.io/name"],
                s.name.as_str()
            );
            assert!(
                find(docs, "PodDisruptionBudget", &s.name).is_some(),
                "{what}: PDB"
            );
        } else {
            assert!(anti.is_null(), "{what}: anti-affinity on a single pod");
        }
        assert_eq!(
            spread.is_some_and(|c| c
                .iter()
                .any(|c| c["topologyKey"] == "topology.kubernetes.io/zone")),
            zoned,
            "{what}: zone spread"
        );
    }

    // Requests and limits of this environment.
    let r = &container["resources"];
    assert_eq!(
        r["requests"]["cpu"],
        s.resources.cpu.get(env).as_str(),
        "{what}"
    );
    assert_eq!(
        r["requests"]["memory"],
        s.resources.memory.get(env).as_str(),
        "{what}"
    );
    assert_eq!(
        r["limits"]["cpu"],
        s.resources.cpu_limit.get(env).as_str(),
        "{what}"
    );
    assert_eq!(
        r["limits"]["memory"],
        s.resources.memory_limit.get(env).as_str(),
        "{what}"
    );

    // Environment: literals from the service's ConfigMap, deploy values from
    // theirs, secrets from the service's Secret.
    let env_vars: BTreeMap<&str, &Value> = container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?, &e["valueFrom"])))
        .collect();
    let deploy_map = generated(docs, "platform-deploy-values");
    for var in &s.env {
        let from = env_vars
            .get(var.name.as_str())
            .unwrap_or_else(|| panic!("{what}: no env var {}", var.name));
        match &var.value {
            EnvValue::Literal { value: v } => {
                let map_name = from["configMapKeyRef"]["name"].as_str().unwrap_or_default();
                let map = get(docs, "ConfigMap", map_name, &what);
                assert_eq!(
                    map["data"][from["configMapKeyRef"]["key"].as_str().unwrap_or_default()],
                    v.get(env).as_str(),
                    "{what}: {}",
                    var.name
                );
            }
            EnvValue::Deploy { key } => {
                assert_eq!(from["configMapKeyRef"]["key"], key.as_str(), "{what}");
                let map = deploy_map.expect("deploy-values ConfigMap");
                assert_eq!(
                    from["configMapKeyRef"]["name"], map["metadata"]["name"],
                    "{what}: {}",
                    var.name
                );
                assert_eq!(map["data"][key], value(key), "{what}: {}", var.name);
            }
            EnvValue::Secret { .. } => {
                assert_eq!(
                    from["secretKeyRef"]["name"],
                    format!("{}-secrets", s.name),
                    "{what}: {}",
                    var.name
                );
                assert_eq!(from["secretKeyRef"]["key"], var.name.as_str());
            }
        }
    }
    for entry in &s.config {
        let from = env_vars
            .get(entry.key.as_str())
            .unwrap_or_else(|| panic!("{what}: no env var {}", entry.key));
        let map = get(
            docs,
            "ConfigMap",
            from["configMapKeyRef"]["name"].as_str().unwrap_or_default(),
            &what,
        );
        assert_eq!(map["data"][&entry.key], entry.value.get(env).as_str());
    }

    // Vault secrets under their names in this environment's store.
    if !s.secrets.is_empty() {
        let name = format!("{}-secrets", s.name);
        match platform.delivery.secrets {
            SecretsBackend::ExternalSecrets => {
                let es = get(docs, "ExternalSecret", &name, &what);
                let data: Vec<(String, String)> = es["spec"]["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        (
                            d["secretKey"].as_str().unwrap_or_default().to_string(),
                            d["remoteRef"]["key"]
                                .as_str()
                                .unwrap_or_default()
                                .to_string(),
                        )
                    })
                    .collect();
                for secret in &s.secrets {
                    let wanted = (
                        secret.env_var.clone(),
                        platform.secret_name(env, &secret.vault_key),
                    );
                    assert!(data.contains(&wanted), "{what}: {wanted:?} not in {data:?}");
                }
                assert_eq!(data.len(), s.secrets.len(), "{what}: exactly its secrets");
            }
            SecretsBackend::Csi => {
                let spc = get(docs, "SecretProviderClass", &name, &what);
                let objects = spc["spec"]["parameters"]["objects"]
                    .as_str()
                    .unwrap_or_default();
                for secret in &s.secrets {
                    assert!(
                        objects.contains(&platform.secret_name(env, &secret.vault_key)),
                        "{what}: {} not in {objects}",
                        secret.vault_key
                    );
                }
                if let Some(identity) = &s.identity
                    && platform.cloud.kind == CloudKind::Azure
                {
                    assert_eq!(
                        spc["spec"]["parameters"]["clientID"],
                        value(&identity.client_id_key)
                    );
                }
            }
        }
    }

    // Exposure.
    match &s.expose {
        Some(expose) => {
            let ingress = get(docs, "Ingress", &s.name, &what);
            let host = expose.host.get(env);
            assert_eq!(ingress["spec"]["rules"][0]["host"], host.as_str(), "{what}");
            assert_eq!(
                ingress["spec"]["ingressClassName"],
                platform.cluster.ingress.class_name()
            );
            if expose.tls {
                assert_eq!(ingress["spec"]["tls"][0]["hosts"][0], host.as_str());
                assert_eq!(
                    ingress["spec"]["tls"][0]["secretName"],
                    expose.tls_secret.as_str()
                );
            }
        }
        None => assert!(find(docs, "Ingress", &s.name).is_none(), "{what}"),
    }
}

fn check_platform_objects(platform: &Platform, env: EnvId, env_name: &str, docs: &[Value]) {
    let what = format!("{}/{env_name}", platform.name);

    // Pod Security: the platform's namespace is restricted; any other
    // namespace says why it is not.
    for ns in docs.iter().filter(|d| d["kind"] == "Namespace") {
        let labels = &ns["metadata"]["labels"];
        assert_eq!(labels["pod-security.kubernetes.io/warn"], "restricted");
        if ns["metadata"]["name"] == platform.namespace.as_str() {
            assert_eq!(
                labels["pod-security.kubernetes.io/enforce"], "restricted",
                "{what}"
            );
        } else if labels["pod-security.kubernetes.io/enforce"] != "restricted" {
            assert!(
                ns["metadata"]["annotations"]["platc/reason"].is_string(),
                "{what}: namespace {} loosens Pod Security without a reason",
                ns["metadata"]["name"]
            );
        }
    }
    assert!(
        find(docs, "Namespace", &platform.namespace).is_some(),
        "{what}"
    );

    // The secret store, bound to the operator's identity.
    let secrets_used = platform.services.iter().any(|s| !s.secrets.is_empty());
    let store = docs.iter().find(|d| d["kind"] == "ClusterSecretStore");
    if platform.delivery.secrets == SecretsBackend::ExternalSecrets && secrets_used {
        let store = store.unwrap_or_else(|| panic!("{what}: no ClusterSecretStore"));
        assert_eq!(
            store["spec"]["conditions"][0]["namespaces"][0],
            platform.namespace.as_str()
        );
        let addon = platform
            .addons()
            .into_iter()
            .find(|a| a.name == "external-secrets")
            .expect("external-secrets add-on");
        let account = addon.identity.expect("operator identity").service_account;
        let provider = &store["spec"]["provider"];
        match platform.cloud.kind {
            CloudKind::Aws => {
                assert_eq!(provider["aws"]["service"], "SecretsManager", "{what}");
                assert_eq!(provider["aws"]["region"], platform.cloud.region.as_str());
                assert_eq!(
                    provider["aws"]["auth"]["jwt"]["serviceAccountRef"]["name"],
                    account.as_str()
                );
            }
            CloudKind::Azure => {
                assert_eq!(provider["azurekv"]["authType"], "WorkloadIdentity");
                assert_eq!(
                    provider["azurekv"]["serviceAccountRef"]["name"],
                    account.as_str()
                );
                let vault = platform.vault().expect("a vault");
                let uri = platform
                    .deploy_values
                    .iter()
                    .find(|d| {
                        d.source
                            == platc::model::DeploySource::VaultUri {
                                data: vault.name.clone(),
                            }
                    })
                    .expect("vault URI deploy value");
                assert_eq!(
                    provider["azurekv"]["vaultUrl"],
                    deployed(&uri.key, env_name),
                    "{what}"
                );
            }
        }
    } else {
        assert!(store.is_none(), "{what}: a ClusterSecretStore nobody uses");
    }

    // In-cluster data: a StatefulSet on an encrypted volume of this
    // environment's size, and the backup job with its volume and retention.
    for (data, names) in platform.in_cluster_data() {
        let sts = get(docs, "StatefulSet", &names.workload, &what);
        let claim = &sts["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["metadata"]["name"], names.data_volume.as_str());
        let gb = match &data.kind {
            platc::model::DataKind::Postgres(p) => *p.storage_gb.get(env),
            platc::model::DataKind::Redis(r) => *r.storage_gb.get(env),
            _ => 0,
        };
        assert_eq!(
            claim["spec"]["resources"]["requests"]["storage"],
            format!("{gb}Gi"),
            "{what}: {} volume",
            names.workload
        );
        let class = claim["spec"]["storageClassName"]
            .as_str()
            .unwrap_or_default();
        match find(docs, "StorageClass", class) {
            Some(sc) => assert_eq!(sc["parameters"]["encrypted"], "true", "{what}: {class}"),
            None => assert_eq!(
                platform.cloud.kind,
                CloudKind::Azure,
                "{what}: storage class {class} not rendered"
            ),
        }
        assert_eq!(
            sts["spec"]["template"]["spec"]["containers"][0]["image"],
            names.image.as_str(),
            "{what}: the data image is not the deploy's"
        );
        if let Some(b) = &names.backup {
            let job = get(docs, "CronJob", &b.cronjob, &what);
            assert_eq!(job["spec"]["schedule"], b.schedule.as_str());
            let c = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
            assert_eq!(c["image"], names.image.as_str(), "{what}: backup image");
            let retention = c["env"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["name"] == "RETENTION_DAYS")
                .map(|e| e["value"].clone());
            assert_eq!(
                retention,
                Some(Value::String(b.retention_days.get(env).to_string())),
                "{what}: backup retention"
            );
            let pvc = get(docs, "PersistentVolumeClaim", &b.pvc, &what);
            assert_eq!(
                pvc["spec"]["resources"]["requests"]["storage"],
                format!("{}Gi", b.storage_gb.get(env))
            );
        }
    }

    // Observability: a monitor per metrics endpoint, the SLO rules, one
    // dashboard ConfigMap per dashboard for Grafana's sidecar.
    if let Some(obs) = &platform.observability {
        for s in platform.services.iter().filter(|s| s.metrics.is_some()) {
            assert!(
                find(docs, "ServiceMonitor", &s.name).is_some()
                    || find(docs, "PodMonitor", &s.name).is_some(),
                "{what}: {} is not scraped",
                s.name
            );
        }
        if !obs.slos.is_empty() {
            let rules = docs
                .iter()
                .find(|d| d["kind"] == "PrometheusRule")
                .unwrap_or_else(|| panic!("{what}: no PrometheusRule"));
            let alerting: Vec<&Value> = rules["spec"]["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|g| g["rules"].as_array().into_iter().flatten())
                .filter(|r| r.get("alert").is_some())
                .collect();
            assert_eq!(
                alerting.len(),
                obs.alerts.len(),
                "{what}: one rule per alert"
            );
            let text = rules.to_string();
            for slo in &obs.slos {
                assert!(
                    text.contains(&slo.name),
                    "{what}: no rule for SLO {}",
                    slo.name
                );
            }
        }
        for d in &obs.dashboards {
            let map = docs
                .iter()
                .find(|m| {
                    m["kind"] == "ConfigMap"
                        && m["metadata"]["labels"]["grafana_dashboard"] == "1"
                        && m["data"].get(format!("{}.json", d.name)).is_some()
                })
                .unwrap_or_else(|| panic!("{what}: no ConfigMap for dashboard {}", d.name));
            let json = map["data"][format!("{}.json", d.name)]
                .as_str()
                .unwrap_or_default();
            let model: Value = serde_json::from_str(json).expect("dashboard JSON");
            assert_eq!(model["title"], d.title.as_str(), "{what}: dashboard title");
        }
    }
}

/// Every overlay of every spec, rendered with this environment's deploy
/// values, carries the model's facts; no placeholder survives.
#[test]
fn rendered_overlays_carry_the_model() {
    if !kubectl_available() {
        return;
    }
    for (name, platform) in specs() {
        let files = emit(&platform);
        let tree = write_tree(&files);
        for env in &platform.environments {
            fill_deploy_values(&platform, tree.path(), env);
            let docs = kustomize(tree.path(), &env.name);
            let mut all = Vec::new();
            for d in &docs {
                strings(
                    d,
                    format!("{}/{}", d["kind"], d["metadata"]["name"]),
                    &mut all,
                );
            }
            let left: Vec<_> = all
                .iter()
                .filter(|(_, s)| s.contains(PLACEHOLDER))
                .collect();
            assert!(
                left.is_empty(),
                "{name}/{}: placeholders left: {left:#?}",
                env.name
            );
            for s in &platform.services {
                check_service(&platform, env.id, &env.name, &docs, s);
            }
            check_platform_objects(&platform, env.id, &env.name, &docs);
        }
    }
}

/// Every deploy value the overlays read is an output of the environment's
/// Terraform root: the handshake cannot ask for a value Terraform never writes.
#[test]
fn deploy_values_are_terraform_outputs() {
    for (name, platform) in specs() {
        let text = std::fs::read_to_string(&platform.source).expect("spec readable");
        let (_, set) = platc::build(&platform.source, &text).expect("builds");
        for env in &platform.environments {
            let path = format!("terraform/environments/{}/outputs.tf", env.name);
            let outputs = set
                .get(&path)
                .unwrap_or_else(|| panic!("{name}: no {path}"));
            for key in platform.deploy_values.iter().map(|d| &d.key) {
                assert!(
                    outputs.contains(&format!("output \"{key}\" {{")),
                    "{name}: {path} has no output {key}, which the overlay reads"
                );
            }
        }
    }
}
