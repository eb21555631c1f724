//! A small hand-built platform for the emitter's unit tests: three
//! environments (production zoned), a web service calling another, a worker,
//! a cron job, data services on a subnet, public and in-cluster endpoints.

use std::str::FromStr;

use ipnet::Ipv4Net;

use crate::model::*;

fn per<T: Clone>(values: &[T]) -> PerEnv<T> {
    PerEnv::from_values(values.to_vec())
}

fn same<T: Clone>(value: T) -> PerEnv<T> {
    PerEnv::uniform_of(value, 3)
}

fn s(v: &str) -> String {
    v.to_string()
}

fn net(v: &str) -> Ipv4Net {
    Ipv4Net::from_str(v).unwrap_or_default()
}

fn resources() -> Resources {
    Resources {
        cpu: per(&[s("100m"), s("100m"), s("250m")]),
        memory: per(&[s("128Mi"), s("128Mi"), s("256Mi")]),
        cpu_limit: same(s("500m")),
        memory_limit: per(&[s("256Mi"), s("256Mi"), s("512Mi")]),
    }
}

fn identity(service: &str) -> Identity {
    Identity {
        cloud_name: per(&[
            format!("id-{service}-dev"),
            format!("id-{service}-staging"),
            format!("id-{service}-production"),
        ]),
        namespace: s("shop"),
        service_account: s(service),
        grants: vec![],
        client_id_key: format!("{}_client_id", service.replace('-', "_")),
    }
}

fn base_service(name: &str, kind: ServiceKind) -> Service {
    Service {
        name: s(name),
        kind,
        image: format!("shop/{name}"),
        port: None,
        replicas: same(1),
        autoscale: None,
        resources: resources(),
        probe: None,
        expose: None,
        config: vec![],
        secrets: vec![],
        env: vec![],
        identity: None,
        run_as_user: 10001,
        needs_kubernetes_api: false,
        metrics: None,
    }
}

fn web() -> Service {
    let mut svc = base_service("web", ServiceKind::Web);
    svc.port = Some(8080);
    svc.replicas = per(&[2, 2, 3]);
    svc.autoscale = Some(Autoscale {
        max: per(&[4, 4, 10]),
        cpu_percent: 70,
    });
    svc.probe = Some(Probe {
        path: s("/healthz"),
        port: 8080,
    });
    svc.expose = Some(Expose {
        host: per(&[
            s("dev.shop.example.com"),
            s("staging.shop.example.com"),
            s("shop.example.com"),
        ]),
        path: s("/"),
        tls: true,
        tls_secret: s("web-tls"),
    });
    svc.config = vec![ConfigEntry {
        key: s("LOG_LEVEL"),
        value: per(&[s("info"), s("info"), s("warn")]),
    }];
    svc.env = vec![
        EnvVar {
            name: s("API_URL"),
            value: EnvValue::Literal {
                value: same(s("http://api:8080")),
            },
        },
        EnvVar {
            name: s("LOG_LEVEL"),
            value: EnvValue::Literal {
                value: per(&[s("info"), s("info"), s("warn")]),
            },
        },
    ];
    svc
}

fn api() -> Service {
    let mut svc = base_service("api", ServiceKind::Web);
    svc.port = Some(8080);
    svc.replicas = per(&[1, 2, 3]);
    svc.probe = Some(Probe {
        path: s("/healthz"),
        port: 8080,
    });
    svc.secrets = vec![
        SecretRef {
            vault_key: s("db-password"),
            env_var: s("DB_PASSWORD"),
            origin: SecretOrigin::DataService { name: s("db") },
        },
        SecretRef {
            vault_key: s("jwt-key"),
            env_var: s("JWT_KEY"),
            origin: SecretOrigin::Named,
        },
    ];
    svc.env = vec![
        EnvVar {
            name: s("DB_HOST"),
            value: EnvValue::Deploy { key: s("db_host") },
        },
        EnvVar {
            name: s("DB_NAME"),
            value: EnvValue::Literal {
                value: same(s("shop")),
            },
        },
        EnvVar {
            name: s("DB_PASSWORD"),
            value: EnvValue::Secret {
                vault_key: s("db-password"),
            },
        },
        EnvVar {
            name: s("JWT_KEY"),
            value: EnvValue::Secret {
                vault_key: s("jwt-key"),
            },
        },
    ];
    svc.identity = Some(identity("api"));
    svc
}

fn worker() -> Service {
    let mut svc = base_service("worker", ServiceKind::Worker);
    svc.run_as_user = 1000;
    svc.identity = Some(identity("worker"));
    svc
}

fn report() -> Service {
    base_service(
        "report",
        ServiceKind::CronJob {
            schedule: s("0 3 * * *"),
        },
    )
}

fn data(name: &str, kind: DataKind, endpoint: PerEnv<Endpoint>, ports: Vec<u16>) -> DataService {
    DataService {
        name: s(name),
        kind,
        subnet: None,
        private_endpoint: None,
        cloud_name: same(format!("{name}-cloud")),
        endpoint,
        ports,
    }
}

fn subnet_endpoint(cidrs: &[&str]) -> PerEnv<Endpoint> {
    PerEnv::from_values(
        cidrs
            .iter()
            .map(|c| Endpoint::Subnet { cidr: net(c) })
            .collect(),
    )
}

fn edge(from: &str, kind: EdgeKind, to: EdgeTarget) -> Edge {
    Edge {
        from: s(from),
        kind,
        to,
    }
}

fn data_edge(from: &str, kind: EdgeKind, to: &str) -> Edge {
    edge(
        from,
        kind,
        EdgeTarget::Data {
            name: s(to),
            detail: None,
        },
    )
}

/// The fixture platform with the given secrets backend.
pub fn platform(secrets: SecretsBackend) -> Platform {
    let envs = [
        ("dev", "10.0.0.0/16"),
        ("staging", "10.10.0.0/16"),
        ("production", "10.20.0.0/16"),
    ];
    let environments = envs
        .iter()
        .enumerate()
        .map(|(i, (name, network))| Environment {
            id: EnvId(i),
            name: s(name),
            network: net(network),
            branch: s(if i == 2 { "main" } else { "develop" }),
            approval: i == 2,
            zones: if i == 2 {
                vec![s("1"), s("2"), s("3")]
            } else {
                vec![]
            },
        })
        .collect();
    let subnet = |name: &str, index: u32| Subnet {
        name: s(name),
        index,
        prefix: 24,
        cidr: per(&[
            net(&format!("10.0.{index}.0/24")),
            net(&format!("10.10.{index}.0/24")),
            net(&format!("10.20.{index}.0/24")),
        ]),
        delegation: None,
        private_endpoints: false,
        public: false,
    };
    let mut edges = vec![
        edge(
            "web",
            EdgeKind::Calls,
            EdgeTarget::Service {
                name: s("api"),
                port: 8080,
            },
        ),
        data_edge("api", EdgeKind::Uses, "db"),
        data_edge("api", EdgeKind::Uses, "queue"),
        data_edge("worker", EdgeKind::Consumes, "queue"),
        data_edge("worker", EdgeKind::Uses, "blobs"),
        data_edge("worker", EdgeKind::Uses, "blobs"),
        data_edge("report", EdgeKind::Uses, "cache"),
    ];
    edges.sort();
    let deploy_values = {
        let mut v = vec![
            DeployValue {
                key: s("api_client_id"),
                source: DeploySource::IdentityClientId { service: s("api") },
            },
            DeployValue {
                key: s("worker_client_id"),
                source: DeploySource::IdentityClientId {
                    service: s("worker"),
                },
            },
            DeployValue {
                key: s("db_host"),
                source: DeploySource::DatabaseHost { data: s("db") },
            },
            DeployValue {
                key: s("registry_login_server"),
                source: DeploySource::RegistryLoginServer,
            },
            DeployValue {
                key: s("tenant_id"),
                source: DeploySource::TenantId,
            },
            DeployValue {
                key: s("vault_uri"),
                source: DeploySource::VaultUri { data: s("vault") },
            },
            DeployValue {
                key: s("vault_name"),
                source: DeploySource::VaultName { data: s("vault") },
            },
            DeployValue {
                key: s("secrets_operator_client_id"),
                source: DeploySource::SecretsOperatorClientId,
            },
        ];
        v.sort();
        v
    };
    Platform {
        name: s("shop"),
        title: s("Shop"),
        cloud: Cloud {
            kind: CloudKind::Azure,
            region: s("westeurope"),
        },
        repository: s("example/shop"),
        namespace: s("shop"),
        source: s("specs/shop.kdl"),
        environments,
        subnets: vec![subnet("aks", 1), subnet("database", 2)],
        cluster: Cluster {
            name: s("aks"),
            kubernetes_version: s("1.30"),
            subnet: s("aks"),
            network_plugin: NetworkPlugin::Azure,
            network_policy: NetworkPolicyEngine::Calico,
            max_pods: 30,
            node_pools: vec![],
            ingress: IngressController::Nginx,
            cloud_name: same(s("aks-shop")),
        },
        data: vec![
            data(
                "blobs",
                DataKind::Storage(Storage {
                    containers: vec![s("results")],
                    queues: vec![],
                    replication: same(s("LRS")),
                }),
                same(Endpoint::Public),
                vec![443],
            ),
            data(
                "cache",
                DataKind::Redis(Redis {
                    hosting: Hosting::InCluster,
                    sku: same(s("Basic/C0")),
                    access_key_secret: s("cache-key"),
                    storage_gb: same(1),
                }),
                same(Endpoint::InCluster {
                    workload: s("cache"),
                }),
                vec![6379],
            ),
            data(
                "db",
                DataKind::Postgres(Postgres {
                    version: s("16"),
                    hosting: Hosting::Managed,
                    sku: same(s("B1")),
                    storage_gb: same(32),
                    high_availability: same(HighAvailability::None),
                    backup_retention_days: same(7),
                    backup_schedule: None,
                    databases: vec![s("shop")],
                    password_secret: s("db-password"),
                    admin_user: s("admin"),
                }),
                subnet_endpoint(&["10.0.2.0/24", "10.10.2.0/24", "10.20.2.0/24"]),
                vec![5432],
            ),
            data(
                "queue",
                DataKind::ServiceBus(ServiceBus {
                    sku: same(s("Standard")),
                    topics: vec![],
                    queues: vec![s("jobs")],
                }),
                same(Endpoint::Public),
                vec![5671, 443],
            ),
            data(
                "vault",
                DataKind::KeyVault(KeyVault {
                    soft_delete_days: 7,
                    purge_protection: same(false),
                }),
                same(Endpoint::Public),
                vec![443],
            ),
        ],
        monitoring: None,
        observability: None,
        services: vec![api(), report(), web(), worker()],
        edges,
        delivery: Delivery {
            scan: None,
            registry: Registry {
                kind: RegistryKind::Acr,
                sku: same(s("Basic")),
                cloud_name: same(s("acrshop")),
            },
            state: StateBackend::AzureStorage {
                resource_group: s("rg"),
                storage_account: s("st"),
                container: s("tfstate"),
            },
            secrets,
        },
        deploy_values,
        extra_files: Vec::new(),
    }
}
