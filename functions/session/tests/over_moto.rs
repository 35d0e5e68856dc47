//! Sessions over the wire (moto, through the real SDK): a sign-out wins over the requests in
//! flight that read the session before it (issue 15, item 3).

use axum::http::{HeaderMap, HeaderValue, header};
use rpps_domain::Role;
use rpps_session::{COOKIE_NAME, SessionData, create, destroy, id_hash, load, random_token};
use rpps_store::testing::fresh_store;
use time::{Duration, OffsetDateTime};

/// An applicant's session created `idle` ago (its idle expiry `idle` nearer than a fresh one's):
/// the next request slides it.
fn session_data(now: OffsetDateTime, idle: Duration) -> SessionData {
    SessionData {
        role: Role::Applicant,
        actor_id: "fc-sub-race".into(),
        provider: "franceconnect".into(),
        given_name: "Marie".into(),
        family_name: "Dupont".into(),
        civil_status: None,
        followed_request: None,
        id_token: "id-token".into(),
        csrf_token: random_token(),
        created_at: now - idle,
        absolute_expiry: now + Duration::hours(11),
    }
}

fn cookie(id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::COOKIE,
        HeaderValue::from_str(&format!("{COOKIE_NAME}={id}")).unwrap(),
    );
    headers
}

#[tokio::test]
async fn a_refresh_after_the_sign_out_does_not_bring_the_session_back() {
    let store = fresh_store().await;
    let now = OffsetDateTime::now_utc();
    let data = session_data(now, Duration::minutes(10));
    let id = create(&store, &data).await.unwrap();
    let hash = id_hash(&id);
    // A request in flight has read the session; the sign-out happens; the request then slides
    // the idle expiry. Step by step, the order a race produces.
    let (_read, _) = store
        .session::<SessionData>(&hash, now)
        .await
        .unwrap()
        .unwrap();
    destroy(&store, &cookie(&id)).await.unwrap();
    let live = store
        .refresh_session(&hash, now + Duration::minutes(30), now)
        .await
        .unwrap();
    assert!(!live, "the refresh must fail once signed out");
    assert!(
        store
            .session::<SessionData>(&hash, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(load(&store, &cookie(&id), now).await.unwrap().is_none());

    // A live session slides; an expired one (not yet removed by the TTL) is not revived.
    let other = create(&store, &session_data(now, Duration::minutes(10)))
        .await
        .unwrap();
    let (_, expiry) = store
        .session::<SessionData>(&id_hash(&other), now)
        .await
        .unwrap()
        .unwrap();
    let (loaded_id, loaded) = load(&store, &cookie(&other), now).await.unwrap().unwrap();
    assert_eq!(loaded_id, other);
    let (_, slid) = store
        .session::<SessionData>(&id_hash(&other), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (slid - expiry).whole_minutes(),
        10,
        "slid to 30 minutes from now"
    );
    let later = now + Duration::hours(1);
    assert!(
        !store
            .refresh_session(&id_hash(&other), later + Duration::minutes(30), later)
            .await
            .unwrap()
    );
    // A new session never overwrites one.
    assert!(matches!(
        store.put_session(&id_hash(&other), &loaded, later).await,
        Err(rpps_store::StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn sign_out_wins_over_concurrent_requests() {
    let store = fresh_store().await;
    // Rounds of 8 requests sliding the session at once with a sign-out among them: whatever the
    // order, the session is gone afterwards and later requests are anonymous.
    for round in 0..10 {
        let now = OffsetDateTime::now_utc();
        let id = create(&store, &session_data(now, Duration::minutes(10)))
            .await
            .unwrap();
        let headers = cookie(&id);
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (store, headers) = (store.clone(), headers.clone());
            requests.spawn(async move { load(&store, &headers, now).await.map(|s| s.is_some()) });
        }
        let (store2, headers2) = (store.clone(), headers.clone());
        requests.spawn(async move { destroy(&store2, &headers2).await.map(|()| false) });
        while let Some(done) = requests.join_next().await {
            done.unwrap().unwrap();
        }
        assert!(
            store
                .session::<SessionData>(&id_hash(&id), now)
                .await
                .unwrap()
                .is_none(),
            "round {round}: the session came back after the sign-out"
        );
        assert!(load(&store, &headers, now).await.unwrap().is_none());
    }
}
