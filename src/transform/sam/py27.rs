//! The text AWS's translator hashes for an API's deployment id: the definition written the way Python 2.7
//! printed a dictionary (`{u'key': [1, True, None]}`), keys in the order a Python 2.7 dictionary iterated
//! them. That order follows from Python 2.7's string hash and its open-addressing table (slot order, not
//! insertion order), which this module reproduces so deployment ids match the translator's. It never decides
//! what is hashed.

use crate::source::{Node, NodeKind};

/// Python 2.7's hash of a (unicode) string, as a 64-bit C `long`.
fn string_hash(s: &str) -> i64 {
    let units: Vec<u32> = s.chars().map(|c| c as u32).collect();
    let Some(first) = units.first() else {
        return 0;
    };
    let mut x: i64 = i64::from(*first) << 7;
    for u in &units {
        x = x.wrapping_mul(1_000_003) ^ i64::from(*u);
    }
    x ^= units.len() as i64;
    if x == -1 { -2 } else { x }
}

/// A Python 2.7 dictionary's slot table, enough to know its iteration order (for keys never deleted;
/// [`iteration_order_with_deletions`] covers deletions).
struct Table {
    slots: Vec<Option<(usize, u64)>>,
    used: usize,
}

impl Table {
    fn new(size: usize) -> Table {
        Table {
            slots: vec![None; size],
            used: 0,
        }
    }

    fn place(&mut self, key: usize, hash: u64) {
        let mask = (self.slots.len() - 1) as u64;
        let mut i = hash & mask;
        let mut perturb = hash;
        while self.slots[i as usize].is_some() {
            i = (i << 2)
                .wrapping_add(i)
                .wrapping_add(perturb)
                .wrapping_add(1);
            perturb >>= 5;
            i &= mask;
        }
        self.slots[i as usize] = Some((key, hash));
        self.used += 1;
    }

    fn insert(&mut self, key: usize, hash: u64) {
        self.place(key, hash);
        if self.used * 3 >= self.slots.len() * 2 {
            let min_used = if self.used > 50_000 { 2 } else { 4 } * self.used;
            let mut size = 8;
            while size <= min_used {
                size <<= 1;
            }
            let old = std::mem::replace(self, Table::new(size));
            for (k, h) in old.slots.into_iter().flatten() {
                self.place(k, h);
            }
        }
    }
}

/// One step of a dictionary's history: a key inserted (its position and text) or deleted.
#[derive(Clone, Copy, Debug)]
pub(super) enum Op<'a> {
    Insert(usize, &'a str),
    Delete(&'a str),
}

/// A slot of a table whose keys may be deleted.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Empty,
    /// A deleted key's slot: probes go on past it, and a new key may take it.
    Dummy,
    Full(usize, u64),
}

/// The positions of the keys that remain after `ops`, in the order a Python 2.7 dict iterates them.
/// Deleting leaves a dummy slot that a later insertion may reuse, which changes the order.
pub(super) fn iteration_order_with_deletions(ops: &[Op]) -> Vec<usize> {
    let mut slots = vec![Slot::Empty; 8];
    let (mut fill, mut used) = (0usize, 0usize);
    let probe = |slots: &[Slot], hash: u64, stop_at_dummy: bool| -> usize {
        let mask = (slots.len() - 1) as u64;
        let mut i = hash & mask;
        let mut perturb = hash;
        let mut free: Option<usize> = None;
        loop {
            match slots[i as usize] {
                Slot::Empty => return free.unwrap_or(i as usize),
                Slot::Dummy if stop_at_dummy && free.is_none() => free = Some(i as usize),
                _ => {}
            }
            i = (i << 2)
                .wrapping_add(i)
                .wrapping_add(perturb)
                .wrapping_add(1);
            perturb >>= 5;
            i &= mask;
        }
    };
    for op in ops {
        match *op {
            Op::Insert(key, text) => {
                let hash = string_hash(text) as u64;
                let at = probe(&slots, hash, true);
                if slots[at] == Slot::Empty {
                    fill += 1;
                }
                slots[at] = Slot::Full(key, hash);
                used += 1;
                if fill * 3 >= slots.len() * 2 {
                    let min_used = if used > 50_000 { 2 } else { 4 } * used;
                    let mut size = 8;
                    while size <= min_used {
                        size <<= 1;
                    }
                    let old = std::mem::replace(&mut slots, vec![Slot::Empty; size]);
                    for slot in old {
                        if let Slot::Full(k, h) = slot {
                            let at = probe(&slots, h, false);
                            slots[at] = Slot::Full(k, h);
                        }
                    }
                    fill = used;
                }
            }
            Op::Delete(text) => {
                let hash = string_hash(text) as u64;
                let found = slots.iter().position(|s| {
                    matches!(s, Slot::Full(k, h) if *h == hash && ops.iter().any(|o| matches!(o, Op::Insert(i, t) if i == k && *t == text)))
                });
                if let Some(at) = found {
                    slots[at] = Slot::Dummy;
                    used -= 1;
                }
            }
        }
    }
    slots
        .into_iter()
        .filter_map(|s| match s {
            Slot::Full(k, _) => Some(k),
            _ => None,
        })
        .collect()
}

/// The positions of `keys` (given in insertion order) in the order a Python 2.7 dict iterates them.
pub(super) fn iteration_order(keys: &[&str]) -> Vec<usize> {
    let mut table = Table::new(8);
    for (i, k) in keys.iter().enumerate() {
        table.insert(i, string_hash(k) as u64);
    }
    table.slots.into_iter().flatten().map(|(k, _)| k).collect()
}

/// Appends Python 2.7's `repr` of `node`, mappings in Python 2.7 iteration order.
pub(super) fn repr(node: &Node, out: &mut String) {
    match &node.kind {
        NodeKind::Null => out.push_str("None"),
        NodeKind::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        NodeKind::Number(n) => out.push_str(n),
        NodeKind::String(s) => unicode_repr(s, out),
        NodeKind::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr(item, out);
            }
            out.push(']');
        }
        NodeKind::Map(m) => {
            let keys: Vec<&str> = m.keys().collect();
            out.push('{');
            for (n, i) in iteration_order(&keys).into_iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                unicode_repr(keys[i], out);
                out.push_str(": ");
                if let Some(v) = m.get(keys[i]) {
                    repr(v, out);
                }
            }
            out.push('}');
        }
    }
}

/// `u'text'` as Python 2.7 writes a unicode string.
pub(super) fn unicode_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push('u');
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x7f => out.push(c),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_iterate_in_python_2_order() {
        // Observed from the reference translator: inserted as swagger, zeta, info, paths, alpha.
        let keys = ["swagger", "zeta", "info", "paths", "alpha"];
        let order: Vec<&str> = iteration_order(&keys)
            .into_iter()
            .map(|i| keys[i])
            .collect();
        assert_eq!(order, ["info", "paths", "zeta", "swagger", "alpha"]);
        let keys = ["title", "version", "alpha"];
        let order: Vec<&str> = iteration_order(&keys)
            .into_iter()
            .map(|i| keys[i])
            .collect();
        assert_eq!(order, ["alpha", "version", "title"]);
    }

    #[test]
    fn without_deletions_the_order_is_the_plain_one() {
        let keys = ["swagger", "zeta", "info", "paths", "alpha"];
        let ops: Vec<Op> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| Op::Insert(i, k))
            .collect();
        assert_eq!(iteration_order_with_deletions(&ops), iteration_order(&keys));
    }

    #[test]
    fn a_deleted_key_is_gone_and_its_slot_reused() {
        let ops = [
            Op::Insert(0, "swagger"),
            Op::Insert(1, "info"),
            Op::Delete("swagger"),
            Op::Insert(2, "openapi"),
        ];
        let order = iteration_order_with_deletions(&ops);
        assert_eq!(order.len(), 2);
        assert!(order.contains(&1) && order.contains(&2));
    }

    #[test]
    fn strings_print_like_python_2() {
        let mut out = String::new();
        unicode_repr("it's", &mut out);
        assert_eq!(out, "u\"it's\"");
    }
}
