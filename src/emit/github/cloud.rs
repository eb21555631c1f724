//! Everything in the workflows that depends on the cloud, keyed on
//! [`CloudKind`]: the OIDC login step, the environment Terraform reads its
//! credentials from, cluster credentials for kubectl/helm, and registry
//! access (login, push, existence check).
//!
//! The workflow modules only compose these pieces, so adding a cloud means
//! adding one arm per function here. Scripts are fixed text: every value a
//! script needs (registry, cluster, image names) reaches it through the
//! step's `env:`, so no name can ever become shell syntax.

use serde_json::{Value, json};

use super::actions::{AWS_CREDENTIALS, AZURE_LOGIN};
use crate::model::{CloudKind, Platform};

/// Comment lines naming the identity the workflows log in as through OIDC
/// and the subject claims it must trust (`claims`: context and full claim,
/// the subset of [`Platform::ci_subjects`] one workflow's jobs present).
pub fn identity_notes(platform: &Platform, claims: &[(&str, &str)]) -> Vec<String> {
    match platform.cloud.kind {
        CloudKind::Azure => {
            let mut out = vec![
                "Cloud login is OIDC only (no stored credential), as the identity named by the"
                    .to_string(),
                "repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID"
                    .to_string(),
                "(a GitHub Environment may override them with variables of the same names)."
                    .to_string(),
                "Its federated credentials (subject claims) must allow:".to_string(),
            ];
            out.extend(claims.iter().map(|(_, claim)| format!("  {claim}")));
            out
        }
        // The bootstrap root creates one role per environment, trusted only
        // by jobs in that GitHub Environment, and one read-only role (plus
        // state lock and image push) for every other job.
        CloudKind::Aws => {
            let mut out = vec![
                "Cloud login is OIDC only (no stored credential): jobs assume the IAM role named by the"
                    .to_string(),
                "variable AWS_ROLE_ARN (see the outputs of terraform/bootstrap).".to_string(),
            ];
            let (environments, others): (Vec<_>, Vec<_>) = claims
                .iter()
                .partition(|(context, _)| context.starts_with("environment:"));
            if !environments.is_empty() {
                out.push(
                    "Jobs in a GitHub Environment read that environment's AWS_ROLE_ARN: its own CI role,"
                        .to_string(),
                );
                out.push("whose trust policy allows only the environment's subject:".to_string());
                out.extend(environments.iter().map(|(_, claim)| format!("  {claim}")));
            }
            if !others.is_empty() {
                let who = if environments.is_empty() {
                    "Jobs"
                } else {
                    "Other jobs"
                };
                out.push(format!(
                    "{who} read the repository variable AWS_ROLE_ARN: the read-only CI role (state lock"
                ));
                out.push("and image push added), whose trust policy allows:".to_string());
                out.extend(others.iter().map(|(_, claim)| format!("  {claim}")));
            }
            out
        }
    }
}

/// The OIDC login step (needs `id-token: write` on its job).
pub fn login_step(platform: &Platform) -> Value {
    match platform.cloud.kind {
        CloudKind::Azure => json!({
            "name": "Log in to Azure (OIDC)",
            "uses": AZURE_LOGIN.uses(),
            "with": {
                "client-id": "${{ vars.AZURE_CLIENT_ID }}",
                "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
                "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
            },
        }),
        CloudKind::Aws => json!({
            "name": "Log in to AWS (OIDC)",
            "uses": AWS_CREDENTIALS.uses(),
            "with": {
                "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",
                "aws-region": platform.cloud.region,
            },
        }),
    }
}

/// Job-level environment variables through which Terraform authenticates
/// (provider and state backend) with the job's OIDC token.
pub fn terraform_env(platform: &Platform) -> Vec<(&'static str, String)> {
    match platform.cloud.kind {
        CloudKind::Azure => vec![
            ("ARM_USE_OIDC", "true".into()),
            ("ARM_USE_AZUREAD", "true".into()),
            ("ARM_CLIENT_ID", "${{ vars.AZURE_CLIENT_ID }}".into()),
            ("ARM_TENANT_ID", "${{ vars.AZURE_TENANT_ID }}".into()),
            (
                "ARM_SUBSCRIPTION_ID",
                "${{ vars.AZURE_SUBSCRIPTION_ID }}".into(),
            ),
        ],
        // configure-aws-credentials exports the session for every later step.
        CloudKind::Aws => Vec::new(),
    }
}

/// kubelogin release installed next to kubectl on Azure runners.
const KUBELOGIN_VERSION: &str = "v0.2.10";

/// Steps that leave a working kubeconfig for the environment's cluster
/// (`CLUSTER_NAME` must be in the job's env) and prove access to it.
///
/// Run them right after the login step: on Azure the CLI exchanges the
/// short-lived OIDC assertion for the cluster token here, and the cached
/// token then outlives the rest of the job.
pub fn kube_access_steps(platform: &Platform) -> Vec<Value> {
    match platform.cloud.kind {
        CloudKind::Azure => vec![
            json!({
                "name": "Install kubectl and kubelogin",
                "env": {"KUBELOGIN_VERSION": KUBELOGIN_VERSION},
                "run": "mkdir -p \"$RUNNER_TEMP/bin\"\n\
                        az aks install-cli --install-location \"$RUNNER_TEMP/bin/kubectl\" \\\n  \
                        --kubelogin-install-location \"$RUNNER_TEMP/bin/kubelogin\" --kubelogin-version \"$KUBELOGIN_VERSION\"\n\
                        echo \"$RUNNER_TEMP/bin\" >> \"$GITHUB_PATH\"\n",
            }),
            json!({
                "name": "Get cluster credentials",
                "run": "resource_group=\"$(az aks list --query \"[?name=='${CLUSTER_NAME}'].resourceGroup | [0]\" --output tsv)\"\n\
                        test -n \"$resource_group\" || { echo \"::error::AKS cluster $CLUSTER_NAME not found in this subscription\"; exit 1; }\n\
                        az aks get-credentials --resource-group \"$resource_group\" --name \"$CLUSTER_NAME\" --overwrite-existing\n\
                        kubelogin convert-kubeconfig -l azurecli\n\
                        kubectl version\n",
            }),
        ],
        CloudKind::Aws => vec![
            json!({
                "name": "Install kubectl",
                "env": {"KUBERNETES_VERSION": platform.cluster.kubernetes_version},
                "run": "version=\"$(curl -fsSL \"https://dl.k8s.io/release/stable-${KUBERNETES_VERSION}.txt\")\"\n\
                        mkdir -p \"$RUNNER_TEMP/bin\"\n\
                        curl -fsSLo \"$RUNNER_TEMP/bin/kubectl\" \"https://dl.k8s.io/release/${version}/bin/linux/amd64/kubectl\"\n\
                        echo \"$(curl -fsSL \"https://dl.k8s.io/release/${version}/bin/linux/amd64/kubectl.sha256\")  $RUNNER_TEMP/bin/kubectl\" \\\n  \
                        | sha256sum --check\n\
                        chmod +x \"$RUNNER_TEMP/bin/kubectl\"\n\
                        echo \"$RUNNER_TEMP/bin\" >> \"$GITHUB_PATH\"\n",
            }),
            json!({
                "name": "Get cluster credentials",
                "run": "aws eks update-kubeconfig --name \"$CLUSTER_NAME\" --region \"$AWS_REGION\"\n\
                        kubectl version\n",
            }),
        ],
    }
}

/// Comment lines on how the jobs of a workflow reach the cluster's API.
pub fn cluster_access_notes(platform: &Platform) -> Vec<String> {
    match platform.cloud.kind {
        // AKS keeps its API server public behind Entra ID authentication.
        CloudKind::Azure => Vec::new(),
        CloudKind::Aws => vec![
            "kubectl matches the cluster's Kubernetes minor version (checksum-verified download).".to_string(),
            "The EKS API endpoint is private: a job reaches it only from a runner whose address the".to_string(),
            "environment root's api_public_cidrs admits (set it in a terraform/environments/<env>/*.auto.tfvars".to_string(),
            "file of your own), or from inside the VPC.".to_string(),
        ],
    }
}

/// Shell lines that set `server` (see [`registry_server_script`]) and log
/// docker in to it.
pub fn registry_login_script(platform: &Platform) -> String {
    let login = match platform.cloud.kind {
        CloudKind::Azure => "az acr login --name \"$REGISTRY\"\n",
        CloudKind::Aws => {
            "aws ecr get-login-password --region \"$AWS_REGION\" | docker login --username AWS --password-stdin \"$host\"\n"
        }
    };
    format!("{}{login}", registry_server_script(platform))
}

/// Shell lines that set `server` to where images of the registry named by
/// `$REGISTRY` are pushed (`$server/<image>:<tag>`), without logging docker in.
pub fn registry_server_script(platform: &Platform) -> &'static str {
    match platform.cloud.kind {
        CloudKind::Azure => {
            "server=\"$(az acr show --name \"$REGISTRY\" --query loginServer --output tsv)\"\n"
        }
        // ECR: one registry per account and region; the model's registry
        // name is the environment's repository namespace in it.
        CloudKind::Aws => {
            "host=\"$(aws sts get-caller-identity --query Account --output text).dkr.ecr.${AWS_REGION}.amazonaws.com\"\n\
             server=\"$host/$REGISTRY\"\n"
        }
    }
}

/// A command that succeeds when `$image:$GITHUB_SHA` exists in the registry
/// named by `$REGISTRY` (no docker login needed).
pub fn image_exists_command(platform: &Platform) -> &'static str {
    match platform.cloud.kind {
        CloudKind::Azure => {
            "az acr repository show --name \"$REGISTRY\" --image \"$image:$GITHUB_SHA\" --output none"
        }
        CloudKind::Aws => {
            "aws ecr describe-images --repository-name \"$REGISTRY/$image\" --image-ids imageTag=\"$GITHUB_SHA\" --output text"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::github::fixture;

    #[test]
    fn azure_logs_in_with_repository_variables() {
        let p = fixture::platform();
        let step = login_step(&p);
        assert_eq!(step["with"]["client-id"], "${{ vars.AZURE_CLIENT_ID }}");
        assert!(terraform_env(&p).contains(&("ARM_USE_OIDC", "true".to_string())));
        let kube = kube_access_steps(&p);
        assert!(
            kube[1]["run"]
                .as_str()
                .unwrap_or("")
                .contains("kubelogin convert-kubeconfig -l azurecli")
        );
    }

    #[test]
    fn aws_assumes_a_role_and_reads_eks_credentials() {
        let mut p = fixture::platform();
        p.cloud.kind = CloudKind::Aws;
        p.cloud.region = "eu-west-1".into();
        let step = login_step(&p);
        assert_eq!(step["with"]["role-to-assume"], "${{ vars.AWS_ROLE_ARN }}");
        assert_eq!(step["with"]["aws-region"], "eu-west-1");
        assert!(terraform_env(&p).is_empty());
        let kube = kube_access_steps(&p);
        // kubectl of the cluster's minor version, checksum-verified, then the kubeconfig.
        assert_eq!(
            kube[0]["env"]["KUBERNETES_VERSION"],
            p.cluster.kubernetes_version
        );
        assert!(
            kube[0]["run"]
                .as_str()
                .unwrap_or("")
                .contains("| sha256sum --check")
        );
        assert!(
            kube[1]["run"]
                .as_str()
                .unwrap_or("")
                .starts_with("aws eks update-kubeconfig")
        );
        assert!(registry_login_script(&p).contains("docker login --username AWS --password-stdin"));
    }
}
