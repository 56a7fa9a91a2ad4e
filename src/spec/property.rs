//! The shapes inside a resource type: `Property` (one value's type and constraints), `Object` (a set of named
//! properties with its own required list), `Attribute` (a `Fn::GetAtt` name). These are plain data decoded from
//! the embedded spec; they hold no logic beyond small accessors.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The value type of a property, attribute or array/map item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Kind {
    #[serde(rename = "s")]
    String,
    #[serde(rename = "i")]
    Integer,
    #[serde(rename = "n")]
    Number,
    #[serde(rename = "b")]
    Boolean,
    /// A structure with named properties (see `Property::object` / `Property::definition`).
    #[serde(rename = "o")]
    Object,
    /// A list; `Property::item` holds the item shape when the schema gives one.
    #[serde(rename = "a")]
    Array,
    /// Any JSON value (policy documents, free-form settings, or a union the spec cannot narrow).
    #[serde(rename = "j")]
    Json,
    /// A map with free keys; `Property::item` holds the value shape.
    #[serde(rename = "m")]
    Map,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::Json => "json",
            Kind::Map => "map",
        })
    }
}

/// The legacy spec's `UpdateType`: what an update of the property does to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum UpdateType {
    /// Updated in place.
    #[serde(rename = "M")]
    Mutable,
    /// Replacement.
    #[serde(rename = "I")]
    Immutable,
    /// Replacement depending on the change.
    #[serde(rename = "C")]
    Conditional,
}

impl fmt::Display for UpdateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpdateType::Mutable => "Mutable",
            UpdateType::Immutable => "Immutable",
            UpdateType::Conditional => "Conditional",
        })
    }
}

/// One property (or an array/map item) of a resource type.
///
/// The flags `required` holds at every level (from the enclosing object's required list). The flags
/// `create_only`, `conditional_create_only`, `write_only` and `read_only` come from the type's JSON-pointer lists
/// and are set on top-level properties and on properties of inline objects; properties of shared named
/// definitions do not carry them (ask `ResourceType::is_create_only` and friends with the full path instead).
#[derive(Debug, Clone, Deserialize)]
pub struct Property {
    #[serde(rename = "k")]
    pub kind: Kind,
    #[serde(skip)]
    pub required: bool,
    /// Changing it replaces the resource (registry `createOnlyProperties`).
    #[serde(skip)]
    pub create_only: bool,
    /// Changing it may replace the resource (registry `conditionalCreateOnlyProperties`).
    #[serde(skip)]
    pub conditional_create_only: bool,
    /// Never returned by a read: cannot be compared for drift.
    #[serde(skip)]
    pub write_only: bool,
    /// Set by the provider, not by templates.
    #[serde(skip)]
    pub read_only: bool,
    /// The legacy spec's opinion, where it has the type (and, for nested properties, the same-named property type).
    #[serde(rename = "ut", default)]
    pub update_type: Option<UpdateType>,
    /// Allowed values (sorted), empty when free; non-string enum values are kept in their JSON spelling.
    #[serde(rename = "e", default)]
    pub enum_values: Vec<String>,
    /// A regular expression in the schema's (ECMA-262) dialect.
    #[serde(rename = "pt", default)]
    pub pattern: Option<String>,
    #[serde(rename = "nl", default)]
    pub min_length: Option<u64>,
    #[serde(rename = "xl", default)]
    pub max_length: Option<u64>,
    #[serde(rename = "nv", default)]
    pub minimum: Option<f64>,
    #[serde(rename = "xv", default)]
    pub maximum: Option<f64>,
    /// Arrays: whether order matters (`insertionOrder`); `None` when the schema does not say.
    #[serde(rename = "io", default)]
    pub insertion_order: Option<bool>,
    /// Arrays: whether items must be distinct (`uniqueItems`).
    #[serde(rename = "u", default)]
    pub unique_items: Option<bool>,
    /// Arrays and maps: the shape of one item.
    #[serde(rename = "i", default)]
    pub item: Option<Box<Property>>,
    /// Objects: the named definition holding the properties (`ResourceType::definition`).
    #[serde(rename = "r", default)]
    pub definition: Option<String>,
    /// Objects: properties given inline rather than through a named definition.
    #[serde(rename = "o", default)]
    pub object: Option<Box<Object>>,
}

/// A set of named properties: a resource type's `Properties` block or one nested structure.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Object {
    #[serde(rename = "p", default)]
    pub properties: BTreeMap<String, Property>,
    #[serde(rename = "r", default)]
    pub required: Vec<String>,
    /// `additionalProperties: false`: a property not listed is an error.
    #[serde(rename = "c", default)]
    pub closed: bool,
    /// Exactly one of these must be present (cfn-lint's `requiredXor`).
    #[serde(rename = "rx", default)]
    pub required_xor: Vec<String>,
    /// Property → properties that must be absent when it is present (cfn-lint's `dependentExcluded`).
    #[serde(rename = "de", default)]
    pub dependent_excluded: BTreeMap<String, Vec<String>>,
}

impl Object {
    /// Marks each property listed in `required`, here and in every inline object below.
    pub(crate) fn mark_required(&mut self) {
        for name in &self.required {
            if let Some(p) = self.properties.get_mut(name) {
                p.required = true;
            }
        }
        for p in self.properties.values_mut() {
            p.mark_required();
        }
    }
}

impl Property {
    fn mark_required(&mut self) {
        if let Some(obj) = &mut self.object {
            obj.mark_required();
        }
        if let Some(item) = &mut self.item {
            item.mark_required();
        }
    }

    /// The inline object under this property, looking through array and map items.
    pub(crate) fn inline_object_mut(&mut self) -> Option<&mut Object> {
        match (&mut self.object, &mut self.item) {
            (Some(obj), _) => Some(obj),
            (None, Some(item)) => item.inline_object_mut(),
            (None, None) => None,
        }
    }
}

/// Where an attribute was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeSource {
    /// The registry schema's `readOnlyProperties` only.
    Registry,
    /// The legacy spec's `Attributes` only.
    Legacy,
    Both,
}

/// A name `Fn::GetAtt` may ask for, with its value type.
#[derive(Debug, Clone, Deserialize)]
pub struct Attribute {
    #[serde(rename = "k")]
    pub kind: Kind,
    /// Lists and maps: the item kind (`Kind::String` for the common list of strings).
    #[serde(rename = "i", default)]
    pub item: Option<Kind>,
    #[serde(rename = "s")]
    source: u8,
}

impl Attribute {
    pub fn source(&self) -> AttributeSource {
        match self.source {
            1 => AttributeSource::Registry,
            2 => AttributeSource::Legacy,
            _ => AttributeSource::Both,
        }
    }
}
