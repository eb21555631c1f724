//! Per-environment values, expanded.
//!
//! The spec writes `replicas 2 production=3`; the model stores one value per
//! environment (indexed by [`EnvId`]) so that no emitter ever re-applies the
//! default/override rule. `uniform()` tells an emitter whether a value can live
//! in a shared place (kustomize base, module default) or must go per environment.

use serde::Serialize;

/// Index of an environment in [`crate::model::Platform::environments`]
/// (declaration order, which is promotion order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct EnvId(pub usize);

/// One value per environment, always complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PerEnv<T> {
    values: Vec<T>,
}

impl<T> PerEnv<T> {
    /// Builds from one value per environment, in environment order.
    pub fn from_values(values: Vec<T>) -> Self {
        Self { values }
    }

    /// The same value in every one of `count` environments.
    pub fn uniform_of(value: T, count: usize) -> Self
    where
        T: Clone,
    {
        Self {
            values: vec![value; count],
        }
    }

    /// The value in environment `env`.
    pub fn get(&self, env: EnvId) -> &T {
        &self.values[env.0]
    }

    /// `Some(value)` when every environment has the same value.
    pub fn uniform(&self) -> Option<&T>
    where
        T: PartialEq,
    {
        let first = self.values.first()?;
        self.values.iter().all(|v| v == first).then_some(first)
    }

    /// Values in environment order.
    pub fn iter(&self) -> impl Iterator<Item = (EnvId, &T)> {
        self.values.iter().enumerate().map(|(i, v)| (EnvId(i), v))
    }

    /// Applies `f` to every environment's value.
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> PerEnv<U> {
        PerEnv {
            values: self.values.iter().map(f).collect(),
        }
    }

    /// The largest value over all environments.
    pub fn max(&self) -> Option<&T>
    where
        T: Ord,
    {
        self.values.iter().max()
    }
}
