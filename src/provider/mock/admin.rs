//! What the `cairn mock` commands need beyond the [`Provider`] trait: listing the cloud, changing or deleting
//! resources behind Cairn's back (drift demos), bucket contents, snapshots, the SSM parameter store, and
//! existence checks for AWS-specific parameter types.

use super::*;

impl MockCloud {
    /// Every resource of this account and region, in creation order.
    pub fn list(&self) -> Result<Vec<MockResource>> {
        let records = store::all(&self.lock(), self.scope())?;
        Ok(records
            .into_iter()
            .map(|r| MockResource {
                resource_type: r.resource_type,
                physical_id: r.physical_id,
                logical_id: r.logical_id,
                stack_name: r.stack_name,
                properties: r.properties,
                attributes: r.attributes,
                ref_value: r.ref_value,
                created_at: r.created_at,
            })
            .collect())
    }

    /// The snapshots taken by deletes, oldest first.
    pub fn snapshots(&self) -> Result<Vec<Snapshot>> {
        store::snapshots(&self.lock(), self.scope())
    }

    pub(super) fn one_by_physical_id(
        &self,
        conn: &Connection,
        physical_id: &str,
    ) -> Result<Record> {
        store::by_physical_id(conn, self.scope(), physical_id)?
            .into_iter()
            .next()
            .ok_or_else(|| not_found("resource", physical_id))
    }

    /// Changes a resource behind Cairn's back (for drift demos): sets the property at the dotted `path`
    /// (`Tags.0.Value`; `null` removes it; the index one past the end of a list appends). On a bucket,
    /// `ObjectCount` sets the number of objects in it.
    pub fn set_property(&self, physical_id: &str, path: &str, value: Value) -> Result<()> {
        let mut conn = self.db.lock_alone()?;
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        let mut record = self.one_by_physical_id(&tx, physical_id)?;
        if path == "ObjectCount" && record.resource_type == "AWS::S3::Bucket" {
            let count = validate::integer(&value)
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    error(
                        ErrorKind::InvalidRequest,
                        "`ObjectCount` must be a non-negative integer",
                    )
                })?;
            record.object_count = count;
        } else {
            let mut target = Value::Object(object(&record.properties)?);
            let steps: Vec<&str> = path.split('.').collect();
            set_path(&mut target, &steps, value).map_err(|()| {
                error(
                    ErrorKind::InvalidRequest,
                    format!("cannot set property path `{path}`"),
                )
            })?;
            let properties = object(&target)?;
            record.attributes = self.reshape(&tx, &record, &properties)?;
            record.properties = Value::Object(properties);
            self.sync_ssm(&tx, &record, false)?;
        }
        store::save(&tx, self.scope(), &record)?;
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    /// Puts `count` objects in a bucket (0 empties it).
    pub fn set_object_count(&self, physical_id: &str, count: u64) -> Result<()> {
        self.set_property(physical_id, "ObjectCount", Value::from(count))
    }

    /// Deletes a resource behind Cairn's back, with no dependency or emptiness check.
    pub fn delete_behind_back(&self, physical_id: &str) -> Result<()> {
        let mut conn = self.db.lock_alone()?;
        let tx = conn
            .transaction()
            .map_err(|e| store::internal("begin", e))?;
        let record = self.one_by_physical_id(&tx, physical_id)?;
        store::remove(
            &tx,
            self.scope(),
            &record.resource_type,
            &record.physical_id,
        )?;
        self.sync_ssm(&tx, &record, true)?;
        tx.commit().map_err(|e| store::internal("commit", e))
    }

    /// A deleted `AWS::SSM::Parameter` leaves the parameter store.
    pub(super) fn ssm_gone(
        &self,
        conn: &Connection,
        resource_type: &str,
        physical_id: &str,
    ) -> Result<()> {
        if resource_type != "AWS::SSM::Parameter" {
            return Ok(());
        }
        store::ssm_delete(conn, self.scope(), physical_id)
    }

    /// Keeps the parameter store in step with `AWS::SSM::Parameter` resources.
    pub(super) fn sync_ssm(&self, conn: &Connection, record: &Record, deleted: bool) -> Result<()> {
        if deleted {
            return self.ssm_gone(conn, &record.resource_type, &record.physical_id);
        }
        if record.resource_type != "AWS::SSM::Parameter" {
            return Ok(());
        }
        let name = &record.physical_id;
        let value = match record.properties.get("Value") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        store::ssm_put(conn, self.scope(), name, &value)
    }

    pub fn ssm_put(&self, name: &str, value: &str) -> Result<()> {
        store::ssm_put(&self.lock(), self.scope(), name, value)
    }

    pub fn ssm_get(&self, name: &str) -> Result<Option<String>> {
        store::ssm_get(&self.lock(), self.scope(), name)
    }

    /// Every parameter, by name.
    pub fn ssm_list(&self) -> Result<Vec<(String, String)>> {
        store::ssm_list(&self.lock(), self.scope())
    }

    /// Whether `id` names something that exists, for a resource type (`AWS::EC2::VPC`) or an AWS-specific
    /// parameter type (`AWS::EC2::VPC::Id`, `AWS::EC2::Subnet::Id`, `AWS::SSM::Parameter::Name`,
    /// `AWS::EC2::AvailabilityZone::Name`, `AWS::EC2::Image::Id`, ...). A store failure answers false.
    pub fn exists(&self, resource_type_or_parameter_type: &str, id: &str) -> bool {
        let region = &self.options.region;
        let kind = resource_type_or_parameter_type;
        let kind = kind
            .strip_prefix("List<")
            .and_then(|k| k.strip_suffix('>'))
            .unwrap_or(kind);
        match kind {
            "AWS::EC2::AvailabilityZone::Name" => {
                return id.len() == region.len() + 1
                    && id.starts_with(region.as_str())
                    && id.ends_with(|c| ('a'..='f').contains(&c));
            }
            "AWS::EC2::Image::Id" => {
                return id.strip_prefix("ami-").is_some_and(|h| {
                    matches!(h.len(), 8 | 17) && h.chars().all(|c| c.is_ascii_hexdigit())
                });
            }
            "AWS::SSM::Parameter::Name" => return matches!(self.ssm_get(id), Ok(Some(_))),
            _ => {}
        }
        let segments: Vec<&str> = kind.split("::").collect();
        let (resource_type, by_name) = match segments.as_slice() {
            [a, b, c, field] => (format!("{a}::{b}::{c}"), field.ends_with("Name")),
            _ => (kind.to_string(), false),
        };
        let Ok(records) = store::all(&self.lock(), self.scope()) else {
            return false;
        };
        records
            .iter()
            .filter(|r| r.resource_type == resource_type)
            .any(|r| {
                if by_name {
                    r.name.as_deref() == Some(id)
                } else {
                    r.physical_id == id || r.ref_value == id
                }
            })
    }
}

/// Sets `value` at the `steps` inside `target` (numeric steps index arrays); `null` removes it.
fn set_path(target: &mut Value, steps: &[&str], value: Value) -> std::result::Result<(), ()> {
    let (first, rest) = steps.split_first().ok_or(())?;
    if target.is_null() {
        *target = Value::Object(Map::new());
    }
    let next = match target {
        Value::Object(map) if rest.is_empty() => {
            if value.is_null() {
                map.remove(*first);
            } else {
                map.insert(first.to_string(), value);
            }
            return Ok(());
        }
        Value::Object(map) => map.entry(first.to_string()).or_insert(Value::Null),
        Value::Array(items) => {
            let i: usize = first.parse().map_err(|_| ())?;
            if rest.is_empty() && value.is_null() {
                if i < items.len() {
                    items.remove(i);
                }
                return Ok(());
            }
            // One past the end appends (`Tags.2` on two tags adds a third).
            if i == items.len() {
                items.push(Value::Null);
            }
            let item = items.get_mut(i).ok_or(())?;
            if rest.is_empty() {
                *item = value;
                return Ok(());
            }
            item
        }
        _ => return Err(()),
    };
    set_path(next, rest, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_sets_removes_and_appends() {
        let mut v = serde_json::json!({"Tags": [{"Key": "a", "Value": "1"}], "Gone": 1});
        set_path(&mut v, &["Tags", "0", "Value"], Value::from("2")).unwrap();
        set_path(&mut v, &["Tags", "1"], serde_json::json!({"Key": "b"})).unwrap();
        set_path(&mut v, &["Gone"], Value::Null).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"Tags": [{"Key": "a", "Value": "2"}, {"Key": "b"}]})
        );
        assert!(set_path(&mut v, &["Tags", "3"], Value::from("x")).is_err());
    }
}
