//! The engines this process runs, looked up by the name stored on each number.
use std::{collections::HashMap, sync::Arc};

use super::{Engine, EngineKind, embedded::EmbeddedEngine, evolution::EvolutionEngine, sandbox::SandboxEngine};

/// The deployment's engine for new numbers, the one place that decides it: the one named by
/// `default_engine`, else the sandbox in sandbox mode, else Evolution where it is configured
/// (an operator who set it up meant new numbers to use it), else the embedded engine.
pub fn default_engine(config: &crate::server::config::Config) -> EngineKind {
    match config.default_engine.as_str() {
        "sandbox" => EngineKind::Sandbox,
        "embedded" => EngineKind::Embedded,
        "evolution" => EngineKind::Evolution,
        _ if config.sandbox => EngineKind::Sandbox,
        _ if !config.evolution_url.is_empty() => EngineKind::Evolution,
        _ => EngineKind::Embedded,
    }
}

#[derive(Clone, Default)]
pub struct Engines {
    by_kind: HashMap<EngineKind, Arc<dyn Engine>>,
    /// Kept typed as well: its simulation endpoints are not part of the engine trait.
    sandbox: Option<Arc<SandboxEngine>>,
    /// Kept typed as well: onboarding and webhooks need more than the engine trait.
    meta: Option<Arc<crate::server::meta::MetaEngine>>,
    /// Kept typed as well: its webhook ingress is not part of the engine trait.
    evolution: Option<Arc<EvolutionEngine>>,
    /// Kept typed for its lease and shutdown work.
    embedded: Option<Arc<EmbeddedEngine>>,
    /// The deployment's engine for new numbers; `None` falls back as before.
    default: Option<EngineKind>,
}

impl Engines {
    pub fn with_sandbox(mut self, sandbox: Arc<SandboxEngine>) -> Self {
        self.by_kind.insert(EngineKind::Sandbox, sandbox.clone());
        self.sandbox = Some(sandbox);
        self
    }

    pub fn with_evolution(mut self, evolution: Arc<EvolutionEngine>) -> Self {
        self.by_kind.insert(EngineKind::Evolution, evolution.clone());
        self.evolution = Some(evolution);
        self
    }

    pub fn evolution(&self) -> Option<&Arc<EvolutionEngine>> {
        self.evolution.as_ref()
    }

    /// The engine of a stored number, if this process runs it.
    pub fn get(&self, stored: &str) -> Option<Arc<dyn Engine>> {
        EngineKind::from_stored(stored).and_then(|k| self.by_kind.get(&k).cloned())
    }

    /// The engine new QR-paired numbers get. Real engines come first once they exist; the
    /// sandbox only when it is the one enabled.
    pub fn for_new_device_numbers(&self) -> Option<Arc<dyn Engine>> {
        // The configured default when this process runs it; else the sandbox, when enabled,
        // is what the operator asked for (demos, tests).
        self.default.and_then(|k| self.by_kind.get(&k).cloned()).or_else(|| {
            [EngineKind::Sandbox, EngineKind::Evolution]
                .iter()
                .find_map(|k| self.by_kind.get(k).cloned())
        })
    }

    /// Sessions by link state, per engine, for `/metrics`.
    pub async fn session_counts(&self) -> Vec<(&'static str, Vec<(&'static str, u64)>)> {
        let mut all = Vec::new();
        for (kind, engine) in &self.by_kind {
            all.push((kind.as_str(), engine.session_counts().await));
        }
        all
    }

    /// The engine a tenant's new numbers get: its own choice when this process runs that
    /// engine, the deployment's default otherwise.
    pub fn for_new_numbers_of(&self, tenant_choice: Option<&str>) -> Option<Arc<dyn Engine>> {
        tenant_choice.and_then(|c| self.get(c)).or_else(|| self.for_new_device_numbers())
    }

    pub fn with_embedded(mut self, embedded: Arc<EmbeddedEngine>) -> Self {
        self.by_kind.insert(EngineKind::Embedded, embedded.clone());
        self.embedded = Some(embedded);
        self
    }

    pub fn with_default(mut self, kind: EngineKind) -> Self {
        self.default = Some(kind);
        self
    }

    pub fn embedded(&self) -> Option<&Arc<EmbeddedEngine>> {
        self.embedded.as_ref()
    }

    /// Stops live sessions cleanly, for a process that is going away.
    pub async fn shutdown(&self) {
        if let Some(embedded) = &self.embedded {
            embedded.shutdown().await;
        }
    }

    pub fn sandbox(&self) -> Option<&Arc<SandboxEngine>> {
        self.sandbox.as_ref()
    }

    pub fn with_meta(mut self, meta: Arc<crate::server::meta::MetaEngine>) -> Self {
        self.by_kind.insert(EngineKind::Meta, meta.clone());
        self.meta = Some(meta);
        self
    }

    /// The Meta Cloud API engine, when `meta_token_key` is configured.
    pub fn meta(&self) -> Option<&Arc<crate::server::meta::MetaEngine>> {
        self.meta.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::Config;

    #[test]
    fn the_default_engine_follows_the_configuration() {
        let with = |f: fn(&mut Config)| {
            let mut c = Config::default();
            f(&mut c);
            default_engine(&c)
        };
        assert_eq!(with(|_| {}), EngineKind::Embedded, "outside sandbox mode");
        assert_eq!(with(|c| c.sandbox = true), EngineKind::Sandbox);
        assert_eq!(with(|c| c.evolution_url = "http://evo:8080".into()), EngineKind::Evolution);
        assert_eq!(
            with(|c| {
                c.sandbox = true;
                c.default_engine = "embedded".into();
            }),
            EngineKind::Embedded,
            "a named engine wins"
        );
    }
}
