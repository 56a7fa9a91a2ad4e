//! Reading one member of a zip archive (a module package named in `Packages:`): the central directory is read
//! to find the member, which is either stored or deflated. Nothing else of the format is supported
//! (no encryption, no zip64, no other compression), and nothing is ever written.

/// The largest member this reads, uncompressed.
const MAX_MEMBER: usize = 16 * 1024 * 1024;

/// The bytes of member `name` of the archive `data`; an error says why it could not be read.
pub(super) fn member(data: &[u8], name: &str) -> Result<Vec<u8>, String> {
    let end = find_end(data).ok_or("not a zip archive (no end of central directory)")?;
    let count = u16_at(data, end + 10)? as usize;
    let mut at = u32_at(data, end + 16)? as usize;
    for _ in 0..count {
        if u32_at(data, at)? != 0x0201_4b50 {
            return Err("a damaged central directory".into());
        }
        let method = u16_at(data, at + 10)?;
        let size = u32_at(data, at + 20)? as usize;
        let (name_len, extra_len, comment_len) = (
            u16_at(data, at + 28)? as usize,
            u16_at(data, at + 30)? as usize,
            u16_at(data, at + 32)? as usize,
        );
        let local = u32_at(data, at + 42)? as usize;
        let entry_name = data
            .get(at + 46..at + 46 + name_len)
            .ok_or("a truncated entry")?;
        if entry_name == name.as_bytes() {
            return read_local(data, local, method, size);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Err(format!("the archive has no `{name}`"))
}

fn read_local(data: &[u8], at: usize, method: u16, size: usize) -> Result<Vec<u8>, String> {
    if u32_at(data, at)? != 0x0403_4b50 {
        return Err("a damaged local header".into());
    }
    let start = at + 30 + u16_at(data, at + 26)? as usize + u16_at(data, at + 28)? as usize;
    let raw = data.get(start..start + size).ok_or("a truncated member")?;
    match method {
        0 => Ok(raw.to_vec()),
        8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, MAX_MEMBER)
            .map_err(|_| "a damaged or oversized deflated member".into()),
        m => Err(format!(
            "compression method {m} is not supported (only stored and deflated)"
        )),
    }
}

/// The offset of the end-of-central-directory record, searched backwards past a comment of up to 64 KiB.
fn find_end(data: &[u8]) -> Option<usize> {
    let last = data.len().checked_sub(22)?;
    let first = last.saturating_sub(65_535);
    (first..=last)
        .rev()
        .find(|&i| data[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
}

fn u16_at(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| "a truncated archive".to_owned())
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "a truncated archive".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored archive of one member `a.txt` holding `hi`, built by hand.
    fn stored() -> Vec<u8> {
        let mut z = Vec::new();
        let name = b"a.txt";
        z.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&[0; 4]); // crc, unchecked
        z.extend_from_slice(&2u32.to_le_bytes());
        z.extend_from_slice(&2u32.to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name);
        z.extend_from_slice(b"hi");
        let central = z.len();
        z.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&[0; 4]);
        z.extend_from_slice(&2u32.to_le_bytes());
        z.extend_from_slice(&2u32.to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0; 12]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(name);
        let size = z.len() - central;
        z.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]);
        z.extend_from_slice(&(size as u32).to_le_bytes());
        z.extend_from_slice(&(central as u32).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z
    }

    #[test]
    fn stored_members_are_read_and_missing_ones_named() {
        let z = stored();
        assert_eq!(member(&z, "a.txt").unwrap(), b"hi");
        assert_eq!(
            member(&z, "b.txt").unwrap_err(),
            "the archive has no `b.txt`"
        );
    }

    #[test]
    fn garbage_is_not_an_archive() {
        assert!(member(b"not a zip at all, not at all", "a").is_err());
        assert!(member(&stored()[..40], "a.txt").is_err());
    }
}
