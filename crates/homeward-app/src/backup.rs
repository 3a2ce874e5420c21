//! Encrypted backups: the store's logical copy, compressed, sealed in 64 KiB chunks with
//! XChaCha20-Poly1305 (the STREAM construction: a chunk cannot be dropped, reordered or cut off
//! without the restore noticing) under a key derived with Argon2id from the configured backup
//! passphrase. A file holds: `HOMEWARD-BACKUP 1\n`, a 16-byte salt, a 19-byte nonce prefix,
//! then chunks, each a flag byte (0 more, 1 last), a 4-byte big-endian length and the sealed
//! bytes.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use argon2::Argon2;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, OsRng, rand_core::RngCore};
use chacha20poly1305::{Key, XChaCha20Poly1305};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use homeward_store::backup::Copied;

use crate::{App, AppError};

const MAGIC: &[u8] = b"HOMEWARD-BACKUP 1\n";
const CHUNK: usize = 64 * 1024;
/// The shortest backup passphrase accepted.
pub const MIN_KEY_CHARS: usize = 16;

fn bad(m: impl Into<String>) -> AppError {
    AppError::Invalid(homeward_domain::Invalid::one("backup", "HW-BACKUP-0001", m))
}

fn derive(passphrase: &str, salt: &[u8]) -> Result<XChaCha20Poly1305, AppError> {
    if passphrase.chars().count() < MIN_KEY_CHARS {
        return Err(AppError::Invalid(homeward_domain::Invalid::one(
            "backup_key",
            "HW-BACKUP-0002",
            format!(
                "the backup key is a passphrase of at least {MIN_KEY_CHARS} characters (HOMEWARD_BACKUP_KEY)"
            ),
        )));
    }
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| AppError::Internal(format!("key derivation: {e}")))?;
    Ok(XChaCha20Poly1305::new(Key::from_slice(&key)))
}

/// Compresses and seals what is written to it, chunk by chunk, into a file.
struct Sealer<W: Write> {
    out: W,
    enc: Option<EncryptorBE32<XChaCha20Poly1305>>,
    buf: Vec<u8>,
}

impl<W: Write> Sealer<W> {
    fn seal(&mut self, last: bool) -> std::io::Result<()> {
        let err = |_| std::io::Error::other("encryption failed");
        let plain = std::mem::take(&mut self.buf);
        let sealed = if last {
            let enc = self
                .enc
                .take()
                .ok_or_else(|| std::io::Error::other("sealed twice"))?;
            enc.encrypt_last(plain.as_slice()).map_err(err)?
        } else {
            let enc = self
                .enc
                .as_mut()
                .ok_or_else(|| std::io::Error::other("sealed"))?;
            enc.encrypt_next(plain.as_slice()).map_err(err)?
        };
        self.out.write_all(&[u8::from(last)])?;
        let len = u32::try_from(sealed.len()).map_err(|_| std::io::Error::other("chunk"))?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&sealed)
    }
}

impl<W: Write> Write for Sealer<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        while self.buf.len() >= CHUNK {
            let rest = self.buf.split_off(CHUNK);
            self.seal(false)?;
            self.buf = rest;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Opens sealed chunks and hands out their plain bytes.
struct Opener<R: Read> {
    input: R,
    dec: Option<DecryptorBE32<XChaCha20Poly1305>>,
    plain: Vec<u8>,
    pos: usize,
}

impl<R: Read> Read for Opener<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.plain.len() {
            let Some(dec) = self.dec.as_mut() else {
                return Ok(0);
            };
            let mut head = [0u8; 5];
            self.input
                .read_exact(&mut head)
                .map_err(|_| std::io::Error::other("the backup ends early: it was cut off"))?;
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
            if len > CHUNK + 1024 {
                return Err(std::io::Error::other(
                    "the backup is damaged (a chunk is too long)",
                ));
            }
            let mut sealed = vec![0u8; len];
            self.input.read_exact(&mut sealed)?;
            let wrong = |_| {
                std::io::Error::other(
                    "the backup cannot be opened: wrong key, or the file was altered",
                )
            };
            self.plain = if head[0] == 1 {
                let dec = self
                    .dec
                    .take()
                    .ok_or_else(|| std::io::Error::other("opened"))?;
                dec.decrypt_last(sealed.as_slice()).map_err(wrong)?
            } else {
                dec.decrypt_next(sealed.as_slice()).map_err(wrong)?
            };
            self.pos = 0;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl App {
    /// Writes an encrypted copy of the whole database to `path` while the server may keep
    /// running (the copy is one consistent snapshot). Returns the rows per table.
    pub async fn backup(&self, path: &Path, passphrase: &str) -> Result<Copied, AppError> {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let mut prefix = [0u8; 19];
        OsRng.fill_bytes(&mut prefix);
        let cipher = derive(passphrase, &salt)?;
        let tmp = path.with_extension("partial");
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&tmp)
                .map_err(|e| bad(format!("cannot create {}: {e}", tmp.display())))?,
        );
        let io = |e: std::io::Error| bad(format!("cannot write the backup: {e}"));
        file.write_all(MAGIC).map_err(io)?;
        file.write_all(&salt).map_err(io)?;
        file.write_all(&prefix).map_err(io)?;
        let sealer = Sealer {
            out: file,
            enc: Some(EncryptorBE32::from_aead(cipher, prefix.as_slice().into())),
            buf: Vec::new(),
        };
        let mut gz = GzEncoder::new(sealer, Compression::fast());
        let at = homeward_store::audit::moment(self.now());
        let copied = self
            .store()
            .dump(&at, &mut |line: &str| {
                gz.write_all(line.as_bytes())?;
                gz.write_all(b"\n")
            })
            .await?;
        let mut sealer = gz.finish().map_err(io)?;
        sealer.seal(true).map_err(io)?;
        let file = sealer.out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        Ok(copied)
    }

    /// Restores an encrypted copy into this (empty, migrated) database, all or nothing.
    pub async fn restore(&self, path: &Path, passphrase: &str) -> Result<Copied, AppError> {
        let mut file = BufReader::new(
            std::fs::File::open(path)
                .map_err(|e| bad(format!("cannot open {}: {e}", path.display())))?,
        );
        let mut magic = vec![0u8; MAGIC.len()];
        let mut salt = [0u8; 16];
        let mut prefix = [0u8; 19];
        if file.read_exact(&mut magic).is_err() || magic != MAGIC {
            return Err(bad(format!("{} is not a homeward backup", path.display())));
        }
        file.read_exact(&mut salt)
            .and_then(|()| file.read_exact(&mut prefix))
            .map_err(|_| bad("the backup ends early: it was cut off"))?;
        let cipher = derive(passphrase, &salt)?;
        let opener = Opener {
            input: file,
            dec: Some(DecryptorBE32::from_aead(cipher, prefix.as_slice().into())),
            plain: Vec::new(),
            pos: 0,
        };
        let mut lines = BufReader::new(GzDecoder::new(opener)).lines();
        Ok(self.store().restore(&mut lines).await?)
    }
}
