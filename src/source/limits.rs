//! Loader limits: what keeps a hostile or broken file from hanging Cairn or exhausting memory.

/// Limits applied while loading one file. Every limit fails with a clear diagnostic, never a hang.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file accepted, in bytes (default 50 MB).
    pub max_bytes: u64,
    /// Deepest nesting of sequences and mappings (default 256).
    pub max_depth: usize,
    /// Most nodes that alias expansion may create in one document (default 1,000,000): a
    /// "billion laughs" document stops here in milliseconds.
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}
