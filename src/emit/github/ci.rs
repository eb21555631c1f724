//! `ci.yml`: build, lint, test and scan every service image; push it, tagged
//! with the commit SHA, to the registries of the environments that deploy
//! from the pushed branch; tag the released commit's images with the
//! release tag ([`Platform::release_tag`]: `stable` moved on ACR, an
//! immutable `release-<tag>` per release on ECR, whose tags never move).
//! A SHA tag, once pushed, is never pushed again.
//!
//! The image that is pushed is the very image that was scanned: the build
//! job saves it as an artifact and the push job loads it, instead of building
//! twice. Pushing needs cloud credentials, so it is a separate job and the
//! only one (with promotion) that may request an OIDC token.

use serde_json::{Value, json};

use super::actions::{BUILD_PUSH, DOWNLOAD_ARTIFACT, SETUP_BUILDX, TRIVY, UPLOAD_ARTIFACT};
use super::cloud;
use super::environments::{
    Logins, deploy_branches, identity_notes, last, on_branches, registry_targets,
};
use super::steps::checkout;
use super::workflow::{Cancel, Job, Workflow, concurrency};
use crate::model::{Platform, ReleaseTag, Scanner};

/// Directory of a service's source and Dockerfile in the platform repository.
pub fn build_context(service: &str) -> String {
    format!("services/{service}")
}

pub fn workflow(platform: &Platform) -> Option<Workflow> {
    if platform.services.is_empty() {
        return None;
    }
    let branches = deploy_branches(platform);
    let release_env = last(platform)?;

    let mut notes = vec![
        "Lints, tests, builds and scans every service on pull requests and on pushes to the deploy"
            .to_string(),
        "branches. Each service's source and Dockerfile live in services/<service>/ of this"
            .to_string(),
        "repository; the Dockerfile has `lint` and `test` stages next to the final image stage, so"
            .to_string(),
        "CI needs no language-specific setup. On pushes only, the scanned image is pushed, tagged"
            .to_string(),
        "with the commit SHA, to the registries of the environments that deploy from the branch:"
            .to_string(),
    ];
    for branch in &branches {
        let registries: Vec<String> = registry_targets(platform)
            .iter()
            .filter(|t| t.branches().contains(branch))
            .map(|t| format!("{} ({})", t.name, t.environment_names()))
            .collect();
        notes.push(format!("  {branch}: {}", registries.join(", ")));
    }
    notes.push(
        "Registry login servers are looked up from the cloud at run time. A commit's images are pushed"
            .to_string(),
    );
    notes.push("once: a SHA tag that exists already is never overwritten.".to_string());
    match platform.release_tag() {
        ReleaseTag::Moving { tag } => notes.push(format!(
            "A published release moves the `{tag}` tag to its commit's images in the {0} registry.",
            release_env.name
        )),
        ReleaseTag::PerRelease { prefix } => {
            notes.push(format!(
                "A published release tags its commit's images `{prefix}<release tag>` in the {0} registry:",
                release_env.name
            ));
            notes.push(
                "the registry's tags are immutable, so each release gets a tag of its own (a `stable` tag"
                    .to_string(),
            );
            notes.push("could be pushed once and never moved).".to_string());
        }
    }
    notes.extend([
        format!(
            "That job runs in the {0} GitHub Environment, so allow release tags there next to {1}.",
            release_env.name, release_env.branch
        ),
        String::new(),
    ]);
    notes.extend(identity_notes(
        platform,
        &[Logins::Branches, Logins::Environment(&release_env.name)],
    ));

    let mut jobs = vec![("build".to_string(), build_job(platform))];
    jobs.push(("push".to_string(), push_job(platform, &branches)));
    jobs.push(("promote".to_string(), promote_job(platform)));

    Some(Workflow {
        file: "ci.yml",
        name: "ci",
        notes,
        on: json!({
            "push": {"branches": branches},
            "pull_request": {},
            "release": {"types": ["published"]},
        }),
        // A newer push to a pull request supersedes its running build; runs
        // for pushes get a group of their own so every deploy-branch commit
        // gets its images (its deploy waits for them).
        concurrency: Some(concurrency(
            "ci-${{ github.event_name == 'pull_request' && github.ref || github.run_id }}",
            Cancel::Always,
        )),
        jobs,
        skips: Vec::new(),
    })
}

/// One matrix entry per service: its name, image path, and (for building)
/// its build context.
fn service_matrix(platform: &Platform, with_context: bool) -> Value {
    let include: Vec<Value> = platform
        .services
        .iter()
        .map(|s| {
            let mut entry = json!({"service": s.name, "image": s.image});
            if with_context {
                entry["context"] = json!(build_context(&s.name));
            }
            entry
        })
        .collect();
    json!({"fail-fast": false, "matrix": {"include": include}})
}

fn build_step(name: &str, target: Option<&str>) -> Value {
    let mut with = json!({"context": "${{ matrix.context }}", "push": false});
    if let Some(t) = target {
        with["target"] = json!(t);
    } else {
        with["tags"] = json!("${{ matrix.image }}:${{ github.sha }}");
        with["outputs"] = json!("type=docker,dest=${{ runner.temp }}/image.tar");
    }
    json!({"name": name, "uses": BUILD_PUSH.uses(), "with": with})
}

fn build_job(platform: &Platform) -> Job {
    let mut job = Job::new("build (${{ matrix.service }})", 30);
    job.condition = Some("github.event_name != 'release'".into());
    job.strategy = Some(service_matrix(platform, true));
    job.steps = vec![
        checkout(),
        json!({"name": "Set up Docker Buildx", "uses": SETUP_BUILDX.uses()}),
        build_step("Lint", Some("lint")),
        build_step("Test", Some("test")),
        build_step("Build image", None),
    ];
    if let Some(Scanner::Trivy) = platform.delivery.scan {
        job.steps.push(json!({
            "name": "Scan image (fails on HIGH or CRITICAL vulnerabilities)",
            "uses": TRIVY.uses(),
            "with": {
                "input": "${{ runner.temp }}/image.tar",
                "severity": "HIGH,CRITICAL",
                "ignore-unfixed": true,
                "exit-code": "1",
                "format": "table",
            },
        }));
    }
    job.steps.push(json!({
        "name": "Keep the image for the push job",
        "if": "github.event_name == 'push'",
        "uses": UPLOAD_ARTIFACT.uses(),
        "with": {
            "name": "image-${{ matrix.service }}",
            "path": "${{ runner.temp }}/image.tar",
            "retention-days": 1,
            "if-no-files-found": "error",
        },
    }));
    job
}

fn push_job(platform: &Platform, branches: &[&str]) -> Job {
    let mut job = Job::new("push (${{ matrix.service }})", 20);
    job.needs = vec!["build".into()];
    job.condition = Some(format!(
        "github.event_name == 'push' && ({})",
        on_branches(branches)
    ));
    job.id_token = true;
    job.strategy = Some(service_matrix(platform, false));
    job.steps = vec![
        json!({
            "name": "Fetch the scanned image",
            "uses": DOWNLOAD_ARTIFACT.uses(),
            "with": {"name": "image-${{ matrix.service }}", "path": "${{ runner.temp }}"},
        }),
        json!({"name": "Load image", "run": "docker load --input \"$RUNNER_TEMP/image.tar\"\n"}),
        cloud::login_step(platform),
    ];
    let script = format!(
        "image=\"$SERVICE_IMAGE\"\n\
         if {} > /dev/null 2>&1; then\n  \
         echo \"::notice::$image:$GITHUB_SHA is in $REGISTRY already (a re-run, or the branch of another environment): not pushed again\"\n  \
         exit 0\n\
         fi\n\
         {}docker tag \"$image:$GITHUB_SHA\" \"$server/$image:$GITHUB_SHA\"\n\
         docker push \"$server/$image:$GITHUB_SHA\"\n",
        cloud::image_exists_command(platform),
        cloud::registry_login_script(platform)
    );
    for target in registry_targets(platform) {
        job.steps.push(json!({
            "name": format!("Push to the registry of {} ({})", target.environment_names(), target.name),
            "if": on_branches(&target.branches()),
            "env": {"REGISTRY": target.name, "SERVICE_IMAGE": "${{ matrix.image }}"},
            "run": script,
        }));
    }
    job
}

/// One job for all images: promotion is a registry-side retag (the
/// manifest the SHA tag names gets the release tag too), and the
/// environment's approval (if any) is asked once per release.
fn promote_job(platform: &Platform) -> Job {
    let mut job = Job::new("promote", 15);
    job.condition = Some("github.event_name == 'release'".into());
    job.id_token = true;
    job.steps = vec![cloud::login_step(platform)];
    if let Some(env) = last(platform) {
        job.environment = Some(env.name.clone());
        let registry = platform.delivery.registry.cloud_name.get(env.id);
        let images: Vec<&str> = platform.services.iter().map(|s| s.image.as_str()).collect();
        let mut step_env = json!({
            "REGISTRY": registry,
            "IMAGES": images.join(" "),
            "BRANCH": env.branch,
        });
        let release_tag = platform.release_tag();
        let (tag_line, existing, describe) = match release_tag {
            ReleaseTag::Moving { tag } => {
                step_env["TAG"] = json!(tag);
                ("tag=\"$TAG\"\n".to_string(), "", tag.to_string())
            }
            ReleaseTag::PerRelease { prefix } => {
                step_env["RELEASE"] = json!("${{ github.event.release.tag_name }}");
                step_env["TAG_PREFIX"] = json!(prefix);
                step_env["TAG_ROOM"] = json!(128usize.saturating_sub(prefix.len()).to_string());
                (
                    // The release's Git tag, made a valid Docker tag byte by
                    // byte (ReleaseTag::for_release does the same).
                    "tag=\"$TAG_PREFIX$(printf '%s' \"$RELEASE\" | tr -c 'A-Za-z0-9_.-' '-' | cut -c \"1-$TAG_ROOM\")\"\n"
                        .to_string(),
                    // Immutable tags: a re-run finds its own tag; any other
                    // image under it is an error, never an overwrite.
                    "  if docker buildx imagetools inspect --raw \"$target\" > \"$RUNNER_TEMP/target.json\" 2> /dev/null; then\n    \
                     if cmp -s \"$RUNNER_TEMP/source.json\" \"$RUNNER_TEMP/target.json\"; then\n      \
                     echo \"::notice::$target already names this image\"\n      \
                     continue\n    \
                     fi\n    \
                     echo \"::error::$target already names another image, and release tags are immutable\"\n    \
                     exit 1\n  \
                     fi\n",
                    format!("{prefix}<release tag>"),
                )
            }
        };
        let script = format!(
            "{login}{tag_line}for image in $IMAGES; do\n  \
             source=\"$server/$image:$GITHUB_SHA\"\n  \
             target=\"$server/$image:$tag\"\n  \
             if ! docker buildx imagetools inspect --raw \"$source\" > \"$RUNNER_TEMP/source.json\"; then\n    \
             echo \"::error::$source does not exist: a release must point at a commit that ci built on $BRANCH\"\n    \
             exit 1\n  \
             fi\n\
             {existing}  \
             docker buildx imagetools create --tag \"$target\" \"$source\"\n\
             done\n",
            login = cloud::registry_login_script(platform),
        );
        job.steps.push(json!({
            "name": format!("Tag the released images {describe} in the registry of {} ({registry})", env.name),
            "env": step_env,
            "run": script,
        }));
    }
    job
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::github::fixture;

    fn step_names(job: &Job) -> Vec<String> {
        job.steps
            .iter()
            .map(|s| s["name"].as_str().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn pushes_each_registry_from_its_environments_branches() {
        let w = workflow(&fixture::platform()).expect("ci.yml");
        let push = &w.jobs[1].1;
        assert!(push.id_token);
        let conditions: Vec<&str> = push.steps.iter().filter_map(|s| s["if"].as_str()).collect();
        assert_eq!(
            conditions,
            [
                "github.ref == 'refs/heads/develop'",
                "github.ref == 'refs/heads/develop'",
                "github.ref == 'refs/heads/main'"
            ]
        );
        assert!(
            !w.jobs[0].1.id_token,
            "the build job never gets an OIDC token"
        );
    }

    #[test]
    fn scan_follows_the_spec() {
        let mut p = fixture::platform();
        let with = step_names(&build_job(&p));
        assert!(with.iter().any(|n| n.starts_with("Scan image")));
        p.delivery.scan = None;
        let without = step_names(&build_job(&p));
        assert!(!without.iter().any(|n| n.starts_with("Scan image")));
    }

    #[test]
    fn release_promotes_in_the_last_environment() {
        let w = workflow(&fixture::platform()).expect("ci.yml");
        let promote = &w.jobs[2].1;
        assert_eq!(promote.environment.as_deref(), Some("production"));
        assert_eq!(promote.steps[1]["env"]["IMAGES"], "shop/jobs shop/web");
        assert_eq!(promote.steps[1]["env"]["TAG"], "stable");
    }
}
