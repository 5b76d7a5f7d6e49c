//! Leases, fencing and commands on both backends: what keeps one client per device and every
//! command once across processes (issue 22).
use std::{sync::Arc, time::Duration};

use chrono::Utc;
use pairlink::server::{
    domain::{NumberId, NumberState},
    store::{Command, Fenced, LinkView, SandboxMessage, Store},
};

use crate::store_contract::{add_number, contract, event, tenant};

contract!(
    renewal_is_one_statement_and_never_brings_a_released_lease_back,
    a_process_that_lost_the_lease_writes_no_view_no_state_and_no_keys,
    lease_ends_are_read_on_the_databases_clock,
    a_command_taken_cannot_be_withdrawn,
    the_sandbox_world_keeps_one_connection_per_device_and_one_message_per_id,
);

const LEASE: Duration = Duration::from_secs(30);

fn view(tenant: &pairlink::server::domain::TenantId, state: &str) -> LinkView {
    LinkView {
        tenant: tenant.clone(),
        state: state.into(),
        window_ends_at: None,
        updated_at: Utc::now(),
    }
}

async fn renewal_is_one_statement_and_never_brings_a_released_lease_back(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let (n1, n2) = (
        add_number(&store, &t, "+5511900000001").await,
        add_number(&store, &t, "+5511900000002").await,
    );
    assert!(store.acquire_lease(&n1.id, "a", LEASE).await.unwrap());
    assert!(store.acquire_lease(&n2.id, "a", LEASE).await.unwrap());
    assert!(
        !store.acquire_lease(&n2.id, "b", LEASE).await.unwrap(),
        "a lease in force is not taken"
    );
    store.release_lease(&n1.id, "a").await.unwrap();

    let held = store.renew_leases("a", LEASE).await.unwrap();
    assert_eq!(held, vec![n2.id.clone()], "the released lease stays released");
    assert_eq!(store.lease_holder(&n1.id).await.unwrap(), None);
    assert_eq!(store.lease_holder(&n2.id).await.unwrap().as_deref(), Some("a"));
    assert!(store.renew_leases("b", LEASE).await.unwrap().is_empty());
}

async fn a_process_that_lost_the_lease_writes_no_view_no_state_and_no_keys(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "+5511900000003").await;
    assert!(store.acquire_lease(&n.id, "a", LEASE).await.unwrap());
    assert_eq!(
        store.save_link_view(&n.id, &view(&t, "a1"), Some("a")).await.unwrap(),
        Fenced::Held(())
    );
    assert_eq!(
        store.save_link_view(&n.id, &view(&t, "b1"), Some("b")).await.unwrap(),
        Fenced::Lost,
        "only the holder writes the view"
    );
    assert_eq!(store.link_view(&n.id).await.unwrap().unwrap().view.state, "a1");

    // A lost the number (it stalled past its lease; B took it).
    store.release_lease(&n.id, "a").await.unwrap();
    assert!(store.acquire_lease(&n.id, "b", LEASE).await.unwrap());
    assert_eq!(store.save_link_view(&n.id, &view(&t, "a2"), Some("a")).await.unwrap(), Fenced::Lost);
    let stored = store.link_view(&n.id).await.unwrap().unwrap();
    assert_eq!((stored.view.state.as_str(), stored.holder.as_deref()), ("a1", Some("b")));

    let connected = event("number.connected", &n);
    let lost = store
        .transition_number_held(&t, &n.id, NumberState::Open, Utc::now(), Some(&connected), "a")
        .await
        .unwrap();
    assert!(matches!(lost, Fenced::Lost));
    assert_eq!(
        store.get_number(&t, &n.id).await.unwrap().state,
        NumberState::Close,
        "no state from A"
    );
    assert!(
        store
            .list_number_events(&t, &n.id, 10)
            .await
            .unwrap()
            .iter()
            .all(|e| e.kind != "number.connected"),
        "no event from A"
    );
    match store
        .transition_number_held(&t, &n.id, NumberState::Open, Utc::now(), Some(&connected), "b")
        .await
        .unwrap()
    {
        Fenced::Held(Some(number)) => assert_eq!(number.state, NumberState::Open),
        other => panic!("the holder's change goes through: {other:?}"),
    }
    assert!(
        matches!(
            store
                .transition_number_held(&t, &n.id, NumberState::Open, Utc::now(), None, "b")
                .await
                .unwrap(),
            Fenced::Held(None)
        ),
        "already there: nothing to change, still held"
    );
    assert_eq!(
        store.save_device_keys(&n.id, b"old keys", Utc::now(), Some("a")).await.unwrap(),
        Fenced::Lost
    );
    assert_eq!(store.load_device_keys(&n.id).await.unwrap(), None, "A's old keys never land");
    assert_eq!(
        store.save_device_keys(&n.id, b"keys", Utc::now(), Some("b")).await.unwrap(),
        Fenced::Held(())
    );
    assert_eq!(store.load_device_keys(&n.id).await.unwrap().as_deref(), Some(&b"keys"[..]));
}

async fn lease_ends_are_read_on_the_databases_clock(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "+5511900000004").await;
    assert!(store.acquire_lease(&n.id, "a", Duration::from_millis(200)).await.unwrap());
    assert_eq!(store.lease_holder(&n.id).await.unwrap().as_deref(), Some("a"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.lease_holder(&n.id).await.unwrap(), None, "ran out");
    store
        .transition_number(&t, &n.id, NumberState::Open, Utc::now(), None)
        .await
        .unwrap();
    let orphans: Vec<NumberId> = store
        .orphaned_sessions("sandbox")
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert!(orphans.contains(&n.id), "an OPEN number whose lease ran out is an orphan");
    assert!(store.acquire_lease(&n.id, "b", LEASE).await.unwrap(), "and anyone takes it");
    assert!(
        store.renew_leases("a", LEASE).await.unwrap().is_empty(),
        "A's renewal finds it gone"
    );
}

async fn a_command_taken_cannot_be_withdrawn(store: Arc<dyn Store>) {
    let t = tenant(&store).await;
    let n = add_number(&store, &t, "+5511900000005").await;
    let command = |id: &str| Command {
        id: id.into(),
        holder: "a".into(),
        number: n.id.clone(),
        action: r#"{"do":"reopen"}"#.into(),
        created_at: Utc::now(),
    };
    store.push_command(&command("c1")).await.unwrap();
    assert!(store.cancel_command("c1").await.unwrap(), "not taken yet: withdrawn");
    assert!(
        store.take_commands("a", Utc::now()).await.unwrap().is_empty(),
        "a withdrawn command never runs"
    );

    store.push_command(&command("c2")).await.unwrap();
    assert_eq!(store.take_commands("a", Utc::now()).await.unwrap().len(), 1);
    assert!(!store.cancel_command("c2").await.unwrap(), "taken: it runs, and is waited for");
    let progress = store.command_progress("c2").await.unwrap().unwrap();
    assert!(progress.taken && progress.result.is_none());
    store.finish_command("c2", "done", Utc::now()).await.unwrap();
    assert_eq!(store.command_progress("c2").await.unwrap().unwrap().result.as_deref(), Some("done"));
}

async fn the_sandbox_world_keeps_one_connection_per_device_and_one_message_per_id(store: Arc<dyn Store>) {
    let n = NumberId::generate();
    let at = Utc::now();
    assert_eq!(store.sandbox_connect(&n, "a", at).await.unwrap(), None);
    assert_eq!(
        store.sandbox_connect(&n, "a", at).await.unwrap(),
        None,
        "the same client again replaces nothing"
    );
    assert_eq!(
        store.sandbox_connect(&n, "b", at).await.unwrap().as_deref(),
        Some("a"),
        "B replaces A"
    );
    assert!(store.sandbox_connected("a").await.unwrap().is_empty());
    assert_eq!(store.sandbox_connected("b").await.unwrap(), vec![n.clone()]);
    store.sandbox_disconnect(&n, "a").await.unwrap();
    assert_eq!(store.sandbox_connected("b").await.unwrap(), vec![n.clone()], "A cannot close B's");
    store.sandbox_disconnect(&n, "b").await.unwrap();
    assert!(store.sandbox_connected("b").await.unwrap().is_empty());

    let message = SandboxMessage {
        id: "3EB0ABC".into(),
        number: n.clone(),
        to: "+5511900000009".into(),
        body: "your link".into(),
        at,
    };
    assert!(store.sandbox_deliver(&message).await.unwrap());
    assert!(!store.sandbox_deliver(&message).await.unwrap(), "one message per id");
    let sent = store.sandbox_messages(&n, 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body, "your link");
}
