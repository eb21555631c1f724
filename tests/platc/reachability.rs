//! Who can reach whom, computed from the rendered manifests alone, must be
//! exactly what the spec's edges declare.
//!
//! An independent evaluator of NetworkPolicy semantics (networking.k8s.io/v1)
//! reads each overlay's rendered objects: pods come from the workloads' pod
//! templates (labels, container ports), policies from the NetworkPolicies.
//! A connection is allowed when the source's egress and the destination's
//! ingress both allow it (a pod no policy isolates in a direction allows
//! everything in it). The expected set is built from the model's edges,
//! never from the emitter's intermediate data.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use platc::emit::observability::addons::OTLP_PORTS;
use platc::model::{EdgeTarget, Endpoint, EnvId, OBSERVABILITY_NAMESPACE, Platform, ServiceKind};
use serde_json::Value;

use crate::kubernetes::render::{emit, overlay_docs, specs, write_tree};

type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Proto {
    Tcp,
    Udp,
}

fn proto(v: &Value) -> Proto {
    match v.as_str() {
        Some("UDP") => Proto::Udp,
        _ => Proto::Tcp,
    }
}

/// A pod: one per workload, plus the cluster's own peers.
#[derive(Debug, Clone)]
struct Pod {
    name: String,
    namespace: String,
    labels: Labels,
    ip: Ipv4Addr,
    /// (port name, number, protocol)
    ports: Vec<(String, u16, Proto)>,
}

/// A label selector; `None` fields mean "absent".
#[derive(Debug, Clone, Default)]
struct Selector {
    labels: Labels,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn parse(v: &Value) -> Selector {
        let labels = v["matchLabels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let expressions = v["matchExpressions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        let values = e["values"]
                            .as_array()
                            .map(|vs| {
                                vs.iter()
                                    .filter_map(|x| x.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (
                            e["key"].as_str().unwrap_or_default().to_string(),
                            e["operator"].as_str().unwrap_or_default().to_string(),
                            values,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Selector {
            labels,
            expressions,
        }
    }

    fn matches(&self, labels: &Labels) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self
                .expressions
                .iter()
                .all(|(key, op, values)| match op.as_str() {
                    "In" => labels.get(key).is_some_and(|v| values.contains(v)),
                    "NotIn" => labels.get(key).is_none_or(|v| !values.contains(v)),
                    "Exists" => labels.contains_key(key),
                    "DoesNotExist" => !labels.contains_key(key),
                    other => panic!("unknown selector operator {other}"),
                })
    }
}

#[derive(Debug, Clone)]
enum Peer {
    /// Pods: `namespaces: None` = the policy's namespace; `pods: None` = all pods.
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
    },
    IpBlock {
        cidr: Ipv4Net,
        except: Vec<Ipv4Net>,
    },
}

#[derive(Debug, Clone)]
enum PortMatch {
    Number { proto: Proto, from: u16, to: u16 },
    Named { proto: Proto, name: String },
}

#[derive(Debug, Clone)]
struct Rule {
    /// `None`: every peer.
    peers: Option<Vec<Peer>>,
    /// `None`: every port.
    ports: Option<Vec<PortMatch>>,
}

#[derive(Debug, Clone)]
struct Policy {
    namespace: String,
    selector: Selector,
    ingress: Option<Vec<Rule>>,
    egress: Option<Vec<Rule>>,
}

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap_or_else(|_| panic!("bad CIDR {s}"))
}

fn parse_rules(v: &Value, peer_key: &str) -> Vec<Rule> {
    v.as_array()
        .map(|rules| {
            rules
                .iter()
                .map(|r| {
                    let peers = r[peer_key].as_array().filter(|a| !a.is_empty()).map(|a| {
                        a.iter()
                            .map(|p| {
                                if p.get("ipBlock").is_some() {
                                    Peer::IpBlock {
                                        cidr: net(p["ipBlock"]["cidr"]
                                            .as_str()
                                            .unwrap_or_default()),
                                        except: p["ipBlock"]["except"]
                                            .as_array()
                                            .map(|e| {
                                                e.iter()
                                                    .map(|x| net(x.as_str().unwrap_or_default()))
                                                    .collect()
                                            })
                                            .unwrap_or_default(),
                                    }
                                } else {
                                    Peer::Pods {
                                        namespaces: p.get("namespaceSelector").map(Selector::parse),
                                        pods: p.get("podSelector").map(Selector::parse),
                                    }
                                }
                            })
                            .collect()
                    });
                    let ports = r["ports"].as_array().filter(|a| !a.is_empty()).map(|a| {
                        a.iter()
                            .map(|p| {
                                let proto = proto(&p["protocol"]);
                                match &p["port"] {
                                    Value::String(name) => PortMatch::Named {
                                        proto,
                                        name: name.clone(),
                                    },
                                    Value::Number(n) => {
                                        let from = n.as_u64().unwrap_or_default() as u16;
                                        let to = p["endPort"].as_u64().map_or(from, |e| e as u16);
                                        PortMatch::Number { proto, from, to }
                                    }
                                    _ => PortMatch::Number {
                                        proto,
                                        from: 0,
                                        to: u16::MAX,
                                    },
                                }
                            })
                            .collect()
                    });
                    Rule { peers, ports }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn parse_policy(doc: &Value) -> Policy {
    let spec = &doc["spec"];
    let types: Vec<&str> = match spec["policyTypes"].as_array() {
        Some(t) => t.iter().filter_map(Value::as_str).collect(),
        None if spec.get("egress").is_some() => vec!["Ingress", "Egress"],
        None => vec!["Ingress"],
    };
    Policy {
        namespace: doc["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string(),
        selector: Selector::parse(&spec["podSelector"]),
        ingress: types
            .contains(&"Ingress")
            .then(|| parse_rules(&spec["ingress"], "from")),
        egress: types
            .contains(&"Egress")
            .then(|| parse_rules(&spec["egress"], "to")),
    }
}

/// Where a connection goes: a pod, or an address outside the cluster.
#[derive(Debug, Clone, Copy)]
enum Dest<'a> {
    Pod(&'a Pod),
    Address(Ipv4Addr),
}

impl Dest<'_> {
    fn ip(&self) -> Ipv4Addr {
        match self {
            Dest::Pod(p) => p.ip,
            Dest::Address(a) => *a,
        }
    }
}

struct Cluster {
    pods: Vec<Pod>,
    policies: Vec<Policy>,
    namespaces: BTreeMap<String, Labels>,
}

impl Cluster {
    fn peer_matches(&self, peer: &Peer, policy_ns: &str, other: Dest) -> bool {
        match peer {
            Peer::IpBlock { cidr, except } => {
                cidr.contains(&other.ip()) && !except.iter().any(|e| e.contains(&other.ip()))
            }
            Peer::Pods { namespaces, pods } => {
                let Dest::Pod(pod) = other else { return false };
                let ns_ok = match namespaces {
                    None => pod.namespace == policy_ns,
                    Some(sel) => self
                        .namespaces
                        .get(&pod.namespace)
                        .is_some_and(|l| sel.matches(l)),
                };
                ns_ok && pods.as_ref().is_none_or(|sel| sel.matches(&pod.labels))
            }
        }
    }

    /// Whether `rule` admits traffic with `other` on `port` of `target` (the
    /// pod whose named ports resolve the rule's names).
    fn rule_allows(
        &self,
        rule: &Rule,
        policy_ns: &str,
        other: Dest,
        target: Dest,
        port: u16,
        pr: Proto,
    ) -> bool {
        let peer_ok = rule
            .peers
            .as_ref()
            .is_none_or(|peers| peers.iter().any(|p| self.peer_matches(p, policy_ns, other)));
        let port_ok = rule.ports.as_ref().is_none_or(|ports| {
            ports.iter().any(|m| match m {
                PortMatch::Number { proto, from, to } => *proto == pr && (*from..=*to).contains(&port),
                PortMatch::Named { proto, name } => {
                    *proto == pr
                        && matches!(target, Dest::Pod(p) if p.ports.iter().any(|(n, num, pp)| n == name && *num == port && *pp == pr))
                }
            })
        });
        peer_ok && port_ok
    }

    fn egress_allows(&self, src: &Pod, dst: Dest, port: u16, pr: Proto) -> bool {
        let selecting: Vec<&Policy> = self
            .policies
            .iter()
            .filter(|p| {
                p.namespace == src.namespace
                    && p.egress.is_some()
                    && p.selector.matches(&src.labels)
            })
            .collect();
        selecting.is_empty()
            || selecting.iter().any(|p| {
                p.egress
                    .iter()
                    .flatten()
                    .any(|r| self.rule_allows(r, &p.namespace, dst, dst, port, pr))
            })
    }

    fn ingress_allows(&self, src: &Pod, dst: &Pod, port: u16, pr: Proto) -> bool {
        let selecting: Vec<&Policy> = self
            .policies
            .iter()
            .filter(|p| {
                p.namespace == dst.namespace
                    && p.ingress.is_some()
                    && p.selector.matches(&dst.labels)
            })
            .collect();
        selecting.is_empty()
            || selecting.iter().any(|p| {
                p.ingress.iter().flatten().any(|r| {
                    self.rule_allows(r, &p.namespace, Dest::Pod(src), Dest::Pod(dst), port, pr)
                })
            })
    }

    fn allowed(&self, src: &Pod, dst: Dest, port: u16, pr: Proto) -> bool {
        self.egress_allows(src, dst, port, pr)
            && match dst {
                Dest::Pod(d) => self.ingress_allows(src, d, port, pr),
                Dest::Address(_) => true,
            }
    }
}

const KUBE_DNS: &str = "kube-dns";
const INGRESS_CONTROLLER: &str = "ingress-controller";
const INTRUDER: &str = "intruder";
const PROMETHEUS: &str = "prometheus";
const TEMPO: &str = "tempo";
const GRAFANA: &str = "grafana";

/// The cluster as the rendered overlay describes it (pods of every
/// Deployment, StatefulSet and CronJob), plus the pods every cluster has
/// (kube-dns, the ingress controller, a pod of another namespace) and, with
/// an observability stack, its Prometheus, Tempo and Grafana, with addresses
/// in the cluster's subnet.
fn cluster(platform: &Platform, env: EnvId, docs: &[Value]) -> Cluster {
    let pod_net = platform
        .subnet(&platform.cluster.subnet)
        .map(|s| *s.cidr.get(env))
        .unwrap_or_else(|| net("10.244.0.0/16"));
    let mut hosts = pod_net.hosts().skip(10);
    let mut next_ip = || hosts.next().expect("enough addresses");
    let mut pods = Vec::new();
    for doc in docs {
        let template = match doc["kind"].as_str() {
            Some("Deployment" | "StatefulSet") => &doc["spec"]["template"],
            Some("CronJob") => &doc["spec"]["jobTemplate"]["spec"]["template"],
            _ => continue,
        };
        let labels: Labels = template["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let ports = template["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_string(),
                    p["containerPort"].as_u64().unwrap_or_default() as u16,
                    proto(&p["protocol"]),
                )
            })
            .collect();
        pods.push(Pod {
            name: doc["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            namespace: doc["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string(),
            labels,
            ip: next_ip(),
            ports,
        });
    }
    let mut synthetic = |name: &str,
                         namespace: &str,
                         labels: &[(&str, &str)],
                         ports: Vec<(String, u16, Proto)>| Pod {
        name: name.into(),
        namespace: namespace.into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ip: next_ip(),
        ports,
    };
    let extra = vec![
        synthetic(
            KUBE_DNS,
            "kube-system",
            &[("k8s-app", "kube-dns")],
            vec![
                ("dns".into(), 53, Proto::Udp),
                ("dns-tcp".into(), 53, Proto::Tcp),
            ],
        ),
        synthetic(
            INGRESS_CONTROLLER,
            platform.cluster.ingress.namespace(),
            &[("app.kubernetes.io/name", "ingress-nginx")],
            vec![
                ("http".into(), 80, Proto::Tcp),
                ("https".into(), 443, Proto::Tcp),
            ],
        ),
        synthetic(
            INTRUDER,
            "default",
            &[("app", "intruder")],
            vec![("http".into(), 8080, Proto::Tcp)],
        ),
    ];
    pods.extend(extra);
    if platform.observability.is_some() {
        // The LGTM stack's pods: Prometheus scrapes, Tempo receives traces,
        // Grafana (like the intruder) must reach none of the platform's pods.
        let ns = OBSERVABILITY_NAMESPACE;
        let monitoring = vec![
            synthetic(
                PROMETHEUS,
                ns,
                &[("app.kubernetes.io/name", "prometheus")],
                vec![("web".into(), 9090, Proto::Tcp)],
            ),
            synthetic(
                TEMPO,
                ns,
                &[("app.kubernetes.io/name", "tempo")],
                OTLP_PORTS
                    .iter()
                    .map(|p| (format!("otlp-{p}"), *p, Proto::Tcp))
                    .chain([("http".to_string(), 3100, Proto::Tcp)])
                    .collect(),
            ),
            synthetic(
                GRAFANA,
                ns,
                &[("app.kubernetes.io/name", "grafana")],
                vec![("http".into(), 3000, Proto::Tcp)],
            ),
        ];
        pods.extend(monitoring);
    }
    let namespaces = pods
        .iter()
        .map(|p| {
            (
                p.namespace.clone(),
                [(
                    "kubernetes.io/metadata.name".to_string(),
                    p.namespace.clone(),
                )]
                .into(),
            )
        })
        .collect();
    let policies = docs
        .iter()
        .filter(|d| d["kind"] == "NetworkPolicy")
        .map(parse_policy)
        .collect();
    Cluster {
        pods,
        policies,
        namespaces,
    }
}

/// A reachable (source, destination, port, protocol); destinations outside
/// the cluster are named by the probe address.
type Flow = (String, String, u16, Proto);

/// The probe addresses of an environment: one in each subnet, one in the
/// network outside every subnet, one in each other private range, one public.
fn probes(platform: &Platform, env: EnvId) -> Vec<(String, Ipv4Addr)> {
    let mut out = Vec::new();
    for subnet in &platform.subnets {
        let cidr = subnet.cidr.get(env);
        out.push((
            format!("subnet:{}", subnet.name),
            cidr.hosts().nth(4).unwrap_or(cidr.addr()),
        ));
    }
    if let Some(e) = platform.environments.get(env.0) {
        out.push((
            "network:unassigned".into(),
            e.network.broadcast().saturating_sub_one(),
        ));
    }
    out.push(("private:172.16".into(), Ipv4Addr::new(172, 16, 5, 5)));
    out.push(("private:192.168".into(), Ipv4Addr::new(192, 168, 5, 5)));
    out.push(("public".into(), Ipv4Addr::new(20, 60, 1, 1)));
    out
}

trait SubOne {
    fn saturating_sub_one(self) -> Ipv4Addr;
}

impl SubOne for Ipv4Addr {
    fn saturating_sub_one(self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self).saturating_sub(1))
    }
}

/// Every flow the rendered policies allow that involves one of the platform's
/// own pods (pods elsewhere are not the platform's policies' business).
fn evaluate(platform: &Platform, env: EnvId, docs: &[Value]) -> BTreeSet<Flow> {
    let c = cluster(platform, env, docs);
    let mut ports: BTreeSet<(u16, Proto)> =
        [22, 80, 443, 3306, 5432, 5671, 6379, 6380, 8080, 9090, 10250]
            .into_iter()
            .map(|p| (p, Proto::Tcp))
            .collect();
    ports.insert((53, Proto::Udp));
    ports.insert((53, Proto::Tcp));
    for p in &c.pods {
        ports.extend(p.ports.iter().map(|(_, n, pr)| (*n, *pr)));
    }
    for policy in &c.policies {
        for rule in policy
            .ingress
            .iter()
            .flatten()
            .chain(policy.egress.iter().flatten())
        {
            for m in rule.ports.iter().flatten() {
                if let PortMatch::Number { proto, from, to } = m {
                    ports.insert((*from, *proto));
                    ports.insert((*to, *proto));
                    ports.insert((from.saturating_add(1).min(*to), *proto));
                }
            }
        }
    }
    let ours = |p: &Pod| p.namespace == platform.namespace;
    let probes = probes(platform, env);
    let mut flows = BTreeSet::new();
    for src in &c.pods {
        for dst in &c.pods {
            if std::ptr::eq(src, dst) || !(ours(src) || ours(dst)) {
                continue;
            }
            for &(port, pr) in &ports {
                if c.allowed(src, Dest::Pod(dst), port, pr) {
                    flows.insert((src.name.clone(), dst.name.clone(), port, pr));
                }
            }
        }
        if !ours(src) {
            continue;
        }
        for (name, addr) in &probes {
            for &(port, pr) in &ports {
                if c.allowed(src, Dest::Address(*addr), port, pr) {
                    flows.insert((src.name.clone(), name.clone(), port, pr));
                }
            }
        }
    }
    flows
}

/// The flows the spec declares: calls edges, exposure to the ingress
/// controller, DNS, data-service edges to their endpoint in `env` (a subnet,
/// the public endpoint, or the in-cluster workload), the identity token
/// endpoint (public 443) for services with an identity, each in-cluster
/// database's backup job to its database, and with an observability stack
/// Prometheus scraping each metrics endpoint and services sending traces.
fn declared(platform: &Platform, env: EnvId) -> BTreeSet<Flow> {
    let mut flows = BTreeSet::new();
    let probes = probes(platform, env);
    let public: Vec<&str> = probes
        .iter()
        .filter(|(_, a)| !a.is_private())
        .map(|(n, _)| n.as_str())
        .collect();
    let mut workloads: Vec<String> = platform.services.iter().map(|s| s.name.clone()).collect();
    for (_, names) in platform.in_cluster_data() {
        workloads.push(names.workload.clone());
        // The backup job dumps its database.
        if let Some(backup) = &names.backup {
            workloads.push(backup.cronjob.clone());
            flows.insert((
                backup.cronjob.clone(),
                names.workload.clone(),
                names.port,
                Proto::Tcp,
            ));
        }
    }
    if let Some(obs) = &platform.observability {
        for s in &platform.services {
            // Prometheus scrapes every metrics endpoint; services send traces to Tempo.
            if let Some(m) = &s.metrics {
                flows.insert((PROMETHEUS.into(), s.name.clone(), m.port, Proto::Tcp));
            }
            if obs.traces.is_some() && !matches!(s.kind, ServiceKind::CronJob { .. }) {
                for p in OTLP_PORTS {
                    flows.insert((s.name.clone(), TEMPO.into(), p, Proto::Tcp));
                }
            }
        }
    }
    for w in &workloads {
        flows.insert((w.to_string(), KUBE_DNS.into(), 53, Proto::Udp));
        flows.insert((w.to_string(), KUBE_DNS.into(), 53, Proto::Tcp));
    }
    for s in &platform.services {
        if let (Some(_), Some(port)) = (&s.expose, s.port) {
            flows.insert((INGRESS_CONTROLLER.into(), s.name.clone(), port, Proto::Tcp));
        }
        if s.identity.is_some() {
            for p in &public {
                flows.insert((s.name.clone(), p.to_string(), 443, Proto::Tcp));
            }
        }
    }
    for edge in &platform.edges {
        match &edge.to {
            EdgeTarget::Service { name, port } => {
                flows.insert((edge.from.clone(), name.clone(), *port, Proto::Tcp));
            }
            EdgeTarget::Data { name, .. } => {
                let Some(data) = platform.data_service(name) else {
                    continue;
                };
                for port in &data.ports {
                    match data.endpoint.get(env) {
                        Endpoint::Subnet { cidr } => {
                            for (probe, addr) in &probes {
                                if cidr.contains(addr) {
                                    flows.insert((
                                        edge.from.clone(),
                                        probe.clone(),
                                        *port,
                                        Proto::Tcp,
                                    ));
                                }
                            }
                        }
                        Endpoint::Public => {
                            for p in &public {
                                flows.insert((edge.from.clone(), p.to_string(), *port, Proto::Tcp));
                            }
                        }
                        Endpoint::InCluster { workload } => {
                            flows.insert((edge.from.clone(), workload.clone(), *port, Proto::Tcp));
                        }
                    }
                }
            }
        }
    }
    flows
}

#[test]
fn reachability_is_exactly_the_declared_edges() {
    for (name, platform) in specs() {
        let files = emit(&platform);
        let tree = write_tree(&files);
        for env in &platform.environments {
            let docs = overlay_docs(&files, tree.path(), &env.name);
            let actual = evaluate(&platform, env.id, &docs);
            let expected = declared(&platform, env.id);
            let extra: Vec<_> = actual.difference(&expected).collect();
            let missing: Vec<_> = expected.difference(&actual).collect();
            assert!(
                extra.is_empty() && missing.is_empty(),
                "{name}/{}: reachable but not declared: {extra:#?}\ndeclared but not reachable: {missing:#?}",
                env.name
            );
            assert!(!expected.is_empty());
        }
    }
}

/// The evaluator itself: a namespace without policies lets everything
/// through, default deny stops everything, an allow opens only its port.
#[test]
fn evaluator_follows_networkpolicy_semantics() {
    let pod = |name: &str| Pod {
        name: name.into(),
        namespace: "ns".into(),
        labels: [("app".to_string(), name.to_string())].into(),
        ip: Ipv4Addr::new(10, 0, 0, name.len() as u8),
        ports: vec![("http".into(), 8080, Proto::Tcp)],
    };
    let (a, b) = (pod("a"), pod("bb"));
    let namespaces: BTreeMap<String, Labels> = [(
        "ns".to_string(),
        [("kubernetes.io/metadata.name".to_string(), "ns".to_string())].into(),
    )]
    .into();
    let open = Cluster {
        pods: vec![a.clone(), b.clone()],
        policies: vec![],
        namespaces: namespaces.clone(),
    };
    assert!(open.allowed(&a, Dest::Pod(&b), 8080, Proto::Tcp));
    let deny: Value = serde_json::json!({"metadata": {"namespace": "ns"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}});
    let allow_in: Value = serde_json::json!({"metadata": {"namespace": "ns"}, "spec": {"podSelector": {"matchLabels": {"app": "bb"}}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "a"}}}], "ports": [{"port": "http"}]}]}});
    let allow_out: Value = serde_json::json!({"metadata": {"namespace": "ns"}, "spec": {"podSelector": {"matchLabels": {"app": "a"}}, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["bb"]}]}}], "ports": [{"port": 8000, "endPort": 8090}]}]}});
    let mut c = Cluster {
        pods: vec![a.clone(), b.clone()],
        policies: vec![parse_policy(&deny)],
        namespaces,
    };
    assert!(!c.allowed(&a, Dest::Pod(&b), 8080, Proto::Tcp));
    c.policies.push(parse_policy(&allow_in));
    assert!(
        !c.allowed(&a, Dest::Pod(&b), 8080, Proto::Tcp),
        "egress still denied"
    );
    c.policies.push(parse_policy(&allow_out));
    assert!(c.allowed(&a, Dest::Pod(&b), 8080, Proto::Tcp));
    assert!(
        !c.allowed(&a, Dest::Pod(&b), 8081, Proto::Tcp),
        "ingress names only port http"
    );
    assert!(!c.allowed(&b, Dest::Pod(&a), 8080, Proto::Tcp));
    assert!(!c.allowed(
        &a,
        Dest::Address(Ipv4Addr::new(1, 1, 1, 1)),
        8080,
        Proto::Tcp
    ));
}

/// The comparison has teeth: one extra allow-all-egress policy opens flows
/// nobody declared; dropping the data-egress policies closes declared ones;
/// opening one ingress rule to every namespace lets outsiders in.
#[test]
fn a_broken_policy_set_is_caught() {
    for (_, platform) in specs() {
        let files = emit(&platform);
        let tree = write_tree(&files);
        let env = &platform.environments[0];
        let docs = overlay_docs(&files, tree.path(), &env.name);
        let expected = declared(&platform, env.id);
        let mut open = docs.clone();
        open.push(serde_json::json!({
            "kind": "NetworkPolicy",
            "metadata": { "name": "oops", "namespace": platform.namespace },
            "spec": { "podSelector": {}, "policyTypes": ["Egress"], "egress": [{}] },
        }));
        let opened = evaluate(&platform, env.id, &open);
        assert!(
            opened.difference(&expected).next().is_some(),
            "{}: allow-all went unnoticed",
            platform.name
        );
        let closed: Vec<Value> = docs
            .iter()
            .filter(|d| {
                !(d["kind"] == "NetworkPolicy"
                    && d["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("-data")))
            })
            .cloned()
            .collect();
        let closed = evaluate(&platform, env.id, &closed);
        assert!(
            expected.difference(&closed).next().is_some(),
            "{}: missing data egress went unnoticed",
            platform.name
        );
        let mut widened = docs.clone();
        let rule = widened
            .iter_mut()
            .filter(|d| d["kind"] == "NetworkPolicy")
            .find_map(|d| d["spec"]["ingress"].get_mut(0))
            .expect("an ingress rule");
        rule["from"] = serde_json::json!([{ "namespaceSelector": {} }]);
        let widened = evaluate(&platform, env.id, &widened);
        assert!(
            widened.difference(&expected).next().is_some(),
            "{}: an ingress rule open to every namespace went unnoticed",
            platform.name
        );
    }
}
