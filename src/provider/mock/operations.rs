//! The [`Provider`] operations of the mock cloud. Each validates its properties, then, in one transaction
//! committed at once, draws its injected failure and makes its change; it answers when its latency (counted
//! from the request) is over: as in the real cloud, a resource exists while its create is still in
//! progress, and the store's write is part of the simulated time rather than added to it. A request the
//! validation refuses is answered at once.

use std::time::Instant;

use super::*;

impl MockCloud {
    /// Why the resource cannot be deleted now, if it cannot.
    pub(super) fn delete_conflict(
        &self,
        conn: &Connection,
        record: &store::Brief,
    ) -> Result<Option<String>> {
        if record.resource_type == "AWS::S3::Bucket" && record.object_count > 0 {
            return Ok(Some(
                "The bucket you tried to delete is not empty".to_string(),
            ));
        }
        if !record.resource_type.starts_with("AWS::EC2::") {
            return Ok(None);
        }
        let id = &record.physical_id;
        let mut users = store::referencing(conn, self.scope(), id, id)?;
        if record.ref_value != *id {
            users.extend(store::referencing(
                conn,
                self.scope(),
                &record.ref_value,
                id,
            )?);
        }
        if users.is_empty() {
            return Ok(None);
        }
        let segment = record
            .resource_type
            .rsplit("::")
            .next()
            .unwrap_or("resource");
        let noun = if segment.chars().all(|c| c.is_ascii_uppercase()) {
            segment.to_ascii_lowercase()
        } else {
            let mut chars = segment.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_lowercase().to_string() + chars.as_str()
            })
        };
        Ok(Some(format!(
            "DependencyViolation: The {noun} '{id}' has dependencies and cannot be deleted."
        )))
    }
}

impl Provider for MockCloud {
    fn create(&self, request: &CreateRequest) -> Result<ResourceState> {
        let start = Instant::now();
        let properties = check_create(request)?;
        let result = self
            .db
            .write(|conn| self.create_in(conn, request, &properties));
        self.answer_at(start, &request.resource_type);
        result
    }

    fn read(&self, resource_type: &str, physical_id: &str) -> Result<Option<ResourceState>> {
        let record = store::get(&self.lock(), self.scope(), resource_type, physical_id)?;
        Ok(record.map(state))
    }

    fn update(&self, request: &UpdateRequest) -> Result<ResourceState> {
        let start = Instant::now();
        let properties = object(&request.properties)?;
        let (resource_type, physical_id) = (&request.resource_type, &request.physical_id);
        let existing = store::get(&self.lock(), self.scope(), resource_type, physical_id)?
            .ok_or_else(|| not_found(resource_type, physical_id))?;
        validate(resource_type, &request.logical_id, &properties)?;
        if let Some(np) = schema(resource_type).and_then(|t| t.name_property())
            && existing.properties.get(np) != properties.get(np)
        {
            return Err(error(
                ErrorKind::InvalidRequest,
                format!(
                    "Resource handler returned message: \"Invalid request provided: {np} cannot be \
                     updated in place; changing it requires replacement\""
                ),
            ));
        }
        let result = self
            .inject(&request.logical_id, Operation::Update, &request.token)
            .and_then(|()| {
                self.db.write(|conn| {
                    let mut record = store::get(conn, self.scope(), resource_type, physical_id)?
                        .ok_or_else(|| not_found(resource_type, physical_id))?;
                    record.attributes = self.reshape(conn, &record, &properties)?;
                    record.properties = Value::Object(properties);
                    store::save(conn, self.scope(), &record)?;
                    self.sync_ssm(conn, &record, false)?;
                    Ok(state(record))
                })
            });
        self.answer_at(start, resource_type);
        result
    }

    fn delete(&self, request: &DeleteRequest) -> Result<()> {
        let start = Instant::now();
        let result = self.db.write(|tx| self.delete_in(tx, request));
        self.answer_at(start, &request.resource_type);
        result
    }

    fn find_by_token(&self, token: &str) -> Result<Option<ResourceState>> {
        Ok(store::by_token(&self.lock(), self.scope(), token)?.map(state))
    }

    fn batch_limit(&self) -> usize {
        BATCH_LIMIT
    }

    fn calls_wait(&self) -> bool {
        self.options.latency != Latency::Zero
    }

    /// The properties of every request checked (a request they refuse is answered at once), then the
    /// operations of all the others in one transaction, then the answers in order of latency: the
    /// requests whose latency ends together are reported together.
    fn create_many(&self, requests: &[CreateRequest], done: Done<'_, ResourceState>) {
        let start = Instant::now();
        let mut checked = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            match check_create(request) {
                Ok(properties) => checked.push((i, properties)),
                Err(e) => done(vec![(i, Err(e))]),
            }
        }
        let written = self.db.write_many(&checked, |conn, (i, properties)| {
            self.create_in(conn, &requests[*i], properties)
        });
        let results: Vec<_> = checked.iter().map(|(i, _)| *i).zip(written).collect();
        let latency = |(i, _): &(usize, _)| self.latency(&requests[*i].resource_type);
        self.by_deadline(start, results, latency, done);
    }

    /// The operations of every request in one transaction, then the answers in order of latency.
    fn delete_many(&self, requests: &[DeleteRequest], done: Done<'_, ()>) {
        let start = Instant::now();
        let all: Vec<usize> = (0..requests.len()).collect();
        let written = self
            .db
            .write_many(&all, |tx, i| self.delete_in(tx, &requests[*i]));
        let results: Vec<_> = all.into_iter().zip(written).collect();
        let latency = |(i, _): &(usize, _)| self.latency(&requests[*i].resource_type);
        self.by_deadline(start, results, latency, done);
    }
}

/// Returns at `deadline`, not later: a sleep ends late by the system's wake-up latency (tens of
/// microseconds, more on a virtual machine), which every simulated operation would add to its latency;
/// so the last stretch is waited out awake, giving the processor up in between.
fn wait_until(deadline: Instant) {
    const AWAKE: std::time::Duration = std::time::Duration::from_micros(200);
    let now = Instant::now();
    if deadline <= now {
        return;
    }
    if let Some(sleep) = (deadline - now).checked_sub(AWAKE) {
        std::thread::sleep(sleep);
    }
    while Instant::now() < deadline {
        std::thread::yield_now();
    }
}

/// Operations one [`Provider::create_many`] or [`Provider::delete_many`] call takes at most.
const BATCH_LIMIT: usize = 256;

/// A create's checks before the store is touched: the properties are an object valid for the type's
/// schema. A request they refuse is answered at once, as the real service's validation does.
fn check_create(request: &CreateRequest) -> Result<serde_json::Map<String, Value>> {
    let properties = object(&request.properties)?;
    validate(&request.resource_type, &request.logical_id, &properties)?;
    Ok(properties)
}

impl MockCloud {
    /// A create inside the store's transaction: the resource an earlier call with the same token made (a
    /// create is idempotent by token), else its injected failure, else the resource made now.
    fn create_in(
        &self,
        conn: &Connection,
        request: &CreateRequest,
        properties: &serde_json::Map<String, Value>,
    ) -> Result<ResourceState> {
        if let Some(found) = store::by_token(conn, self.scope(), &request.token)? {
            return Ok(state(found));
        }
        self.inject(&request.logical_id, Operation::Create, &request.token)?;
        let make = Make {
            resource_type: &request.resource_type,
            logical_id: &request.logical_id,
            stack_name: Some(&request.stack_name),
            properties,
            token: &request.token,
            seed: self.options.seed,
        };
        let record = self.make(conn, &make)?;
        store::insert(conn, self.scope(), &record)?;
        self.sync_ssm(conn, &record, false)?;
        Ok(state(record))
    }

    /// Waits until the type's latency, counted from `start`, is over.
    fn answer_at(&self, start: Instant, resource_type: &str) {
        wait_until(start + self.latency(resource_type));
    }

    fn latency(&self, resource_type: &str) -> std::time::Duration {
        self.options.latency.for_type(resource_type)
    }

    /// Hands `items` to `report` in groups whose latency (counted from `start`) ends together, shortest
    /// first, sleeping until each group is due.
    fn by_deadline<I>(
        &self,
        start: Instant,
        mut items: Vec<I>,
        latency: impl Fn(&I) -> std::time::Duration,
        mut report: impl FnMut(Vec<I>),
    ) {
        items.sort_by_key(&latency);
        while !items.is_empty() {
            let due = latency(&items[0]);
            let n = items.iter().take_while(|item| latency(item) == due).count();
            let rest = items.split_off(n);
            wait_until(start + due);
            report(std::mem::replace(&mut items, rest));
        }
    }

    /// A delete inside the store's transaction: NotFound when the resource is gone, else its injected
    /// failure; refused while something depends on the resource; a snapshot first when asked.
    fn delete_in(&self, tx: &Connection, request: &DeleteRequest) -> Result<()> {
        let (resource_type, physical_id) = (&request.resource_type, &request.physical_id);
        let record = store::brief(tx, self.scope(), resource_type, physical_id)?
            .ok_or_else(|| not_found(resource_type, physical_id))?;
        self.inject(&request.logical_id, Operation::Delete, &request.token)?;
        if let Some(reason) = self.delete_conflict(tx, &record)? {
            return Err(error(ErrorKind::ResourceConflict, reason));
        }
        if request.snapshot {
            let properties = store::get(tx, self.scope(), resource_type, physical_id)?
                .map(|r| r.properties)
                .unwrap_or_default();
            let mut rng = Rng::new(
                self.options.seed,
                &[&request.token, resource_type, "snapshot"],
            );
            let snapshot_id = if resource_type == "AWS::EC2::Volume" {
                ec2_id("snap", &mut rng)
            } else {
                let base = record.name.as_deref().unwrap_or(physical_id);
                format!("{}-snapshot-{}", base.to_ascii_lowercase(), rng.lower(8))
            };
            let snapshot = Snapshot {
                snapshot_id,
                source_physical_id: record.physical_id.clone(),
                resource_type: record.resource_type.clone(),
                created_at: now_rfc3339(),
            };
            store::insert_snapshot(tx, self.scope(), &snapshot, &properties)?;
        }
        store::remove(tx, self.scope(), resource_type, physical_id)?;
        self.ssm_gone(tx, resource_type, physical_id)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn waiting_ends_at_the_deadline_not_before() {
        for micros in [0, 50, 300, 2_000] {
            let start = std::time::Instant::now();
            let deadline = start + std::time::Duration::from_micros(micros);
            super::wait_until(deadline);
            assert!(std::time::Instant::now() >= deadline, "{micros} µs");
        }
        // A deadline already past returns at once.
        super::wait_until(std::time::Instant::now() - std::time::Duration::from_millis(1));
    }
}
