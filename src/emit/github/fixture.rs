//! A small spec compiled for the unit tests of the workflow modules: two
//! environments sharing a branch and one on its own branch with approval,
//! a web service and a worker.

use crate::model::Platform;

const SPEC: &str = r#"
platform shop {
    title "Shop"
    cloud azure region=westeurope
    repository "acme/shop"
    namespace shop
}

environment dev network="10.0.0.0/16" branch=develop
environment staging network="10.10.0.0/16" branch=develop
environment production network="10.20.0.0/16" branch=main approval=#true

network {
    subnet aks index=1
}

cluster aks {
    kubernetes "1.30"
    subnet aks
    network-plugin azure policy=calico
    node-pool system {
        vm-size Standard_D2s_v3
        count 1
    }
    ingress nginx
}

service web {
    image "shop/web"
    port 8080
    resources {
        cpu "100m"
        memory "128Mi"
        cpu-limit "500m"
        memory-limit "256Mi"
    }
}

service jobs {
    kind worker
    image "shop/jobs"
    resources {
        cpu "100m"
        memory "128Mi"
        cpu-limit "500m"
        memory-limit "256Mi"
    }
}

delivery {
    ci github-actions scan=trivy
    registry acr {
        sku Basic production=Standard
    }
    state azure-storage
    secrets external-secrets
}
"#;

pub fn platform() -> Platform {
    match crate::compile_source("specs/shop.kdl", SPEC) {
        Ok(p) => p,
        Err(d) => panic!("fixture spec does not compile:\n{}", d.render_human(false)),
    }
}
