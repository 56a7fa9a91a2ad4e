//! `ResourceType`: everything the spec says about one CloudFormation resource type, decoded from its compact
//! document on first use (see `data/spec/README.md` for the keys).

use super::property::{Attribute, Object, Property};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How a replacement proceeds (registry `replacementStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplacementStrategy {
    /// The new resource is created, then the old one deleted (the default).
    #[default]
    CreateThenDelete,
    /// The old resource is deleted first (e.g. the physical name cannot exist twice).
    DeleteThenCreate,
}

/// Tag support (registry `tagging`; when absent, a type is taggable when it has a `Tags` property).
#[derive(Debug, Clone, Deserialize)]
pub struct Tagging {
    #[serde(rename = "t")]
    pub taggable: bool,
    /// Tags can change without replacement.
    #[serde(rename = "u")]
    pub updatable: bool,
    /// The property holding the tags, as a dotted path (usually `Tags`).
    #[serde(rename = "p")]
    pub property: String,
}

/// One resource type, e.g. `AWS::SQS::Queue`. Property paths (`create_only_properties`, ...) are dotted
/// (`A.B`), array steps elided.
#[derive(Debug, Deserialize)]
pub struct ResourceType {
    #[serde(skip)]
    name: &'static str,
    #[serde(rename = "p")]
    root: Object,
    #[serde(rename = "d", default)]
    definitions: BTreeMap<String, Object>,
    #[serde(rename = "co", default)]
    create_only: Vec<String>,
    #[serde(rename = "cco", default)]
    conditional_create_only: Vec<String>,
    #[serde(rename = "ro", default)]
    read_only: Vec<String>,
    #[serde(rename = "wo", default)]
    write_only: Vec<String>,
    #[serde(rename = "pi", default)]
    primary_identifier: Vec<String>,
    #[serde(rename = "a", default)]
    attributes: BTreeMap<String, Attribute>,
    #[serde(rename = "np", default)]
    name_property: Option<String>,
    #[serde(rename = "rs", default)]
    replacement: Option<String>,
    #[serde(rename = "tg")]
    tagging: Tagging,
    /// Handler name → `timeoutInMinutes` (0 when not given).
    #[serde(rename = "h", default)]
    handlers: BTreeMap<String, u32>,
}

impl ResourceType {
    /// Decodes one type's document; `None` if it is malformed (the embedded data is tested, so: a bug).
    pub(crate) fn decode(name: &'static str, json: &[u8]) -> Option<ResourceType> {
        let mut ty: ResourceType = serde_json::from_slice(json).ok()?;
        ty.name = name;
        ty.root.mark_required();
        for def in ty.definitions.values_mut() {
            def.mark_required();
        }
        let lists = [
            (std::mem::take(&mut ty.create_only), 0),
            (std::mem::take(&mut ty.conditional_create_only), 1),
            (std::mem::take(&mut ty.write_only), 2),
            (std::mem::take(&mut ty.read_only), 3),
        ];
        for (paths, flag) in &lists {
            for path in paths {
                if let Some(p) = ty.inline_property_mut(path) {
                    match flag {
                        0 => p.create_only = true,
                        1 => p.conditional_create_only = true,
                        2 => p.write_only = true,
                        _ => p.read_only = true,
                    }
                }
            }
        }
        let [co, cco, wo, ro] = lists.map(|(paths, _)| paths);
        (
            ty.create_only,
            ty.conditional_create_only,
            ty.write_only,
            ty.read_only,
        ) = (co, cco, wo, ro);
        Some(ty)
    }

    /// The property at a dotted path, walking inline objects only (shared definitions are left unmarked).
    fn inline_property_mut(&mut self, path: &str) -> Option<&mut Property> {
        let mut steps = path.split('.');
        let mut prop = self.root.properties.get_mut(steps.next()?)?;
        for step in steps {
            prop = prop.inline_object_mut()?.properties.get_mut(step)?;
        }
        Some(prop)
    }

    /// The type name, e.g. `AWS::S3::Bucket`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The top-level `Properties`, by name.
    pub fn properties(&self) -> &BTreeMap<String, Property> {
        &self.root.properties
    }

    /// One top-level property.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.root.properties.get(name)
    }

    /// The top-level object: required list, `closed` (`additionalProperties: false`), `requiredXor`, ...
    pub fn root(&self) -> &Object {
        &self.root
    }

    /// A named definition (what `Property::definition` points at).
    pub fn definition(&self, name: &str) -> Option<&Object> {
        self.definitions.get(name)
    }

    /// The object a property holds, looking through array and map items: its inline object or its definition.
    pub fn object_of<'a>(&'a self, prop: &'a Property) -> Option<&'a Object> {
        if let Some(obj) = &prop.object {
            return Some(obj);
        }
        if let Some(def) = &prop.definition {
            return self.definitions.get(def);
        }
        self.object_of(prop.item.as_deref()?)
    }

    /// Walks nested properties: `["VersioningConfiguration", "Status"]`. Array and map items are stepped
    /// through implicitly (`["Tags", "Key"]`).
    pub fn property_at(&self, path: &[&str]) -> Option<&Property> {
        let (first, rest) = path.split_first()?;
        let mut prop = self.root.properties.get(*first)?;
        for step in rest {
            prop = self.object_of(prop)?.properties.get(*step)?;
        }
        Some(prop)
    }

    /// `Fn::GetAtt` names (dotted for nested ones) with their types: the registry's `readOnlyProperties` merged
    /// with the legacy spec's `Attributes`.
    pub fn attributes(&self) -> &BTreeMap<String, Attribute> {
        &self.attributes
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.get(name)
    }

    /// The properties forming the physical id (registry `primaryIdentifier`). What `Ref` returns is usually
    /// this, but the legacy spec and AWS docs are the authority where they differ.
    pub fn primary_identifier(&self) -> &[String] {
        &self.primary_identifier
    }

    /// The property that names the physical resource (`BucketName`, `QueueName`, ...), when the type has one.
    pub fn name_property(&self) -> Option<&str> {
        self.name_property.as_deref()
    }

    pub fn replacement_strategy(&self) -> ReplacementStrategy {
        match self.replacement.as_deref() {
            Some("d") => ReplacementStrategy::DeleteThenCreate,
            _ => ReplacementStrategy::CreateThenDelete,
        }
    }

    /// Whether an `update` handler exists; a type without one is replaced on any change.
    pub fn has_update_handler(&self) -> bool {
        self.handlers.contains_key("update")
    }

    /// The handlers the type declares (`create`, `read`, `update`, `delete`, `list`).
    pub fn handlers(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    pub fn taggable(&self) -> bool {
        self.tagging.taggable
    }

    pub fn tagging(&self) -> &Tagging {
        &self.tagging
    }

    /// Handler timeouts in minutes, for the handlers whose schema gives one (`handlers.*.timeoutInMinutes`).
    pub fn timeouts(&self) -> impl Iterator<Item = (&str, u32)> {
        self.handlers
            .iter()
            .filter(|(_, m)| **m > 0)
            .map(|(h, m)| (h.as_str(), *m))
    }

    /// Dotted paths whose change replaces the resource.
    pub fn create_only_properties(&self) -> &[String] {
        &self.create_only
    }

    /// Dotted paths whose change may replace the resource.
    pub fn conditional_create_only_properties(&self) -> &[String] {
        &self.conditional_create_only
    }

    pub fn read_only_properties(&self) -> &[String] {
        &self.read_only
    }

    pub fn write_only_properties(&self) -> &[String] {
        &self.write_only
    }

    /// Whether the dotted `path` is create-only, or lies under a create-only property.
    pub fn is_create_only(&self, path: &str) -> bool {
        covers(&self.create_only, path)
    }

    pub fn is_conditional_create_only(&self, path: &str) -> bool {
        covers(&self.conditional_create_only, path)
    }

    pub fn is_write_only(&self, path: &str) -> bool {
        covers(&self.write_only, path)
    }
}

/// Whether `path` is one of `paths` or nested under one.
fn covers(paths: &[String], path: &str) -> bool {
    paths.iter().any(|p| {
        path == p
            || path
                .strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}
