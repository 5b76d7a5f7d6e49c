//! Store contract for users, sessions and the audit log, on SQLite and PostgreSQL.
use std::sync::Arc;

use chrono::{Duration, Utc};
use pairlink::server::{
    domain::{AuditId, Email, PasswordHash, SessionId, TenantId, UserId},
    store::{AuditEntry, AuditFilter, NewSession, Store, StoreError, User},
};
use serde_json::json;

use crate::store_contract::{contract, tenant};

contract!(
    emails_are_unique_across_tenants,
    sessions_expire_and_revoke_within_their_tenant,
    audit_log_filters_and_pages
);

fn user(tenant: &TenantId, email: &str) -> User {
    User {
        id: UserId::generate(),
        tenant_id: tenant.clone(),
        email: Email::parse(email).unwrap(),
        password_hash: PasswordHash::from_trusted("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
        created_at: pairlink::server::domain::from_millis(Utc::now().timestamp_millis()),
    }
}

async fn emails_are_unique_across_tenants(store: Arc<dyn Store>) {
    let (a, b) = (tenant(&store).await, tenant(&store).await);
    let ana = store.create_user(&a, &user(&a, "ana@example.com")).await.unwrap();
    assert_eq!(ana.tenant_id, a);
    assert!(matches!(
        store.create_user(&b, &user(&b, "ana@example.com")).await,
        Err(StoreError::Conflict)
    ));
    let found = store
        .find_user_by_email(&Email::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.password_hash.as_str()), (ana.id, ana.password_hash.as_str()));
    assert!(
        store
            .find_user_by_email(&Email::parse("bo@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.list_users(&a).await.unwrap().len(), 1);
    assert!(store.list_users(&b).await.unwrap().is_empty());
}

async fn sessions_expire_and_revoke_within_their_tenant(store: Arc<dyn Store>) {
    let (a, b) = (tenant(&store).await, tenant(&store).await);
    let ana = store.create_user(&a, &user(&a, "ana@example.com")).await.unwrap();
    let now = Utc::now();
    let session = |hash: &str| NewSession {
        id: SessionId::generate(),
        token_hash: hash.into(),
        user_id: ana.id.clone(),
        csrf: "csrf".into(),
        at: now,
        expires_at: now + Duration::hours(1),
    };
    let first = session("h1");
    store.create_session(&a, &first).await.unwrap();
    // A user of another tenant cannot be given a session in this one.
    assert!(matches!(store.create_session(&b, &session("h2")).await, Err(StoreError::NotFound)));
    let found = store.find_session("h1", now).await.unwrap().unwrap();
    assert_eq!(
        (found.tenant_id.clone(), found.email.as_str(), found.csrf.as_str()),
        (a.clone(), "ana@example.com", "csrf")
    );
    assert!(
        store.find_session("h1", now + Duration::hours(2)).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.find_session("nope", now).await.unwrap().is_none());
    assert_eq!(store.list_sessions(&a, now).await.unwrap().len(), 1);
    assert!(store.list_sessions(&b, now).await.unwrap().is_empty());
    assert!(matches!(store.revoke_session(&b, &first.id, now).await, Err(StoreError::NotFound)));
    assert!(
        store.find_session("h1", now).await.unwrap().is_some(),
        "another tenant cannot revoke it"
    );
    store.revoke_session(&a, &first.id, now).await.unwrap();
    assert!(store.find_session("h1", now).await.unwrap().is_none());
    assert!(matches!(store.revoke_session(&a, &first.id, now).await, Err(StoreError::NotFound)));
}

async fn audit_log_filters_and_pages(store: Arc<dyn Store>) {
    let (a, b) = (tenant(&store).await, tenant(&store).await);
    let start = pairlink::server::domain::from_millis(Utc::now().timestamp_millis());
    for (i, action) in ["webhook.created", "key.created", "webhook.deleted"].iter().enumerate() {
        let entry = AuditEntry {
            id: AuditId::generate(),
            actor: "user".into(),
            actor_id: if i == 1 { "usr_b".into() } else { "usr_a".into() },
            actor_label: "ana@example.com".into(),
            action: (*action).into(),
            target: Some(format!("t{i}")),
            detail: json!({ "i": i }),
            created_at: start + Duration::seconds(i as i64),
        };
        store.insert_audit(&a, &entry).await.unwrap();
    }
    let all = store
        .list_audit(
            &a,
            &AuditFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["webhook.deleted", "key.created", "webhook.created"]
    );
    assert_eq!(all[0].detail, json!({ "i": 2 }));
    let hooks = AuditFilter {
        action_prefix: Some("webhook.".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a, &hooks).await.unwrap().len(), 2);
    let by_b = AuditFilter {
        actor_id: Some("usr_b".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a, &by_b).await.unwrap()[0].action, "key.created");
    let older = AuditFilter {
        after: Some((all[0].created_at, all[0].id.clone())),
        limit: 1,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a, &older).await.unwrap()[0].action, "key.created");
    assert!(
        store
            .list_audit(
                &b,
                &AuditFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
}
