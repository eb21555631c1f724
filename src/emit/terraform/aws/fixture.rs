//! A small AWS platform built by hand, so the AWS target can be tested
//! without the spec decoder: two environments, public and private subnets,
//! one node pool, an in-cluster PostgreSQL and Redis, three services.

use crate::model::*;

fn per_env<T: Clone>(dev: T, prod: T) -> PerEnv<T> {
    PerEnv::from_values(vec![dev, prod])
}

fn uniform<T: Clone>(v: T) -> PerEnv<T> {
    PerEnv::uniform_of(v, 2)
}

fn service(name: &str, port: u16, identity: bool) -> Service {
    Service {
        name: name.into(),
        kind: ServiceKind::Web,
        image: format!("shop/{name}"),
        port: Some(port),
        replicas: per_env(1, 2),
        autoscale: None,
        resources: Resources {
            cpu: uniform("100m".into()),
            memory: uniform("128Mi".into()),
            cpu_limit: uniform("500m".into()),
            memory_limit: uniform("256Mi".into()),
        },
        probe: Some(Probe {
            path: "/healthz".into(),
            port,
        }),
        expose: (name == "frontend").then(|| Expose {
            host: per_env("dev.shop.example.com".into(), "shop.example.com".into()),
            path: "/".into(),
            tls: true,
            tls_secret: "frontend-tls".into(),
        }),
        config: Vec::new(),
        secrets: if identity {
            vec![SecretRef {
                vault_key: "api-token".into(),
                env_var: "API_TOKEN".into(),
                origin: SecretOrigin::Named,
            }]
        } else {
            Vec::new()
        },
        env: Vec::new(),
        identity: identity.then(|| Identity {
            cloud_name: per_env(
                format!("shop-dev-{name}"),
                format!("shop-production-{name}"),
            ),
            namespace: "shop".into(),
            service_account: name.into(),
            grants: vec![Grant {
                data: "secrets".into(),
                access: Access::SecretsRead,
            }],
            client_id_key: format!("{}_role_arn", name.replace('-', "_")),
        }),
        run_as_user: 10001,
        needs_kubernetes_api: false,
        metrics: Some(Metrics {
            path: "/metrics".into(),
            port,
        }),
    }
}

pub fn platform() -> Platform {
    let net = |s: &str| s.parse().expect("valid CIDR in fixture");
    let environments = vec![
        Environment {
            id: EnvId(0),
            name: "dev".into(),
            network: net("10.40.0.0/16"),
            branch: "develop".into(),
            approval: false,
            zones: vec!["a".into(), "b".into()],
        },
        Environment {
            id: EnvId(1),
            name: "production".into(),
            network: net("10.42.0.0/16"),
            branch: "main".into(),
            approval: true,
            zones: vec!["a".into(), "b".into(), "c".into()],
        },
    ];
    let subnet = |name: &str, index: u32, prefix: u8, dev: &str, prod: &str, public: bool| Subnet {
        name: name.into(),
        index,
        prefix,
        cidr: per_env(net(dev), net(prod)),
        delegation: None,
        private_endpoints: false,
        public,
    };
    let in_cluster = |name: &str, port: u16, kind: DataKind| DataService {
        name: name.into(),
        kind,
        subnet: None,
        private_endpoint: None,
        cloud_name: uniform(name.to_string()),
        endpoint: uniform(Endpoint::InCluster {
            workload: name.into(),
        }),
        ports: vec![port],
    };
    Platform {
        name: "shop".into(),
        title: "Shop".into(),
        cloud: Cloud {
            kind: CloudKind::Aws,
            region: "eu-west-1".into(),
        },
        repository: "shop-org/shop".into(),
        namespace: "shop".into(),
        source: "specs/shop.kdl".into(),
        environments,
        subnets: vec![
            subnet("public", 0, 20, "10.40.0.0/20", "10.42.0.0/20", true),
            subnet("private", 1, 18, "10.40.64.0/18", "10.42.64.0/18", false),
        ],
        cluster: Cluster {
            name: "eks".into(),
            kubernetes_version: "1.31".into(),
            subnet: "private".into(),
            network_plugin: NetworkPlugin::VpcCni,
            network_policy: NetworkPolicyEngine::VpcCni,
            max_pods: 110,
            node_pools: vec![NodePool {
                name: "general".into(),
                mode: NodePoolMode::System,
                vm_size: per_env("t3.medium".into(), "m5.large".into()),
                count: per_env(2, 3),
                max_count: per_env(3, 6),
            }],
            ingress: IngressController::Nginx,
            cloud_name: per_env("shop-dev".into(), "shop-production".into()),
        },
        data: vec![
            in_cluster(
                "cache",
                6379,
                DataKind::Redis(Redis {
                    hosting: Hosting::InCluster,
                    sku: uniform(String::new()),
                    access_key_secret: "cache-access-key".into(),
                    storage_gb: per_env(1, 5),
                }),
            ),
            in_cluster(
                "db",
                5432,
                DataKind::Postgres(Postgres {
                    version: "16".into(),
                    hosting: Hosting::InCluster,
                    sku: uniform(String::new()),
                    storage_gb: per_env(10, 50),
                    high_availability: uniform(HighAvailability::None),
                    backup_retention_days: per_env(7, 30),
                    backup_schedule: Some("0 2 * * *".into()),
                    databases: vec!["shop".into()],
                    password_secret: "db-admin-password".into(),
                    admin_user: "shop".into(),
                }),
            ),
        ],
        monitoring: None,
        observability: Some(observability()),
        services: vec![
            service("backend", 8080, true),
            service("frontend", 8080, false),
            service("ml-service", 5000, false),
        ],
        edges: vec![
            Edge {
                from: "backend".into(),
                kind: EdgeKind::Calls,
                to: EdgeTarget::Service {
                    name: "ml-service".into(),
                    port: 5000,
                },
            },
            Edge {
                from: "frontend".into(),
                kind: EdgeKind::Calls,
                to: EdgeTarget::Service {
                    name: "backend".into(),
                    port: 8080,
                },
            },
        ],
        delivery: Delivery {
            scan: Some(Scanner::Trivy),
            registry: Registry {
                kind: RegistryKind::Ecr,
                sku: uniform(String::new()),
                cloud_name: per_env("shop-dev".into(), "shop-production".into()),
            },
            state: StateBackend::S3 {
                bucket: "shop-tfstate-eu-west-1".into(),
                lock_table: "shop-tflock".into(),
            },
            secrets: SecretsBackend::ExternalSecrets,
        },
        deploy_values: vec![
            DeployValue {
                key: "backend_role_arn".into(),
                source: DeploySource::IdentityClientId {
                    service: "backend".into(),
                },
            },
            DeployValue {
                key: "cluster_name".into(),
                source: DeploySource::ClusterName,
            },
            DeployValue {
                key: "registry_login_server".into(),
                source: DeploySource::RegistryLoginServer,
            },
            DeployValue {
                key: "secrets_operator_client_id".into(),
                source: DeploySource::SecretsOperatorClientId,
            },
        ],
        extra_files: Vec::new(),
    }
}

/// The seed's observability: LGTM stack, three SLOs on the backend, two
/// alerts, three dashboards.
pub fn observability() -> Observability {
    let backend = |name: &str, sli: Sli, objective: f64, threshold_ms: Option<u32>| Slo {
        name: name.into(),
        service: "backend".into(),
        sli,
        objective,
        window_days: 30,
        threshold_ms,
        description: format!("{name} objective"),
        requests_metric: "http_requests_total".into(),
        duration_metric: "http_request_duration_seconds".into(),
    };
    let store = |kind: BackendKind| Backend {
        kind,
        retention_days: per_env(7, 30),
        storage_gb: per_env(10, 50),
    };
    Observability {
        metrics: store(BackendKind::Prometheus),
        logs: Some(store(BackendKind::Loki)),
        traces: Some(store(BackendKind::Tempo)),
        grafana: true,
        slos: vec![
            backend("api-availability", Sli::Availability, 99.9, None),
            backend("api-errors", Sli::ErrorRate, 99.5, None),
            backend("api-latency", Sli::LatencyP95, 95.0, Some(300)),
        ],
        alerts: vec![
            SloAlert {
                name: "high-error-rate".into(),
                slo: "api-errors".into(),
                severity: Severity::Critical,
                for_minutes: 2,
            },
            SloAlert {
                name: "high-latency".into(),
                slo: "api-latency".into(),
                severity: Severity::Warning,
                for_minutes: 10,
            },
        ],
        dashboards: vec![
            Dashboard {
                name: "platform-overview".into(),
                title: "Platform overview".into(),
                kind: DashboardKind::PlatformOverview,
            },
            Dashboard {
                name: "backend-health".into(),
                title: "Backend service health".into(),
                kind: DashboardKind::ServiceHealth {
                    service: "backend".into(),
                },
            },
            Dashboard {
                name: "logs-traces".into(),
                title: "Logs and trace correlation".into(),
                kind: DashboardKind::LogsTraces,
            },
        ],
    }
}
