//! Field encryption: the key ring that seals the most sensitive columns (see
//! `homeward_store::sealing` for which ones), and the rotation that reseals them under the
//! newest key.
//!
//! A sealed value describes itself: `hw1:<key version>:<nonce>:<ciphertext>`, nonce and
//! ciphertext in unpadded URL-safe base64, XChaCha20-Poly1305 with a random 24-byte nonce and the
//! value's context (table, column and owning record) as associated data. Keys come from
//! configuration as a ring of numbered versions, `1:<base64 key>,2:<base64 key>`; the newest
//! version seals, every version in the ring opens. Retiring a version (after `homeward keys
//! rotate`) makes what it sealed in old audit snapshots unreadable, which is intended.
//!
//! The ring also gives keyed digests ([`KeyRing::mac`]) for texts that must stay out of the
//! audit trail but whose integrity the trail should still prove (protection incident accounts):
//! HMAC-SHA256 under a key derived from the newest field key with a fixed label, so whoever
//! holds the audit trail without the key ring cannot confirm a guessed account.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use homeward_store::sealing::{FieldCipher, SEALED_COLUMNS, SEALED_PREFIX};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;

use crate::{Actor, App, AppError};

/// Numbered field keys; the newest seals, all open.
#[derive(Clone)]
pub struct KeyRing {
    keys: BTreeMap<u32, [u8; 32]>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing(versions {:?})", self.versions())
    }
}

impl KeyRing {
    /// Reads a ring written as `VERSION:BASE64KEY` entries separated by commas, spaces or lines
    /// (`#` starts a comment line). Each key is 32 bytes. The message names what is wrong and
    /// never repeats a key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys = BTreeMap::new();
        let entries = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split([',', ' ', '\t']))
            .map(str::trim)
            .filter(|e| !e.is_empty());
        for (i, entry) in entries.enumerate() {
            let n = i + 1;
            let Some((v, k)) = entry.split_once(':') else {
                return Err(format!(
                    "field key entry {n} is not VERSION:KEY (e.g. 1:<44 base64 characters>)"
                ));
            };
            let version: u32 = match v.parse() {
                Ok(v) if v > 0 => v,
                _ => {
                    return Err(format!(
                        "field key entry {n}: the version must be a whole number from 1 up"
                    ));
                }
            };
            let bytes = STANDARD
                .decode(k)
                .or_else(|_| URL_SAFE.decode(k))
                .or_else(|_| URL_SAFE_NO_PAD.decode(k))
                .map_err(|_| format!("field key version {version} is not base64"))?;
            let key: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
                format!(
                    "field key version {version} is {} bytes long; it must be 32 \
                     (generate one with `homeward keys generate`)",
                    b.len()
                )
            })?;
            if keys.insert(version, key).is_some() {
                return Err(format!("field key version {version} is given twice"));
            }
        }
        if keys.is_empty() {
            return Err("the field key ring is empty".into());
        }
        Ok(Self { keys })
    }

    /// A ring of one new random key, version 1.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self {
            keys: BTreeMap::from([(1, key)]),
        }
    }

    /// This ring with a new random key as the next version (what `homeward keys generate
    /// --next` writes before a rotation).
    pub fn with_new_version(&self) -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let mut keys = self.keys.clone();
        keys.insert(self.newest() + 1, key);
        Self { keys }
    }

    /// The ring written back in the form [`KeyRing::parse`] reads, one version a line.
    pub fn to_text(&self) -> String {
        self.keys
            .iter()
            .map(|(v, k)| format!("{v}:{}\n", STANDARD.encode(k)))
            .collect()
    }

    /// The configured versions, oldest first.
    pub fn versions(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// The newest version: the one that seals.
    pub fn newest(&self) -> u32 {
        *self.keys.keys().next_back().expect("a ring is never empty")
    }

    /// Seals `plain` bound to `context` under the newest key.
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let v = self.newest();
        let cipher = XChaCha20Poly1305::new((&self.keys[&v]).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("encryption of an in-memory buffer does not fail");
        format!(
            "{SEALED_PREFIX}{v}:{}:{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ct)
        )
    }

    /// Opens a sealed value bound to `context`.
    pub fn unseal(&self, sealed: &str, context: &str) -> Result<String, String> {
        let malformed = || "the stored value is not a well-formed sealed value".to_owned();
        let rest = sealed.strip_prefix(SEALED_PREFIX).ok_or_else(malformed)?;
        let mut parts = rest.split(':');
        let (Some(v), Some(nonce), Some(ct), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let v: u32 = v.parse().map_err(|_| malformed())?;
        let Some(key) = self.keys.get(&v) else {
            return Err(format!(
                "it was sealed with field key version {v}, which is not in the configured key \
                 ring (versions {:?}): add that version back to HOMEWARD_FIELD_KEY",
                self.versions()
            ));
        };
        let nonce = URL_SAFE_NO_PAD.decode(nonce).map_err(|_| malformed())?;
        let ct = URL_SAFE_NO_PAD.decode(ct).map_err(|_| malformed())?;
        if nonce.len() != 24 {
            return Err(malformed());
        }
        let plain = XChaCha20Poly1305::new(key.into())
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| {
                format!(
                    "field key version {v} does not open it: the configured key is not the one \
                     it was sealed with (check HOMEWARD_FIELD_KEY), or the value was altered or \
                     moved to another record"
                )
            })?;
        String::from_utf8(plain).map_err(|_| malformed())
    }
}

/// The label the audit digest key is derived with: a field key is never used directly as a MAC
/// key, and a digest under one label never stands for another.
const AUDIT_MAC_LABEL: &[u8] = b"homeward/audit-digest/hmac-sha256/v1";

/// The prefix of a keyed digest: `hmac-sha256:k<key version>:<hex>`.
const MAC_PREFIX: &str = "hmac-sha256:k";

impl KeyRing {
    /// HMAC-SHA256 of `text` under version `v`'s digest key, or `None` without that version.
    fn mac_under(&self, v: u32, context: &str, text: &str) -> Option<String> {
        let key = self.keys.get(&v)?;
        let mut derive =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
        derive.update(AUDIT_MAC_LABEL);
        let digest_key = derive.finalize().into_bytes();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&digest_key)
            .expect("HMAC takes a key of any length");
        // The context is length-prefixed so that (context, text) pairs never collide.
        mac.update(&(context.len() as u64).to_be_bytes());
        mac.update(context.as_bytes());
        mac.update(text.as_bytes());
        Some(format!(
            "{MAC_PREFIX}{v}:{}",
            hex::encode(mac.finalize().into_bytes())
        ))
    }

    /// A keyed digest of `text` bound to `context` (e.g. `protection_incidents.report_narrative`),
    /// under the newest key: `hmac-sha256:k<version>:<64 hex digits>`. It proves a text
    /// unaltered to whoever holds the key ring, and tells nothing to whoever does not.
    pub fn mac(&self, context: &str, text: &str) -> String {
        self.mac_under(self.newest(), context, text)
            .expect("the newest version is in the ring")
    }

    /// Whether `stored` (from [`KeyRing::mac`]) is the digest of `text` bound to `context`.
    /// `None` when the digest's key version is no longer in the ring (or it is not a keyed
    /// digest), so a retired key is not mistaken for an altered text.
    pub fn mac_matches(&self, stored: &str, context: &str, text: &str) -> Option<bool> {
        let v: u32 = stored
            .strip_prefix(MAC_PREFIX)?
            .split(':')
            .next()?
            .parse()
            .ok()?;
        let expected = self.mac_under(v, context, text)?;
        // Both are public-length hex strings; compare without an early exit anyway.
        let same = expected.len() == stored.len()
            && expected
                .bytes()
                .zip(stored.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        Some(same)
    }
}

impl FieldCipher for KeyRing {
    fn seal(&self, plain: &str, context: &str) -> Result<String, String> {
        Ok(KeyRing::seal(self, plain, context))
    }

    fn unseal(&self, sealed: &str, context: &str) -> Result<String, String> {
        KeyRing::unseal(self, sealed, context)
    }

    fn newest_version(&self) -> u32 {
        self.newest()
    }
}

/// The ring an [`App`] uses when none was configured: one random key for the life of this
/// process, never written anywhere. The binary always configures a ring; this keeps tests and
/// embedded uses from writing plain text.
pub(crate) fn ephemeral() -> Arc<KeyRing> {
    static RING: OnceLock<Arc<KeyRing>> = OnceLock::new();
    RING.get_or_init(|| Arc::new(KeyRing::generate())).clone()
}

/// What a rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rotation {
    /// The version everything is now sealed under.
    pub key_version: u32,
    /// Rows read, over every sealed column.
    pub examined: usize,
    /// Values sealed again (older version, or plain text from before sealing).
    pub resealed: usize,
    /// Transactions committed.
    pub batches: usize,
}

impl App {
    /// Reseals every sealed column under the newest key version, `batch` rows per transaction,
    /// each batch with its audit event. Values already under the newest version are skipped, so
    /// an interrupted rotation is finished by running it again.
    pub async fn rotate_field_keys(&self, actor: &Actor, batch: i64) -> Result<Rotation, AppError> {
        let batch = batch.max(1);
        let mut out = Rotation::default();
        for col in SEALED_COLUMNS {
            let mut after = 0;
            loop {
                let mut tx = self.store().begin().await?;
                let done = tx.reseal_batch(col, after, batch).await?;
                let Some(last) = done.last_key else {
                    tx.rollback().await?;
                    break;
                };
                if done.resealed > 0 {
                    tx.audit(homeward_store::audit::NewEvent {
                        actor: &actor.name,
                        at: self.now(),
                        action: "keys.rotate",
                        entity_type: "sealed_column",
                        entity_id: format!("{}.{}", col.table, col.column),
                        before: None,
                        after: Some(json!({
                            "rows_after": after,
                            "rows_through": last,
                            "resealed": done.resealed,
                            "key_version": self.keys.newest(),
                        })),
                    })
                    .await?;
                    tx.commit().await?;
                    out.batches += 1;
                } else {
                    tx.rollback().await?;
                }
                out.examined += done.examined;
                out.resealed += done.resealed;
                after = last;
            }
        }
        out.key_version = self.keys.newest();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let ring = KeyRing::generate();
        let s = ring.seal("DNA-LAB-2017-0042", "claim_evidence.reference:7");
        assert!(s.starts_with("hw1:1:"), "{s}");
        assert!(!s.contains("DNA-LAB"));
        assert_eq!(
            ring.unseal(&s, "claim_evidence.reference:7").unwrap(),
            "DNA-LAB-2017-0042"
        );
        let moved = ring.unseal(&s, "claim_evidence.reference:8").unwrap_err();
        assert!(moved.contains("does not open"), "{moved}");
        let other = KeyRing::generate();
        let e = other.unseal(&s, "claim_evidence.reference:7").unwrap_err();
        assert!(e.contains("version 1 does not open"), "{e}");
        assert!(e.contains("HOMEWARD_FIELD_KEY"), "{e}");
    }

    #[test]
    fn keyed_digests_need_the_key_and_name_their_version() {
        use sha2::Digest;
        let ring = KeyRing::generate();
        let c = "protection_incidents.report_narrative";
        let text = "a guard threatened her";
        let m = ring.mac(c, text);
        assert!(m.starts_with("hmac-sha256:k1:"), "{m}");
        assert_eq!(m.len(), "hmac-sha256:k1:".len() + 64);
        assert_eq!(m, ring.mac(c, text), "deterministic under one key");
        let plain = hex::encode(Sha256::digest(text.as_bytes()));
        assert!(!m.contains(&plain), "not the plain SHA-256");
        assert_ne!(
            m,
            KeyRing::generate().mac(c, text),
            "another key, another digest"
        );
        assert_ne!(m, ring.mac("protection_incident_actions.action_note", text));
        assert_eq!(ring.mac_matches(&m, c, text), Some(true));
        assert_eq!(
            ring.mac_matches(&m, c, "a guard threatened him"),
            Some(false)
        );
        // After a new version: new digests use it, old ones still check.
        let grown = ring.with_new_version();
        assert!(grown.mac(c, text).starts_with("hmac-sha256:k2:"));
        assert_eq!(grown.mac_matches(&m, c, text), Some(true));
        let only_v2 = KeyRing::parse(grown.to_text().lines().nth(1).unwrap()).unwrap();
        assert_eq!(only_v2.mac_matches(&m, c, text), None);
        assert_eq!(ring.mac_matches(&plain, c, text), None);
    }

    #[test]
    fn rings_parse_write_back_and_grow() {
        let ring = KeyRing::generate().with_new_version();
        assert_eq!(ring.versions(), [1, 2]);
        let again = KeyRing::parse(&format!("# keys\n{}", ring.to_text())).unwrap();
        assert_eq!(again.versions(), [1, 2]);
        let old = ring.seal("x", "c");
        assert!(old.starts_with("hw1:2:"));
        assert_eq!(again.unseal(&old, "c").unwrap(), "x");
        let only_one = KeyRing::parse(ring.to_text().lines().next().unwrap()).unwrap();
        let e = only_one.unseal(&old, "c").unwrap_err();
        assert!(e.contains("version 2, which is not in"), "{e}");
        for (text, says) in [
            ("", "empty"),
            ("abc", "VERSION:KEY"),
            ("0:AAAA", "from 1 up"),
            ("1:AAAA", "32"),
            ("1:@@@", "base64"),
        ] {
            let e = KeyRing::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
