//! The engines this process runs, looked up by the name stored on each number.
use std::{collections::HashMap, sync::Arc};

use super::{Engine, EngineKind, evolution::EvolutionEngine, sandbox::SandboxEngine};

#[derive(Clone, Default)]
pub struct Engines {
    by_kind: HashMap<EngineKind, Arc<dyn Engine>>,
    /// Kept typed as well: its simulation endpoints are not part of the engine trait.
    sandbox: Option<Arc<SandboxEngine>>,
    /// Kept typed as well: onboarding and webhooks need more than the engine trait.
    meta: Option<Arc<crate::server::meta::MetaEngine>>,
    /// Kept typed as well: its webhook ingress is not part of the engine trait.
    evolution: Option<Arc<EvolutionEngine>>,
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
        // The sandbox, when enabled, is what the operator asked for (demos, tests).
        [EngineKind::Sandbox, EngineKind::Evolution]
            .iter()
            .find_map(|k| self.by_kind.get(k).cloned())
    }

    /// Sessions by link state, per engine, for `/metrics`.
    pub async fn session_counts(&self) -> Vec<(&'static str, Vec<(&'static str, u64)>)> {
        let mut all = Vec::new();
        for (kind, engine) in &self.by_kind {
            all.push((kind.as_str(), engine.session_counts().await));
        }
        all
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
