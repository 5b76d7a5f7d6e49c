//! The links, settings and templates half of the store contract, on SQLite and PostgreSQL.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::{AuditId, LinkId, LinkToken, NumberId, NumberState, Provider, TemplateId, TenantId},
    pairing::events::{link_event, number_event},
    store::{AuditEntry, AuditFilter, Link, LinkEnd, LinkIssue, NewLink, Store, StoreError, Template},
};
use pairlink::types::branding::Branding;
use serde_json::json;

use crate::store_contract::{add_number, contract, event, new_key, new_number, tenant};

contract!(
    links_are_found_by_token_hash_and_replaced_by_newer_ones,
    a_link_and_its_new_number_commit_together,
    a_link_issue_writes_its_key_move_and_audit_entry_with_it_or_nothing,
    the_token_finds_the_link_and_its_number_in_one_read,
    links_end_once,
    opening_and_expiry_are_recorded_once_with_their_events,
    pairing_uses_up_the_numbers_link,
    a_link_moves_its_number_to_meta_once_and_coexistence_counts_add_up,
    settings_upsert_field_by_field,
    templates_are_unique_per_name_and_language,
    links_settings_and_templates_stay_in_their_tenant,
);

pub(crate) fn new_link(number: Option<&NumberId>, ttl: Duration) -> (NewLink, LinkToken) {
    let token = LinkToken::generate();
    let at = Utc::now();
    let link = NewLink {
        id: LinkId::generate(),
        number_id: number.cloned(),
        token_hash: token.hash(),
        provider: Provider::PilotStatus,
        meta_flow: None,
        branding: Branding {
            primary_color: Some("#112233".into()),
            ..Branding::default()
        },
        redirect_url: None,
        refresh_url: Some("https://platform.example/again".into()),
        external_ref: Some("crm-1".into()),
        locale: Some("pt-BR".into()),
        at,
        expires_at: at + ttl,
    };
    (link, token)
}

async fn find(store: &Arc<dyn Store>, token: &LinkToken) -> Link {
    store
        .find_link_by_token(&token.hash())
        .await
        .unwrap()
        .expect("the link is found by its token's hash")
}

async fn links_are_found_by_token_hash_and_replaced_by_newer_ones(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (first, first_token) = new_link(Some(&n.id), Duration::hours(24));
    let stored = store.issue_link(&t, &first, None).await.unwrap();
    assert_eq!(
        (stored.branding.primary_color.as_deref(), stored.locale.as_deref()),
        (Some("#112233"), Some("pt-BR"))
    );
    assert!(
        store.find_link_by_token(first_token.reveal()).await.unwrap().is_none(),
        "the raw token is no key"
    );
    assert_eq!(find(&store, &first_token).await.id, first.id);

    let (second, second_token) = new_link(Some(&n.id), Duration::hours(24));
    store.issue_link(&t, &second, None).await.unwrap();
    assert_eq!(find(&store, &first_token).await.end_reason, Some(LinkEnd::Replaced));
    assert_eq!(find(&store, &second_token).await.end_reason, None);
    assert_eq!(store.current_link(&t, &n.id).await.unwrap().unwrap().id, second.id);
}

async fn a_link_and_its_new_number_commit_together(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    add_number(&store, &t, "5511900000001").await;
    // A second live number with the same phone is refused, and its link with it.
    let dup = new_number("5511900000001");
    let (link, token) = new_link(Some(&dup.id), Duration::hours(1));
    let err = store
        .issue_link(&t, &link, Some((&dup, &event("number.created", &dup))))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    assert!(store.find_link_by_token(&token.hash()).await.unwrap().is_none());

    let fresh = new_number("5511900000002");
    let (link, token) = new_link(Some(&fresh.id), Duration::hours(1));
    store
        .issue_link(&t, &link, Some((&fresh, &event("number.created", &fresh))))
        .await
        .unwrap();
    assert_eq!(store.get_number(&t, &fresh.id).await.unwrap().state, NumberState::Close);
    assert_eq!(find(&store, &token).await.number_id, Some(fresh.id));
}

fn issued_entry(link: &NewLink) -> AuditEntry {
    AuditEntry {
        id: AuditId::generate(),
        actor: "key".into(),
        actor_id: "key_x".into(),
        actor_label: "API key …abcd".into(),
        action: "link.issued".into(),
        target: Some(link.id.to_string()),
        detail: json!({}),
        created_at: Utc::now(),
    }
}

async fn audit_targets(store: &Arc<dyn Store>, t: &TenantId) -> Vec<Option<String>> {
    let all = AuditFilter {
        limit: 50,
        ..AuditFilter::default()
    };
    store.list_audit(t, &all).await.unwrap().into_iter().map(|e| e.target).collect()
}

async fn a_link_issue_writes_its_key_move_and_audit_entry_with_it_or_nothing(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let old = add_number(&store, &t, "5511900000001").await;
    let (key, _) = new_key(Some(&old.id));
    store.insert_api_key(&t, &key).await.unwrap();

    let fresh = new_number("5511900000002");
    let (link, token) = new_link(Some(&fresh.id), Duration::hours(1));
    let audit = issued_entry(&link);
    let created = event("number.created", &fresh);
    let with = LinkIssue {
        new_number: Some((&fresh, &created)),
        bind_key: Some(&key.id),
        audit: Some(&audit),
    };
    let (stored, number) = store.issue_link_with(&t, &link, with).await.unwrap();
    assert_eq!(stored.id, link.id);
    assert_eq!(number.map(|n| (n.id, n.state)), Some((fresh.id.clone(), NumberState::Close)));
    let keys = store.list_api_keys(&t).await.unwrap();
    assert_eq!(keys.iter().find(|k| k.id == key.id).unwrap().number_id, Some(fresh.id.clone()));
    assert_eq!(audit_targets(&store, &t).await, [Some(link.id.to_string())]);
    assert_eq!(find(&store, &token).await.number_id, Some(fresh.id));

    // The key was revoked meanwhile: nothing of the issue is stored, the audit entry included.
    let mut revoke = new_key(Some(&old.id)).0;
    revoke.number_id = None;
    store.rotate_api_key(&t, &key.id, &revoke).await.unwrap();
    let other = new_number("5511900000003");
    let (link, token) = new_link(Some(&other.id), Duration::hours(1));
    let audit = issued_entry(&link);
    let created = event("number.created", &other);
    let with = LinkIssue {
        new_number: Some((&other, &created)),
        bind_key: Some(&key.id),
        audit: Some(&audit),
    };
    let err = store.issue_link_with(&t, &link, with).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert!(store.find_link_by_token(&token.hash()).await.unwrap().is_none());
    assert!(matches!(store.get_number(&t, &other.id).await, Err(StoreError::NotFound)));
    assert_eq!(
        audit_targets(&store, &t).await.len(),
        1,
        "no audit entry for an issue that did not happen"
    );
}

async fn the_token_finds_the_link_and_its_number_in_one_read(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    let (found, number) = store.find_link_and_number_by_token(&token.hash()).await.unwrap().unwrap();
    assert_eq!(found.id, link.id);
    assert_eq!(found.refresh_url.as_deref(), Some("https://platform.example/again"));
    let number = number.expect("the link's number comes with it");
    assert_eq!(
        (number.id, number.phone.digits(), number.state),
        (n.id.clone(), "5511900000001", NumberState::Close)
    );

    // A Meta link has no number yet.
    let (meta, meta_token) = new_link(None, Duration::hours(1));
    store.issue_link(&t, &meta, None).await.unwrap();
    let (found, number) = store.find_link_and_number_by_token(&meta_token.hash()).await.unwrap().unwrap();
    assert_eq!((found.id, number.is_none()), (meta.id, true));
    assert!(
        store
            .find_link_and_number_by_token(&LinkToken::generate().hash())
            .await
            .unwrap()
            .is_none()
    );
}

async fn links_end_once(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    assert!(store.end_link(&t, &link.id, LinkEnd::Revoked, Utc::now()).await.unwrap());
    assert!(
        !store.end_link(&t, &link.id, LinkEnd::Used, Utc::now()).await.unwrap(),
        "an ended link stays as it ended"
    );
    assert_eq!(find(&store, &token).await.end_reason, Some(LinkEnd::Revoked));
    assert!(store.current_link(&t, &n.id).await.unwrap().is_none());
    assert!(
        !store.set_link_expiry(&t, &link.id, Utc::now()).await.unwrap(),
        "an ended link cannot be re-timed"
    );
}

async fn opening_and_expiry_are_recorded_once_with_their_events(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), Duration::minutes(1));
    let stored = store.issue_link(&t, &link, None).await.unwrap();
    let opened = |l: &Link| link_event("link.opened", l, None, Utc::now(), json!({}));
    assert!(store.mark_link_opened(&t, &link.id, &opened(&stored)).await.unwrap());
    assert!(!store.mark_link_opened(&t, &link.id, &opened(&stored)).await.unwrap());
    assert!(find(&store, &token).await.opened_at.is_some());

    assert!(
        store
            .links_due_for_expiry(Utc::now(), 10)
            .await
            .unwrap()
            .iter()
            .all(|l| l.id != link.id),
        "not due yet"
    );
    let later = Utc::now() + Duration::minutes(2);
    let due = store.links_due_for_expiry(later, 10).await.unwrap();
    assert!(due.iter().any(|l| l.id == link.id));
    let expired = link_event("link.expired", &stored, None, later, json!({}));
    assert!(store.mark_link_expired(&t, &link.id, &expired).await.unwrap());
    assert!(
        !store
            .mark_link_expired(&t, &link.id, &link_event("link.expired", &stored, None, later, json!({})))
            .await
            .unwrap()
    );
    assert!(
        store.links_due_for_expiry(later, 10).await.unwrap().iter().all(|l| l.id != link.id),
        "reported once"
    );
    // Events without a number (Meta links before signup) are kept per tenant, not per number.
    let kinds: Vec<_> = store
        .list_number_events(&t, &n.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["number.created"]);
}

async fn pairing_uses_up_the_numbers_link(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    let connected = number_event(
        "number.connected",
        pairlink::server::pairing::events::Subject {
            id: &n.id,
            phone: &n.phone,
            name: &n.name,
        },
        Utc::now(),
        json!({}),
    );
    store
        .transition_number(&t, &n.id, NumberState::Open, Utc::now(), Some(&connected))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(find(&store, &token).await.end_reason, Some(LinkEnd::Used));
}

async fn a_link_moves_its_number_to_meta_once_and_coexistence_counts_add_up(store: Arc<dyn Store>) {
    use pairlink::server::store::{CoexDelivery, MetaAccount, MetaConversion};
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, token) = new_link(Some(&n.id), Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    let account = MetaAccount {
        number_id: n.id.clone(),
        tenant_id: t.clone(),
        waba_id: "1020".into(),
        phone_number_id: "3040".into(),
        app_id: Some("app".into()),
        token: "sealed".into(),
        pin: None,
        phone: json!({ "display_phone_number": "+55 11 90000-0001" }),
        waba: json!({}),
        checked_at: Some(Utc::now()),
        coexistence: Some(json!({ "status": "CONFIRMED", "evidence": "embedded_signup" })),
        received: Default::default(),
        sync_retry_at: None,
    };
    let connected = event("number.connected", &n);
    let engine_ref = json!({ "wabaId": "1020", "phoneNumberId": "3040" });
    let convert = || MetaConversion {
        number: &n.id,
        engine_ref: &engine_ref,
        account: &account,
        event: &connected,
        link: &link.id,
        at: Utc::now(),
    };
    let moved = store.convert_to_meta(&t, convert()).await.unwrap();
    assert_eq!(
        (moved.id.clone(), moved.provider, moved.engine.as_str(), moved.state),
        (n.id.clone(), Provider::Meta, "meta", NumberState::Open)
    );
    assert!(moved.connected_at.is_some());
    assert_eq!(find(&store, &token).await.end_reason, Some(LinkEnd::Used));
    assert!(
        matches!(store.convert_to_meta(&t, convert()).await, Err(StoreError::NotFound)),
        "once: the link is used up"
    );
    let events = store.list_number_events(&t, &n.id, 10).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.kind == "number.connected").count(), 1);

    let history = CoexDelivery {
        history_messages: 3,
        history: Some("shared"),
        ..Default::default()
    };
    let contacts = CoexDelivery {
        contacts: 2,
        ..Default::default()
    };
    assert_eq!(store.count_coexistence("1020", "3040", &history, Utc::now()).await.unwrap(), 1);
    assert_eq!(store.count_coexistence("1020", "3040", &contacts, Utc::now()).await.unwrap(), 1);
    assert_eq!(
        store.count_coexistence("1020", "9999", &contacts, Utc::now()).await.unwrap(),
        0,
        "another phone of the WABA is not ours"
    );
    let got = store.meta_account(&t, &n.id).await.unwrap();
    assert_eq!(
        (
            got.received.webhooks,
            got.received.history_messages,
            got.received.contacts,
            got.received.history.as_deref()
        ),
        (2, 3, 2, Some("shared"))
    );
    assert_eq!(got.coexistence.unwrap()["status"], "CONFIRMED");
}

async fn settings_upsert_field_by_field(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let empty = store.settings(&t).await.unwrap();
    assert_eq!(
        (empty.branding, empty.default_sender, empty.embed_origins.len()),
        (Branding::default(), None, 0)
    );
    let n = add_number(&store, &t, "5511900000001").await;
    let branding = Branding {
        company_name: Some("Acme".into()),
        ..Branding::default()
    };
    store.save_branding(&t, &branding, Utc::now()).await.unwrap();
    store.save_default_sender(&t, Some(&n.id), Utc::now()).await.unwrap();
    store
        .save_embed_origins(&t, &["https://a.example".into(), "https://b.example".into()], Utc::now())
        .await
        .unwrap();
    let s = store.settings(&t).await.unwrap();
    assert_eq!(s.branding, branding, "saving one field keeps the others");
    assert_eq!(s.default_sender, Some(n.id.clone()));
    assert_eq!(s.embed_origins, ["https://a.example", "https://b.example"]);
    store.purge_number(&t, &n.id).await.unwrap();
    assert_eq!(
        store.settings(&t).await.unwrap().default_sender,
        None,
        "a purged sender is forgotten"
    );
}

fn template(name: &str, language: &str) -> Template {
    let now = Utc::now();
    Template {
        id: TemplateId::generate(),
        name: name.into(),
        category: "OTP".into(),
        language: language.into(),
        body: "{{link}}".into(),
        created_at: now,
        updated_at: now,
    }
}

async fn templates_are_unique_per_name_and_language(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let en = template("pilot_status_remote_pairing", "en");
    store.insert_template(&t, &en).await.unwrap();
    assert!(matches!(
        store.insert_template(&t, &template("pilot_status_remote_pairing", "en")).await,
        Err(StoreError::Conflict)
    ));
    store
        .insert_template(&t, &template("pilot_status_remote_pairing", "pt_BR"))
        .await
        .unwrap();
    assert_eq!(store.list_templates(&t).await.unwrap().len(), 2);
    assert_eq!(
        store.find_template(&t, "pilot_status_remote_pairing").await.unwrap().unwrap().id,
        en.id,
        "the oldest first"
    );
    let mut changed = en.clone();
    changed.body = "Oi {{name}}: {{link}}".into();
    store.update_template(&t, &changed).await.unwrap();
    assert_eq!(store.get_template(&t, &en.id).await.unwrap().body, changed.body);
    store.delete_template(&t, &en.id).await.unwrap();
    assert!(matches!(store.get_template(&t, &en.id).await, Err(StoreError::NotFound)));
}

async fn links_settings_and_templates_stay_in_their_tenant(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let other: TenantId = tenant(&store).await;
    let n = add_number(&store, &t, "5511900000001").await;
    let (link, _) = new_link(Some(&n.id), Duration::hours(1));
    store.issue_link(&t, &link, None).await.unwrap();
    assert!(store.current_link(&other, &n.id).await.unwrap().is_none());
    assert!(!store.end_link(&other, &link.id, LinkEnd::Revoked, Utc::now()).await.unwrap());
    assert!(!store.set_link_expiry(&other, &link.id, Utc::now()).await.unwrap());
    let tpl = template("welcome", "en");
    store.insert_template(&t, &tpl).await.unwrap();
    assert!(matches!(store.get_template(&other, &tpl.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_template(&other, &tpl.id).await, Err(StoreError::NotFound)));
    assert!(store.list_templates(&other).await.unwrap().is_empty());
    store
        .save_branding(
            &t,
            &Branding {
                company_name: Some("Mine".into()),
                ..Branding::default()
            },
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(store.settings(&other).await.unwrap().branding, Branding::default());
}
