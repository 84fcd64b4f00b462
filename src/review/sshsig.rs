//! SSHSIG verification in-process (the `ssh-key` crate): no `ssh-keygen` needed to verify.
//!
//! Supported signer keys: `ssh-ed25519`, `ecdsa-sha2-nistp256` and their FIDO forms
//! `sk-ssh-ed25519@openssh.com` / `sk-ecdsa-sha2-nistp256@openssh.com`. RSA, DSA, larger
//! ECDSA curves and certificates never verify here (a review signed with one is reported as
//! unverified, naming the key type), which keeps the verifier small and free of the RSA
//! crate's open timing advisory.

use ssh_key::{PublicKey, SshSig};

use super::NAMESPACE;

/// A verified signature: who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The signer's public key as `type base64` (no comment): the form keys are compared in.
    pub key: String,
    /// `SHA256:…` fingerprint, for messages.
    pub fingerprint: String,
}

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not an armored SSHSIG at all.
    Malformed(String),
    /// A valid SSHSIG made for another namespace (`git`, `file`, …).
    Namespace(String),
    /// The key type is not supported for verification.
    KeyType(String),
    /// The signature does not verify over the statement bytes.
    BadSignature(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Malformed(m) => write!(f, "not an SSH signature: {}", m.escape_debug()),
            // Debug formatting escapes whatever the signature carries (it is untrusted).
            Failure::Namespace(n) => write!(
                f,
                "signed in the namespace `{}`, not `{NAMESPACE}` (a git or file signature is not a review)",
                n.escape_debug()
            ),
            Failure::KeyType(t) => write!(
                f,
                "signed with a {} key; reviews verify with ssh-ed25519 or ecdsa-sha2-nistp256 keys (FIDO forms included)",
                t.escape_debug()
            ),
            Failure::BadSignature(fp) => write!(
                f,
                "the signature by {fp} does not verify over these statement bytes (tampered statement or signature)"
            ),
        }
    }
}

/// The canonical form of a public key: `type base64`, comment dropped.
pub fn canonical_key(key: &PublicKey) -> String {
    let mut k = key.clone();
    k.set_comment("");
    k.to_openssh()
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Parses one OpenSSH public key line (`type base64 [comment]`) into its canonical form.
pub fn parse_public_key(text: &str) -> Result<String, String> {
    let key = PublicKey::from_openssh(text.trim()).map_err(|e| e.to_string())?;
    Ok(canonical_key(&key))
}

fn supported(key: &PublicKey) -> bool {
    use ssh_key::Algorithm::*;
    match key.algorithm() {
        Ed25519 | SkEd25519 | SkEcdsaSha2NistP256 => true,
        Ecdsa { curve } => curve == ssh_key::EcdsaCurve::NistP256,
        _ => false,
    }
}

/// Verifies an armored SSHSIG over `message` in the review namespace.
pub fn verify(armored: &str, message: &[u8]) -> Result<Signer, Failure> {
    if armored.len() > 32 * 1024 {
        return Err(Failure::Malformed("longer than 32 KiB".into()));
    }
    let sig = SshSig::from_pem(armored.trim()).map_err(|e| Failure::Malformed(e.to_string()))?;
    let key = PublicKey::from(sig.public_key().clone());
    let fingerprint = key.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    if sig.namespace() != NAMESPACE {
        return Err(Failure::Namespace(sig.namespace().to_string()));
    }
    if !supported(&key) {
        return Err(Failure::KeyType(key.algorithm().as_str().to_string()));
    }
    key.verify(NAMESPACE, message, &sig)
        .map_err(|_| Failure::BadSignature(fingerprint.clone()))?;
    Ok(Signer {
        key: canonical_key(&key),
        fingerprint,
    })
}

/// The `SHA256:…` fingerprint of a canonical key, for messages (the key itself when it does
/// not parse).
pub fn fingerprint(canonical: &str) -> String {
    PublicKey::from_openssh(canonical)
        .map(|k| k.fingerprint(ssh_key::HashAlg::Sha256).to_string())
        .unwrap_or_else(|_| canonical.to_string())
}

/// True for the key types whose public keys must decode here (the supported signer types):
/// a line of such a type with undecodable key data is an error, not "unsupported".
pub fn decodes(key_type: &str) -> bool {
    matches!(
        key_type,
        "ssh-ed25519"
            | "ecdsa-sha2-nistp256"
            | "sk-ssh-ed25519@openssh.com"
            | "sk-ecdsa-sha2-nistp256@openssh.com"
    )
}
