//! `SmallMap`: an insertion-ordered string-keyed map that stays a plain vector while small. Template
//! mappings are overwhelmingly tiny (a `Ref`, a `Key`/`Value` pair, a few properties), and a hash table per
//! mapping dominated the memory and time of loading large templates; large mappings (a `Resources` section
//! with thousands of entries) switch to an `IndexMap` so look-ups stay O(1).

use indexmap::IndexMap;

/// Entries beyond which a map is indexed by hash.
const SMALL: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub struct SmallMap<V> {
    repr: Repr<V>,
}

#[derive(Clone, Debug, PartialEq)]
enum Repr<V> {
    Small(Vec<(String, V)>),
    Large(Box<IndexMap<String, V>>),
}

impl<V> Default for SmallMap<V> {
    fn default() -> Self {
        SmallMap {
            repr: Repr::Small(Vec::new()),
        }
    }
}

impl<V> SmallMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        SmallMap {
            repr: if n > SMALL {
                Repr::Large(Box::new(IndexMap::with_capacity(n)))
            } else {
                Repr::Small(Vec::with_capacity(n))
            },
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(v) => v.len(),
            Repr::Large(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        match &self.repr {
            Repr::Small(v) => v.iter().find(|(k, _)| k == key).map(|(_, x)| x),
            Repr::Large(m) => m.get(key),
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        match &mut self.repr {
            Repr::Small(v) => v.iter_mut().find(|(k, _)| k == key).map(|(_, x)| x),
            Repr::Large(m) => m.get_mut(key),
        }
    }

    pub fn get_key_value(&self, key: &str) -> Option<(&String, &V)> {
        match &self.repr {
            Repr::Small(v) => v.iter().find(|(k, _)| k == key).map(|(k, x)| (k, x)),
            Repr::Large(m) => m.get_key_value(key),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Inserts or replaces; returns the replaced value. A new key goes last.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match &mut self.repr {
            Repr::Small(v) => {
                if let Some(slot) = v.iter_mut().find(|(k, _)| *k == key) {
                    return Some(std::mem::replace(&mut slot.1, value));
                }
                if v.len() < SMALL {
                    v.push((key, value));
                    return None;
                }
                let mut m: IndexMap<String, V> = std::mem::take(v).into_iter().collect();
                m.insert(key, value);
                self.repr = Repr::Large(Box::new(m));
                None
            }
            Repr::Large(m) => m.insert(key, value),
        }
    }

    /// Releases spare capacity (a vector grows to four entries on its first insert; most mappings have one).
    pub fn shrink_to_fit(&mut self) {
        match &mut self.repr {
            Repr::Small(v) => v.shrink_to_fit(),
            Repr::Large(m) => m.shrink_to_fit(),
        }
    }

    /// The first entry in insertion order.
    pub fn first(&self) -> Option<(&String, &V)> {
        match &self.repr {
            Repr::Small(v) => v.first().map(|(k, x)| (k, x)),
            Repr::Large(m) => m.first(),
        }
    }

    pub fn iter(&self) -> Iter<'_, V> {
        match &self.repr {
            Repr::Small(v) => Iter::Small(v.iter()),
            Repr::Large(m) => Iter::Large(m.iter()),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

pub enum Iter<'a, V> {
    Small(std::slice::Iter<'a, (String, V)>),
    Large(indexmap::map::Iter<'a, String, V>),
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a String, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(i) => i.next().map(|(k, v)| (k, v)),
            Iter::Large(i) => i.next(),
        }
    }
}

pub enum IntoIter<V> {
    Small(std::vec::IntoIter<(String, V)>),
    Large(indexmap::map::IntoIter<String, V>),
}

impl<V> Iterator for IntoIter<V> {
    type Item = (String, V);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            IntoIter::Small(i) => i.next(),
            IntoIter::Large(i) => i.next(),
        }
    }
}

impl<V> IntoIterator for SmallMap<V> {
    type Item = (String, V);
    type IntoIter = IntoIter<V>;
    fn into_iter(self) -> Self::IntoIter {
        match self.repr {
            Repr::Small(v) => IntoIter::Small(v.into_iter()),
            Repr::Large(m) => IntoIter::Large((*m).into_iter()),
        }
    }
}

impl<'a, V> IntoIterator for &'a SmallMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Iter<'a, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<V> FromIterator<(String, V)> for SmallMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut m = SmallMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_switches_to_an_index_when_large() {
        let mut m = SmallMap::new();
        for i in 0..40 {
            assert_eq!(m.insert(format!("k{i}"), i), None);
        }
        assert_eq!(m.insert("k3".into(), 99), Some(3));
        assert_eq!(m.get("k3"), Some(&99));
        assert_eq!(m.len(), 40);
        let keys: Vec<&String> = m.keys().take(3).collect();
        assert_eq!(keys, ["k0", "k1", "k2"]);
        assert!(matches!(m.repr, Repr::Large(_)));
    }
}
