//! Admitting a Terraform job's runner to the Key Vault firewall.
//!
//! When Terraform reads and writes generated credentials through the vault's
//! public endpoint ([`Platform::runner_admitted_vault`]), the vault's
//! firewall (default deny) would refuse the hosted runner, whose address
//! changes with every job. Each job that runs Terraform against the
//! environment therefore adds a rule for its own public address right after
//! logging in, waits until the data plane lets it through, and removes the
//! rule when it ends, whatever the outcome (`if: always()`, after logging in
//! again so an expired CLI token cannot leave the rule behind). The vault's
//! Terraform ignores `ip_rules`, so these transient rules never show as
//! drift and a plan never removes a rule another job relies on.
//!
//! A saved plan cannot carry the apply runner's address, so a vault created
//! by an apply cannot admit that apply's runner: the first apply of an
//! environment stops when it writes the first secret, and the next run
//! (plan, then apply) finishes it. The apply job says so when it happens.

use serde_json::{Map, Value, json};

use super::cloud;
use crate::model::Platform;

/// Step id of the admission step (its outputs name the rule to remove).
const STEP_ID: &str = "key-vault";

/// Where the runner learns its public IPv4 address.
const ADDRESS_SERVICE: &str = "https://checkip.amazonaws.com";

/// How long the admission waits for the rule to reach the data plane.
const WAIT_ATTEMPTS: u32 = 18;
const WAIT_SECONDS: u32 = 10;

/// The environment-to-vault-name map the steps read, as a job variable
/// (`KEY_VAULTS`), when the platform's Terraform needs the admission.
pub fn job_env(platform: &Platform) -> Option<(String, String)> {
    let vault = platform.runner_admitted_vault()?;
    let names: Map<String, Value> = platform
        .environments
        .iter()
        .map(|e| (e.name.clone(), json!(vault.cloud_name.get(e.id))))
        .collect();
    Some(("KEY_VAULTS".to_string(), Value::Object(names).to_string()))
}

/// Comment lines for the workflows whose jobs pass the firewall.
pub fn notes(platform: &Platform) -> Vec<String> {
    let Some(vault) = platform.runner_admitted_vault() else {
        return Vec::new();
    };
    vec![
        String::new(),
        format!(
            "Terraform reads and writes generated secrets in Key Vault `{}` through its public endpoint,",
            vault.name
        ),
        "whose firewall denies by default: each job admits its runner's address for the job and removes"
            .to_string(),
        "it at the end, whatever happened. An environment's first apply creates the vault after its"
            .to_string(),
        "runner could have been admitted: if it stops writing a secret, plan and apply once more."
            .to_string(),
    ]
}

/// The admission step: run it after the cloud login and before Terraform,
/// in a job whose env has `ENVIRONMENT` and [`job_env`].
pub fn admit_step(platform: &Platform) -> Option<Value> {
    platform.runner_admitted_vault()?;
    let run = "vault=\"$(jq -r --arg env \"$ENVIRONMENT\" '.[$env] // empty' <<< \"$KEY_VAULTS\")\"\n\
         test -n \"$vault\" || { echo \"::error::no Key Vault is known for environment $ENVIRONMENT\"; exit 1; }\n\
         if ! out=\"$(az keyvault show --name \"$vault\" --output none 2>&1)\"; then\n  \
         case \"$out\" in\n    \
         *ResourceNotFound*|*\"not found within subscription\"*)\n      \
         echo \"::notice::Key Vault $vault does not exist yet: Terraform creates it\"\n      \
         echo \"absent=$vault\" >> \"$GITHUB_OUTPUT\"\n      \
         exit 0\n      \
         ;;\n  \
         esac\n  \
         echo \"$out\"\n  \
         exit 1\n\
         fi\n\
         ip=\"$(curl -fsS --max-time 10 \"$ADDRESS_SERVICE\" | tr -d '[:space:]')\"\n\
         if ! [[ \"$ip\" =~ ^[0-9]{1,3}(\\.[0-9]{1,3}){3}$ ]]; then\n  \
         echo \"::error::could not determine this runner's public IPv4 address\"\n  \
         exit 1\n\
         fi\n\
         echo \"vault=$vault\" >> \"$GITHUB_OUTPUT\"\n\
         echo \"address=$ip/32\" >> \"$GITHUB_OUTPUT\"\n\
         az keyvault network-rule add --name \"$vault\" --ip-address \"$ip/32\" --output none\n\
         # The rule reaches the vault's data plane after a short delay.\n\
         for attempt in $(seq 1 \"$WAIT_ATTEMPTS\"); do\n  \
         if out=\"$(az keyvault secret list --vault-name \"$vault\" --maxresults 1 --output none 2>&1)\"; then\n    \
         exit 0\n  \
         fi\n  \
         case \"$out\" in\n    \
         *ForbiddenByFirewall*|*\"Client address is not authorized\"*)\n      \
         echo \"waiting for the firewall rule (attempt $attempt)\"\n      \
         sleep \"$WAIT_SECONDS\"\n      \
         ;;\n    \
         *)\n      \
         # Past the firewall: any other refusal is Terraform's to report.\n      \
         exit 0\n      \
         ;;\n  \
         esac\n\
         done\n\
         echo \"::error::Key Vault $vault still refuses this runner ($ip) after the rule was added\"\n\
         exit 1\n";
    Some(json!({
        "name": "Admit this runner to the Key Vault firewall",
        "id": STEP_ID,
        "env": {
            "ADDRESS_SERVICE": ADDRESS_SERVICE,
            "WAIT_ATTEMPTS": WAIT_ATTEMPTS.to_string(),
            "WAIT_SECONDS": WAIT_SECONDS.to_string(),
        },
        "run": run,
    }))
}

/// The steps that end the job: log in again (the first login's CLI token
/// may have expired during a long apply) and remove the runner's rule,
/// whatever happened before.
pub fn remove_steps(platform: &Platform) -> Vec<Value> {
    if platform.runner_admitted_vault().is_none() {
        return Vec::new();
    }
    let condition = format!("always() && steps.{STEP_ID}.outputs.vault != ''");
    let login = cloud::login_step(platform);
    vec![
        json!({
            "name": "Log in again to remove the firewall rule",
            "if": condition,
            "uses": login["uses"],
            "with": login["with"],
        }),
        json!({
            "name": "Remove this runner from the Key Vault firewall",
            "if": condition,
            "env": {
                "VAULT": format!("${{{{ steps.{STEP_ID}.outputs.vault }}}}"),
                "ADDRESS": format!("${{{{ steps.{STEP_ID}.outputs.address }}}}"),
            },
            "run": "az keyvault network-rule remove --name \"$VAULT\" --ip-address \"$ADDRESS\" --output none\n",
        }),
    ]
}

/// For the apply job: when the vault did not exist as the job started and
/// the apply failed, say why and what to do.
pub fn first_apply_step(platform: &Platform) -> Option<Value> {
    platform.runner_admitted_vault()?;
    Some(json!({
        "name": "Explain a first apply stopped by the Key Vault firewall",
        "if": format!("failure() && steps.{STEP_ID}.outputs.absent != ''"),
        "env": {"VAULT": format!("${{{{ steps.{STEP_ID}.outputs.absent }}}}")},
        "run": "echo \"::error::Key Vault $VAULT did not exist when this job started, so its firewall could not admit this runner. \
                If the apply stopped writing a secret, run infrastructure.yml again (plan, then apply): \
                the next run admits its runner to the vault that now exists.\"\n",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::github::fixture;

    fn octo() -> Platform {
        let text = std::fs::read_to_string("specs/octo.kdl").expect("specs/octo.kdl");
        crate::compile_source("specs/octo.kdl", &text).expect("octo compiles")
    }

    #[test]
    fn vault_names_per_environment_and_cleanup_always() {
        let p = octo();
        let (key, value) = job_env(&p).expect("octo admits its runners");
        assert_eq!(key, "KEY_VAULTS");
        let names: Value = serde_json::from_str(&value).expect("JSON");
        for env in &p.environments {
            let vault = p.runner_admitted_vault().expect("vault");
            assert_eq!(names[&env.name], json!(vault.cloud_name.get(env.id)));
        }
        let admit = admit_step(&p).expect("admit step");
        let run = admit["run"].as_str().unwrap_or("");
        assert!(run.contains("az keyvault network-rule add"));
        let remove = remove_steps(&p);
        assert_eq!(remove.len(), 2);
        assert_eq!(
            remove[1]["if"],
            "always() && steps.key-vault.outputs.vault != ''"
        );
        assert!(
            remove[1]["run"]
                .as_str()
                .unwrap_or("")
                .starts_with("az keyvault network-rule remove")
        );
    }

    #[test]
    fn nothing_without_terraform_written_secrets() {
        let p = fixture::platform();
        assert!(job_env(&p).is_none());
        assert!(admit_step(&p).is_none());
        assert!(remove_steps(&p).is_empty());
        assert!(first_apply_step(&p).is_none());
    }
}
