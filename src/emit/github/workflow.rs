//! The shape every generated workflow shares, and how it becomes a file.
//!
//! [`Workflow`] and [`Job`] fix the key order (so every workflow reads the
//! same way) and the defaults the issue requires everywhere: read-only
//! `contents` at workflow level, `ubuntu-24.04`, a `timeout-minutes` on every
//! job, and `id-token: write` only on the jobs that log in to the cloud.
//! [`Workflow::render`] serializes through [`crate::emit::yaml`] and then adds
//! the comments YAML values cannot carry: the explanatory header, the
//! release next to each pinned action, and checkov skips with their reason.

use serde_json::{Map, Value, json};

use super::actions::annotate_pins;
use crate::emit::File;
use crate::emit::yaml::to_yaml;
use crate::model::Platform;

/// The runner image every job uses (pinned, not `ubuntu-latest`).
pub const RUNNER: &str = "ubuntu-24.04";

pub struct Workflow {
    /// File name under `.github/workflows/`.
    pub file: &'static str,
    pub name: &'static str,
    /// Comment lines printed above the document (without `# `).
    pub notes: Vec<String>,
    pub on: Value,
    /// Workflow-level concurrency, when runs (not jobs) must not overlap.
    pub concurrency: Option<Value>,
    /// Job id and job, in order.
    pub jobs: Vec<(String, Job)>,
    /// Checkov checks that do not apply: a comment inserted right after the
    /// first line equal to `after_line`, where checkov looks for it.
    pub skips: Vec<CheckovSkip>,
}

pub struct CheckovSkip {
    pub after_line: &'static str,
    pub indent: usize,
    pub check: &'static str,
    pub reason: String,
}

impl Workflow {
    pub fn render(&self, platform: &Platform) -> File {
        let mut doc = Map::new();
        doc.insert("name".into(), json!(self.name));
        doc.insert("on".into(), self.on.clone());
        doc.insert("permissions".into(), json!({"contents": "read"}));
        if let Some(c) = &self.concurrency {
            doc.insert("concurrency".into(), c.clone());
        }
        let jobs: Map<String, Value> = self
            .jobs
            .iter()
            .map(|(id, job)| (id.clone(), job.to_value()))
            .collect();
        doc.insert("jobs".into(), Value::Object(jobs));

        let mut body = String::new();
        for note in &self.notes {
            if note.is_empty() {
                body.push_str("#\n");
            } else {
                body.push_str("# ");
                body.push_str(note);
                body.push('\n');
            }
        }
        let mut yaml = annotate_pins(&to_yaml(&Value::Object(doc)));
        for skip in &self.skips {
            yaml = insert_after(&yaml, skip);
        }
        body.push_str(&yaml);
        File::new(platform, format!(".github/workflows/{}", self.file), body)
    }
}

fn insert_after(yaml: &str, skip: &CheckovSkip) -> String {
    let mut out = String::with_capacity(yaml.len() + 128);
    let mut done = false;
    for line in yaml.split_inclusive('\n') {
        out.push_str(line);
        if !done && line.trim_end_matches('\n') == skip.after_line {
            out.extend(std::iter::repeat_n(' ', skip.indent));
            out.push_str(&format!("# checkov:skip={}: {}\n", skip.check, skip.reason));
            done = true;
        }
    }
    out
}

/// `cancel-in-progress` of a concurrency group.
pub enum Cancel {
    /// Never cancel a running apply or deploy halfway.
    Never,
    /// A newer run supersedes this one (read-only jobs).
    Always,
}

// `cancel-in-progress` is always a literal: checkov's bundled workflow schema
// rejects an expression there and then silently skips the whole file.

pub fn concurrency(group: impl Into<String>, cancel: Cancel) -> Value {
    let cancel = match cancel {
        Cancel::Never => json!(false),
        Cancel::Always => json!(true),
    };
    json!({"group": group.into(), "cancel-in-progress": cancel})
}

#[derive(Default)]
pub struct Job {
    pub name: String,
    pub needs: Vec<String>,
    /// Job-level `if:`.
    pub condition: Option<String>,
    pub timeout_minutes: u32,
    /// GitHub Environment the job runs in (protection rules, environment variables, OIDC subject).
    pub environment: Option<String>,
    pub concurrency: Option<Value>,
    /// The job logs in to the cloud through OIDC.
    pub id_token: bool,
    pub strategy: Option<Value>,
    pub env: Vec<(String, String)>,
    pub steps: Vec<Value>,
}

impl Job {
    pub fn new(name: impl Into<String>, timeout_minutes: u32) -> Self {
        Job {
            name: name.into(),
            timeout_minutes,
            ..Job::default()
        }
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        match self.needs.as_slice() {
            [] => {}
            [one] => {
                m.insert("needs".into(), json!(one));
            }
            many => {
                m.insert("needs".into(), json!(many));
            }
        }
        if let Some(c) = &self.condition {
            m.insert("if".into(), json!(c));
        }
        m.insert("runs-on".into(), json!(RUNNER));
        m.insert("timeout-minutes".into(), json!(self.timeout_minutes));
        if let Some(e) = &self.environment {
            m.insert("environment".into(), json!(e));
        }
        if let Some(c) = &self.concurrency {
            m.insert("concurrency".into(), c.clone());
        }
        if self.id_token {
            m.insert(
                "permissions".into(),
                json!({"contents": "read", "id-token": "write"}),
            );
        }
        if let Some(s) = &self.strategy {
            m.insert("strategy".into(), s.clone());
        }
        if !self.env.is_empty() {
            let env: Map<String, Value> = self
                .env
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            m.insert("env".into(), Value::Object(env));
        }
        m.insert("steps".into(), Value::Array(self.steps.clone()));
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_keys_come_in_a_fixed_order() {
        let mut job = Job::new("deploy (dev)", 30);
        job.steps.push(json!({"run": "true"}));
        job.env.push(("A".into(), "b".into()));
        job.id_token = true;
        job.environment = Some("dev".into());
        job.condition = Some("github.ref == 'refs/heads/develop'".into());
        let keys: Vec<String> = job
            .to_value()
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().cloned())
            .collect();
        assert_eq!(
            keys,
            [
                "name",
                "if",
                "runs-on",
                "timeout-minutes",
                "environment",
                "permissions",
                "env",
                "steps"
            ]
        );
    }

    #[test]
    fn skip_comment_lands_after_its_anchor() {
        let skip = CheckovSkip {
            after_line: "  workflow_dispatch:",
            indent: 4,
            check: "CKV_GHA_7",
            reason: "why".into(),
        };
        let out = insert_after("'on':\n  workflow_dispatch:\n    inputs: {}\n", &skip);
        assert_eq!(
            out,
            "'on':\n  workflow_dispatch:\n    # checkov:skip=CKV_GHA_7: why\n    inputs: {}\n"
        );
    }
}
