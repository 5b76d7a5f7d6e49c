use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use sha2::{Digest, Sha256};

use super::*;

/// An authenticator as a test holds one: a P-256 key that signs like a real one.
struct Authenticator {
    key: EcdsaKeyPair,
    id: Vec<u8>,
    count: u32,
}

impl Authenticator {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        Self {
            key: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap(),
            id: b"credential-1".to_vec(),
            count: 0,
        }
    }

    fn spki(&self) -> Vec<u8> {
        p256_spki(self.key.public_key().as_ref())
    }

    fn sign(&mut self, client_data: &serde_json::Value, rp_id: &str, flags: u8) -> Assertion {
        self.count += 1;
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.count.to_be_bytes());
        let client_data_json = client_data.to_string().into_bytes();
        let mut signed = data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data_json));
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap().as_ref().to_vec();
        Assertion {
            credential_id: self.id.clone(),
            client_data_json,
            authenticator_data: data,
            signature,
            user_handle: None,
        }
    }
}

fn options() -> RequestOptions {
    RequestOptions::parse(
        &serde_json::json!({
            "challenge": URL_SAFE_NO_PAD.encode(b"a fresh challenge of thirty two."),
            "timeout": 600000, "rpId": "whatsapp.com", "allowCredentials": [],
            "userVerification": "required", "extensions": {"uvm": true}
        })
        .to_string(),
    )
    .unwrap()
}

fn client_data(challenge: &[u8], origin: &str) -> serde_json::Value {
    serde_json::json!({"type": "webauthn.get", "challenge": URL_SAFE_NO_PAD.encode(challenge), "origin": origin, "crossOrigin": false})
}

const UP_UV: u8 = FLAG_USER_PRESENT | FLAG_USER_VERIFIED;

#[test]
fn a_good_assertion_passes_and_its_signature_verifies() {
    let mut a = Authenticator::new();
    let o = options();
    let assertion = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "whatsapp.com", UP_UV);
    assert_eq!(assertion.check(&o), Ok(()));
    assert_eq!(assertion.verify_es256(&a.spki()), Ok(()));
    assert_eq!(assertion.sign_count(), 1);
}

#[test]
fn each_field_wrong_is_refused_by_name() {
    let mut a = Authenticator::new();
    let o = options();
    let other = a.sign(&client_data(&o.challenge, "https://evil.example"), "whatsapp.com", UP_UV);
    assert_eq!(other.check(&o), Err(AssertionError::WrongOrigin("https://evil.example".into())));
    let challenge = a.sign(&client_data(b"another challenge", WHATSAPP_ORIGIN), "whatsapp.com", UP_UV);
    assert_eq!(challenge.check(&o), Err(AssertionError::WrongChallenge));
    let rp = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "evil.example", UP_UV);
    assert_eq!(rp.check(&o), Err(AssertionError::WrongRelyingParty("whatsapp.com".into())));
    let absent = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "whatsapp.com", 0);
    assert_eq!(absent.check(&o), Err(AssertionError::NotUserPresent));
    let unverified = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "whatsapp.com", FLAG_USER_PRESENT);
    assert_eq!(unverified.check(&o), Err(AssertionError::NotUserVerified));
    let mut create = client_data(&o.challenge, WHATSAPP_ORIGIN);
    create["type"] = "webauthn.create".into();
    let created = a.sign(&create, "whatsapp.com", UP_UV);
    assert_eq!(created.check(&o), Err(AssertionError::WrongType("webauthn.create".into())));
    let mut framed = client_data(&o.challenge, WHATSAPP_ORIGIN);
    framed["crossOrigin"] = true.into();
    assert_eq!(a.sign(&framed, "whatsapp.com", UP_UV).check(&o), Err(AssertionError::CrossOrigin));
    let mut unsigned = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "whatsapp.com", UP_UV);
    unsigned.signature.clear();
    assert_eq!(unsigned.check(&o), Err(AssertionError::Unsigned));
}

#[test]
fn a_signature_by_another_key_or_over_other_bytes_fails() {
    let mut a = Authenticator::new();
    let b = Authenticator::new();
    let o = options();
    let mut assertion = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "whatsapp.com", UP_UV);
    assert_eq!(assertion.verify_es256(&b.spki()), Err(AssertionError::BadSignature));
    assertion.authenticator_data[36] ^= 1;
    assert_eq!(assertion.verify_es256(&a.spki()), Err(AssertionError::BadSignature));
    assert_eq!(assertion.verify_es256(b"not a key"), Err(AssertionError::BadSignature));
}

#[test]
fn the_json_form_round_trips_and_whatsapp_gets_its_shape() {
    let mut a = Authenticator::new();
    let o = options();
    let assertion = a.sign(&client_data(&o.challenge, WHATSAPP_ORIGIN), "whatsapp.com", UP_UV);
    let wa: AssertionJson = serde_json::from_slice(&assertion.to_whatsapp_json()).unwrap();
    assert_eq!(Assertion::decode(&wa).unwrap(), assertion);
    let mut bad = wa.clone();
    bad.id = URL_SAFE_NO_PAD.encode(b"someone else");
    assert!(matches!(Assertion::decode(&bad), Err(AssertionError::Malformed(_))));
    bad = wa;
    bad.response.client_data_json = "***".into();
    assert!(matches!(Assertion::decode(&bad), Err(AssertionError::Malformed(_))));
}

#[test]
fn options_are_read_without_assuming_the_relying_party() {
    let o = RequestOptions::parse(r#"{"challenge":"AAEC","rpId":"example.org","userVerification":"preferred"}"#).unwrap();
    assert_eq!(o.rp_id, "example.org");
    assert!(!o.user_verification_required);
    assert!(RequestOptions::parse(r#"{"challenge":""}"#).is_err());
    assert!(RequestOptions::parse("not json").is_err());
}

/// Vectors made by Chromium's virtual authenticator (`node end2end/make-passkey-vector.mjs`):
/// a real `navigator.credentials.get` on `https://web.whatsapp.com`, and one on
/// `https://business.whatsapp.com` (a legal origin for rpId `whatsapp.com`, but not WhatsApp
/// Web's).
fn vector(json: &str) -> (RequestOptions, Assertion, Vec<u8>) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let options = RequestOptions::parse(&v["options"].to_string()).unwrap();
    let assertion: AssertionJson = serde_json::from_value(v["assertion"].clone()).unwrap();
    let key = b64("publicKeySpki", v["publicKeySpki"].as_str().unwrap()).unwrap();
    (options, Assertion::decode(&assertion).unwrap(), key)
}

#[test]
fn a_browsers_assertion_on_whatsapp_web_passes_and_verifies() {
    let (options, assertion, key) = vector(include_str!("../../../../tests/fixtures/passkey/vector.json"));
    assert_eq!(assertion.check(&options), Ok(()));
    assert_eq!(assertion.verify_es256(&key), Ok(()));
    let mut tampered = assertion.clone();
    tampered.client_data_json.push(b' ');
    assert_eq!(tampered.verify_es256(&key), Err(AssertionError::BadSignature));
}

#[test]
fn a_browsers_assertion_on_another_whatsapp_origin_is_refused() {
    let (options, assertion, key) = vector(include_str!("../../../../tests/fixtures/passkey/vector-other-origin.json"));
    // Genuinely signed, for the right relying party: only the origin gives it away.
    assert_eq!(assertion.verify_es256(&key), Ok(()));
    assert_eq!(
        assertion.check(&options),
        Err(AssertionError::WrongOrigin("https://business.whatsapp.com".into()))
    );
}
