//! The [`Provider`] operations of the mock cloud. Each validates, draws its injected failure, makes its
//! change in one transaction committed at once, then answers when its latency (counted from the request) is
//! over: as in the real cloud, a resource exists while its create is still in progress, and the store's
//! write is part of the simulated time rather than added to it. A request the checks refuse is answered at
//! once.

use std::time::Instant;

use super::*;

impl MockCloud {
    /// Why the resource cannot be deleted now, if it cannot.
    pub(super) fn delete_conflict(
        &self,
        conn: &Connection,
        record: &Record,
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
        let properties = match self.check_create(request)? {
            Before::Done(found) => return Ok(found),
            Before::Write(properties) => properties,
        };
        let result = self
            .inject(&request.logical_id, Operation::Create, &request.token)
            .and_then(|()| {
                self.db
                    .write(|conn| self.write_create(conn, request, &properties))
            });
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
        self.check_delete(request)?;
        let result = self
            .inject(&request.logical_id, Operation::Delete, &request.token)
            .and_then(|()| self.db.write(|tx| self.write_delete(tx, request)));
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

    /// The checks of every request, then the writes of all of them in one transaction, then the answers
    /// in order of latency: the requests whose latency ends together are reported together.
    fn create_many(&self, requests: &[CreateRequest], done: Done<'_, ResourceState>) {
        let start = Instant::now();
        let mut writes = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            match self.check_create(request) {
                Ok(Before::Done(found)) => done(vec![(i, Ok(found))]),
                Ok(Before::Write(properties)) => writes.push((i, properties)),
                Err(e) => done(vec![(i, Err(e))]),
            }
        }
        let results = self.write_all(
            writes,
            Operation::Create,
            |(i, _)| (*i, &requests[*i].logical_id, &requests[*i].token),
            |conn, (i, properties)| self.write_create(conn, &requests[*i], properties),
        );
        let latency = |(i, _): &(usize, _)| self.latency(&requests[*i].resource_type);
        self.by_deadline(start, results, latency, done);
    }

    fn delete_many(&self, requests: &[DeleteRequest], done: Done<'_, ()>) {
        let start = Instant::now();
        let mut writes = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            match self.check_delete(request) {
                Ok(()) => writes.push(i),
                Err(e) => done(vec![(i, Err(e))]),
            }
        }
        let results = self.write_all(
            writes,
            Operation::Delete,
            |i| (*i, &requests[*i].logical_id, &requests[*i].token),
            |tx, i| self.write_delete(tx, &requests[*i]),
        );
        let latency = |(i, _): &(usize, _)| self.latency(&requests[*i].resource_type);
        self.by_deadline(start, results, latency, done);
    }
}

/// Operations one [`Provider::create_many`] or [`Provider::delete_many`] call takes at most.
const BATCH_LIMIT: usize = 256;

/// What a create found before writing: the resource an earlier call with the same token made, or the
/// checked properties to write.
enum Before {
    Done(ResourceState),
    Write(serde_json::Map<String, Value>),
}

impl MockCloud {
    /// A create's checks before its latency: the properties, and an earlier call with the same token.
    fn check_create(&self, request: &CreateRequest) -> Result<Before> {
        let properties = object(&request.properties)?;
        if let Some(found) = store::by_token(&self.lock(), self.scope(), &request.token)? {
            return Ok(Before::Done(state(found)));
        }
        validate(&request.resource_type, &request.logical_id, &properties)?;
        Ok(Before::Write(properties))
    }

    /// A create's write (idempotent by token: a concurrent call with the same token may have won).
    fn write_create(
        &self,
        conn: &Connection,
        request: &CreateRequest,
        properties: &serde_json::Map<String, Value>,
    ) -> Result<ResourceState> {
        if let Some(found) = store::by_token(conn, self.scope(), &request.token)? {
            return Ok(state(found));
        }
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

    /// A delete's check before its latency: the resource exists.
    fn check_delete(&self, request: &DeleteRequest) -> Result<()> {
        let (resource_type, physical_id) = (&request.resource_type, &request.physical_id);
        if !store::exists(&self.lock(), self.scope(), resource_type, physical_id)? {
            return Err(not_found(resource_type, physical_id));
        }
        Ok(())
    }

    /// Draws each item's injected failure (`--mock-fail`, `--mock-fail-rate`), then writes the others in one
    /// transaction (each as one atomic write); returns every item's result with its request index, in the
    /// items' order. `of` gives an item's request index, logical id and token.
    fn write_all<'r, I, T>(
        &self,
        items: Vec<I>,
        operation: Operation,
        of: impl Fn(&I) -> (usize, &'r str, &'r str),
        write: impl Fn(&Connection, &I) -> Result<T>,
    ) -> Vec<(usize, Result<T>)> {
        let drawn: Vec<(I, Result<()>)> = items
            .into_iter()
            .map(|item| {
                let (_, logical_id, token) = of(&item);
                let injected = self.inject(logical_id, operation, token);
                (item, injected)
            })
            .collect();
        let to_write: Vec<&I> = drawn
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(item, _)| item)
            .collect();
        let mut written = self
            .db
            .write_many(&to_write, |conn, item| write(conn, item))
            .into_iter();
        drawn
            .into_iter()
            .map(|(item, injected)| {
                let result = match injected {
                    Ok(()) => written.next().expect("one result per write"),
                    Err(e) => Err(e),
                };
                (of(&item).0, result)
            })
            .collect()
    }

    /// Waits until the type's latency, counted from `start`, is over.
    fn answer_at(&self, start: Instant, resource_type: &str) {
        if let Some(wait) = self.latency(resource_type).checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
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
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
            report(std::mem::replace(&mut items, rest));
        }
    }

    /// A delete's write: refused while something depends on the resource, a snapshot first when asked.
    fn write_delete(&self, tx: &Connection, request: &DeleteRequest) -> Result<()> {
        let (resource_type, physical_id) = (&request.resource_type, &request.physical_id);
        let record = store::get(tx, self.scope(), resource_type, physical_id)?
            .ok_or_else(|| not_found(resource_type, physical_id))?;
        if let Some(reason) = self.delete_conflict(tx, &record)? {
            return Err(error(ErrorKind::ResourceConflict, reason));
        }
        if request.snapshot {
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
            store::insert_snapshot(tx, self.scope(), &snapshot, &record.properties)?;
        }
        store::remove(tx, self.scope(), resource_type, physical_id)?;
        self.sync_ssm(tx, &record, true)?;
        Ok(())
    }
}
