//! Identity: who is calling and what they may do.
//!
//! Principals (users and groups that nest), group privileges, Argon2id passwords, login
//! sessions, ownership transfer and the user/sync pipeline. [`Identity`] is the service the
//! HTTP layer calls; it enforces every rule of API-DECISIONS.md "Users and groups" and
//! "Sessions" and keeps its state in the [`Store`].
//!
//! Modules: [`builtin`] (the principals of a fresh server), [`privilege`], [`password`]
//! (Argon2id, a bounded number at a time), [`throttle`] (the login policy: failed logins lock
//! accounts and client addresses with exponential back-off), [`sync`] (diff → plan → apply).

pub mod builtin;
pub mod password;
pub mod privilege;
pub mod sync;
pub mod throttle;

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

pub use privilege::Privilege;
use searchlight_errors::{Error, Result};
use searchlight_store::{EpochMillis, Principal, PrincipalChanges, PrincipalKind, Session, Store};
pub use sync::{SyncReport, SyncRequest};
pub use throttle::LoginPolicy;

use builtin::{ADMIN_USER, ADMIN_USER_ID, ALL_GROUP, ALL_GROUP_ID, SYSTEM_USER};

/// How long sessions live.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    /// A session that is not "remember me" ends after this long without a request.
    pub idle_timeout: Duration,
    /// A "remember me" session ends this long after login.
    pub remember_me: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(3 * 60 * 60),
            remember_me: Duration::from_secs(7 * 24 * 60 * 60),
        }
    }
}

/// Writing `last_seen` on every request would turn every read into a write; a session's idle
/// clock only needs to be this precise (or a quarter of the idle timeout, when that is
/// shorter, so that a session in use never counts as idle).
const TOUCH_INTERVAL_MS: EpochMillis = 60_000;

/// The current time in epoch milliseconds.
pub fn now_millis() -> EpochMillis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as EpochMillis)
        .unwrap_or_default()
}

fn millis(duration: Duration) -> EpochMillis {
    EpochMillis::try_from(duration.as_millis()).unwrap_or(EpochMillis::MAX)
}

/// An authenticated caller, resolved from its session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub name: String,
    pub display_name: String,
    pub session_id: String,
    /// Every group the caller is in, directly or through nesting, including All.
    pub groups: BTreeSet<String>,
    pub privileges: BTreeSet<Privilege>,
}

impl Caller {
    pub fn has(&self, privilege: Privilege) -> bool {
        self.privileges.contains(&privilege)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Privilege::Administration)
    }

    /// Fails with 403 unless the caller holds `privilege`; `action` completes
    /// "User 'x' may not …".
    pub fn require(&self, privilege: Privilege, action: &str) -> Result<()> {
        if self.has(privilege) {
            Ok(())
        } else {
            Err(Error::PrivilegeRequired {
                user: self.name.clone(),
                privilege: privilege.to_string(),
                action: action.to_string(),
            })
        }
    }

    /// Fails with 403 unless the caller is an administrator.
    pub fn require_admin(&self, action: &str) -> Result<()> {
        self.require(Privilege::Administration, action)
    }
}

/// A principal as `user/list` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "59481331-ee53-42be-a548-bd87be6ddd4a", "name": "tsadmin",
    "displayName": "Administrator", "mail": "", "created": 1354006445722_i64,
    "modified": 1354006445722_i64, "principalTypeEnum": "LOCAL_USER",
    "groupNames": ["Administrator", "All"], "visibility": "DEFAULT"
}))]
pub struct PrincipalInfo {
    /// The principal's GUID.
    pub id: String,
    /// Unique per kind (a user and a group may share a name).
    pub name: String,
    pub display_name: String,
    /// Present when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Users only (`""` when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// Epoch milliseconds.
    #[schema(value_type = i64)]
    pub created: EpochMillis,
    /// Epoch milliseconds.
    #[schema(value_type = i64)]
    pub modified: EpochMillis,
    /// `LOCAL_USER`, `LOCAL_GROUP`, or another user or group type given by user/sync.
    #[schema(example = "LOCAL_USER")]
    pub principal_type_enum: String,
    /// Names of the groups the principal is directly in (users: All included).
    pub group_names: Vec<String>,
    /// `DEFAULT` or `NON_SHARABLE`.
    #[schema(example = "DEFAULT")]
    pub visibility: String,
}

/// A group as `group/addprivilege` answers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "b25ee394-9d13-49e3-9385-cd97f5b253b4", "name": "All",
    "displayName": "All Group", "privileges": ["DATADOWNLOADING"]
}))]
pub struct GroupInfo {
    /// The group's GUID.
    pub id: String,
    pub name: String,
    pub display_name: String,
    /// Every privilege the group holds directly, after the change.
    pub privileges: Vec<String>,
}

/// What the first start did.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    /// The built-in principals were created now (first start).
    pub created: bool,
    /// tsadmin's password was generated because none was configured: show it once.
    pub generated_admin_password: Option<String>,
}

/// The identity service. Cheap to clone.
#[derive(Clone)]
pub struct Identity {
    store: Arc<dyn Store>,
    policy: SessionPolicy,
    /// The last `user/list` built, with the directory version it was built at: listing
    /// 10,000 users reads and assembles ~25,000 rows, and directories change rarely.
    /// Shared by clones, which serve the same store.
    directory_cache: Arc<tokio::sync::Mutex<Option<CachedDirectory>>>,
    /// Failed logins per account and client address (in memory, per process).
    throttle: Arc<throttle::Throttle>,
    /// Every Argon2 hash and verify goes through it: a bounded number at a time.
    hasher: password::Hasher,
}

/// A `user/list` answer and the directory version it was built at.
struct CachedDirectory {
    version: i64,
    listed: Arc<Vec<PrincipalInfo>>,
}

impl Identity {
    /// The service with the default [`LoginPolicy`].
    pub fn new(store: Arc<dyn Store>, policy: SessionPolicy) -> Self {
        Self::with_policies(store, policy, LoginPolicy::default())
    }

    /// The service with its session and login policies.
    pub fn with_policies(store: Arc<dyn Store>, policy: SessionPolicy, login: LoginPolicy) -> Self {
        let hasher = password::Hasher::new(login.hash_concurrency, login.hash_wait);
        Self {
            store,
            policy,
            directory_cache: Arc::default(),
            throttle: Arc::new(throttle::Throttle::new(login)),
            hasher,
        }
    }

    /// How many Argon2 computations (hashes and verifies) this service has started: a login
    /// costs exactly one, whether or not its user exists (after the first unknown user's,
    /// which also makes the decoy hash).
    pub fn password_operations(&self) -> u64 {
        self.hasher.operations()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Creates the built-in principals if they are missing. On the very first start
    /// tsadmin's password is `admin_password`, or a generated one that is returned (only by
    /// the server that created them, when several start together on one store).
    pub async fn bootstrap(&self, admin_password: Option<&str>) -> Result<Bootstrap> {
        if self.store.principal_by_id(ADMIN_USER_ID).await?.is_some() {
            return Ok(Bootstrap::default());
        }
        let (mut principals, memberships) = builtin::builtins();
        let (password, generated) = match admin_password {
            Some(password) if !password.is_empty() => (password.to_string(), None),
            _ => {
                let generated = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
                (generated.clone(), Some(generated))
            }
        };
        let hash = self.hasher.hash(&password).await?;
        for principal in &mut principals {
            if principal.id == ADMIN_USER_ID {
                principal.password_hash = Some(hash.clone());
            }
        }
        let mut grouped: HashMap<&str, Vec<String>> = HashMap::new();
        for (member, group) in memberships {
            grouped.entry(member).or_default().push(group.to_string());
        }
        let changes = PrincipalChanges {
            insert: principals,
            memberships: grouped
                .into_iter()
                .map(|(m, g)| (m.to_string(), g))
                .collect(),
            ..Default::default()
        };
        // Servers sharing one store may start together: the first to take the directory
        // lock creates the built-ins; the others find them there and report nothing (nor a
        // password they did not set).
        let created = match self.create_builtins(&changes).await {
            Err(err) if err.is_concurrent_change() => self.create_builtins(&changes).await,
            result => result,
        }?;
        Ok(Bootstrap {
            created,
            generated_admin_password: generated.filter(|_| created),
        })
    }

    /// Creates the built-in principals (and the Administrator group's privilege) in one
    /// directory transaction unless they exist; returns whether it did.
    async fn create_builtins(&self, changes: &PrincipalChanges) -> Result<bool> {
        let mut directory = self.store.begin_directory().await?;
        if directory.principal_by_id(ADMIN_USER_ID).await?.is_some() {
            return Ok(false);
        }
        directory.apply(changes).await?;
        directory
            .set_group_privilege(
                &[builtin::ADMINISTRATOR_GROUP_ID.to_string()],
                Privilege::Administration.as_str(),
                true,
            )
            .await?;
        directory.commit().await?;
        Ok(true)
    }

    /// Creates a local user with a password unless one with that name exists; returns
    /// whether it was created. (The demo's analyst; setup scripts.)
    pub async fn ensure_user(
        &self,
        name: &str,
        display_name: &str,
        password: &str,
    ) -> Result<bool> {
        if self
            .store
            .principal_by_name(PrincipalKind::User, name)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let now = now_millis();
        let user = Principal {
            id: uuid::Uuid::new_v4().to_string(),
            kind: PrincipalKind::User,
            name: name.to_string(),
            display_name: display_name.to_string(),
            description: None,
            mail: None,
            principal_type: "LOCAL_USER".into(),
            visibility: "DEFAULT".into(),
            password_hash: Some(self.hasher.hash(password).await?),
            builtin: false,
            can_login: true,
            created: now,
            modified: now,
        };
        let changes = PrincipalChanges {
            insert: vec![user],
            ..Default::default()
        };
        // Another server sharing the store may be creating the same user right now.
        let mut directory = self.store.begin_directory().await?;
        if directory
            .principal_by_name(PrincipalKind::User, name)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        directory.apply(&changes).await?;
        directory.commit().await?;
        Ok(true)
    }

    // ---- sessions -----------------------------------------------------------------------

    /// Checks the credentials and opens a session (for a caller whose address is unknown:
    /// only the account is throttled).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        remember_me: bool,
    ) -> Result<Session> {
        self.login_from(username, password, remember_me, None).await
    }

    /// Checks the credentials of a login from `client` and opens a session. While the
    /// account or the client's address is locked after failed logins the answer is
    /// [`Error::TooManyLoginAttempts`], without a password check (see [`throttle`]); a check
    /// that cannot start in time is [`Error::Overloaded`] and counts as no attempt.
    pub async fn login_from(
        &self,
        username: &str,
        password: &str,
        remember_me: bool,
        client: Option<IpAddr>,
    ) -> Result<Session> {
        self.throttle
            .check(username, client, Instant::now())
            .map_err(|refusal| refusal.into_error(username))?;
        let user = self
            .store
            .principal_by_name(PrincipalKind::User, username)
            .await?;
        let hash = user
            .as_ref()
            .filter(|u| u.can_login)
            .and_then(|u| u.password_hash.clone());
        let verified = match &hash {
            Some(hash) => self.hasher.verify(password, hash).await?,
            None => {
                // One Argon2 verify, as for a wrong password, then refuse.
                self.hasher.verify_decoy(password).await?;
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            self.throttle.failed(username, client, Instant::now());
            return Err(Error::WrongCredentials {
                username: username.to_string(),
            });
        };
        self.throttle.succeeded(username);
        let now = now_millis();
        let session = Session {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user.id,
            created: now,
            last_seen: now,
            persistent: remember_me,
            expires: now.saturating_add(millis(self.policy.remember_me)),
        };
        self.store.insert_session(&session).await?;
        Ok(session)
    }

    /// Resolves a session id to its caller; expired or unknown sessions are refused.
    pub async fn authenticate(&self, session_id: &str) -> Result<Caller> {
        let session = self
            .store
            .session(session_id)
            .await?
            .ok_or(Error::NotLoggedIn)?;
        let now = now_millis();
        let idle_cutoff = now.saturating_sub(millis(self.policy.idle_timeout));
        if session.expires <= now || (!session.persistent && session.last_seen < idle_cutoff) {
            self.store.delete_session(session_id).await?;
            return Err(Error::NotLoggedIn);
        }
        let user = self
            .store
            .principal_by_id(&session.user_id)
            .await?
            .ok_or(Error::NotLoggedIn)?;
        let touch_interval = TOUCH_INTERVAL_MS.min(millis(self.policy.idle_timeout) / 4);
        if now - session.last_seen >= touch_interval {
            self.store.touch_session(session_id, now).await?;
        }
        let mut groups: BTreeSet<String> = self
            .store
            .ancestor_groups(&user.id)
            .await?
            .into_iter()
            .collect();
        // All is implicit for users; groups nested in All pass their privileges down too.
        groups.insert(ALL_GROUP_ID.to_string());
        let group_ids: Vec<String> = groups.iter().cloned().collect();
        let privileges = self
            .store
            .privileges_of_groups(&group_ids)
            .await?
            .iter()
            .filter_map(|name| name.parse().ok())
            .collect();
        Ok(Caller {
            user_id: user.id,
            name: user.name,
            display_name: user.display_name,
            session_id: session.id,
            groups,
            privileges,
        })
    }

    /// Ends a session. Idempotent.
    pub async fn logout(&self, session_id: &str) -> Result<()> {
        self.store.delete_session(session_id).await
    }

    /// Removes expired sessions (a periodic housekeeping task).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let now = now_millis();
        self.store
            .delete_expired_sessions(now, now.saturating_sub(millis(self.policy.idle_timeout)))
            .await
    }

    // ---- users and groups ---------------------------------------------------------------

    /// Every principal with its direct groups: groups first, then users, each by name.
    /// Served from a cache while the store's directory version is unchanged; the version
    /// is read on every call, so a change made by any server sharing the store shows at once.
    pub async fn list_principals(&self, caller: &Caller) -> Result<Arc<Vec<PrincipalInfo>>> {
        caller.require_admin("list users and groups")?;
        // Held while building, so that concurrent first calls build the list once.
        let mut cache = self.directory_cache.lock().await;
        let version = self.store.directory_version().await?;
        if let Some(cached) = cache.as_ref()
            && cached.version == version
        {
            return Ok(cached.listed.clone());
        }
        let listed = Arc::new(self.build_principal_list().await?);
        *cache = Some(CachedDirectory {
            version,
            listed: listed.clone(),
        });
        Ok(listed)
    }

    async fn build_principal_list(&self) -> Result<Vec<PrincipalInfo>> {
        let principals = self.store.principals().await?;
        let memberships = self.store.memberships().await?;
        let names: HashMap<&str, &str> = principals
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str()))
            .collect();
        let mut parents: HashMap<&str, Vec<String>> = HashMap::new();
        for m in &memberships {
            if let Some(group) = names.get(m.group_id.as_str()) {
                parents
                    .entry(m.member_id.as_str())
                    .or_default()
                    .push(group.to_string());
            }
        }
        let mut listed: Vec<PrincipalInfo> = principals
            .iter()
            .map(|p| {
                let mut group_names = parents.remove(p.id.as_str()).unwrap_or_default();
                if p.kind == PrincipalKind::User {
                    group_names.push(ALL_GROUP.to_string());
                }
                group_names.sort();
                group_names.dedup();
                PrincipalInfo {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    display_name: p.display_name.clone(),
                    description: p.description.clone(),
                    mail: match p.kind {
                        PrincipalKind::User => Some(p.mail.clone().unwrap_or_default()),
                        PrincipalKind::Group => None,
                    },
                    created: p.created,
                    modified: p.modified,
                    principal_type_enum: p.principal_type.clone(),
                    group_names,
                    visibility: p.visibility.clone(),
                }
            })
            .collect();
        listed.sort_by(|a, b| {
            let kind = |p: &PrincipalInfo| p.principal_type_enum.ends_with("_USER");
            kind(a).cmp(&kind(b)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(listed)
    }

    async fn user_named(&self, name: &str) -> Result<Principal> {
        self.store
            .principal_by_name(PrincipalKind::User, name)
            .await?
            .ok_or_else(|| Error::UnknownUser {
                name: name.to_string(),
            })
    }

    /// Changes `name`'s password. A user changes its own with its current password; an
    /// administrator changes anyone's with the administrator's own password. Every other
    /// session of that user ends.
    pub async fn update_password(
        &self,
        caller: &Caller,
        name: &str,
        current_password: &str,
        new_password: &str,
    ) -> Result<()> {
        let own = caller.name == name;
        if !own {
            caller.require_admin("change another user's password")?;
        }
        let target = self.user_named(name).await?;
        if new_password.is_empty() {
            return Err(Error::EmptyPassword);
        }
        // The password that proves the request: the caller's own.
        let checker = if own {
            target.clone()
        } else {
            self.user_named(&caller.name).await?
        };
        let current_ok = match &checker.password_hash {
            Some(hash) => self.hasher.verify(current_password, hash).await?,
            None => false,
        };
        if !current_ok {
            return Err(Error::WrongCurrentPassword {
                name: caller.name.clone(),
            });
        }
        if let Some(hash) = &target.password_hash
            && self.hasher.verify(new_password, hash).await?
        {
            return Err(Error::SamePassword);
        }
        let hash = self.hasher.hash(new_password).await?;
        self.store
            .set_password_hash(&target.id, &hash, now_millis())
            .await?;
        let keep = own.then_some(caller.session_id.as_str());
        self.store.delete_user_sessions(&target.id, keep).await
    }

    /// Moves objects from one user to another: all of them, or only `object_ids`.
    pub async fn transfer_ownership(
        &self,
        caller: &Caller,
        from_name: &str,
        to_name: &str,
        object_ids: Option<&[String]>,
    ) -> Result<u64> {
        caller.require_admin("transfer ownership of objects")?;
        for name in [from_name, to_name] {
            if name == ADMIN_USER || name == SYSTEM_USER {
                return Err(Error::BuiltinOwnershipTransfer {
                    name: name.to_string(),
                });
            }
        }
        // A sync may delete one of the users, or another transfer move the objects, between
        // the checks and the move: the store then moves nothing, and the checks run again on
        // what is stored now.
        match self.transfer_once(from_name, to_name, object_ids).await {
            Err(err) if err.is_concurrent_change() => {
                self.transfer_once(from_name, to_name, object_ids).await
            }
            result => result,
        }
    }

    /// Checks a transfer and makes it (the store checks again, under the directory lock).
    async fn transfer_once(
        &self,
        from_name: &str,
        to_name: &str,
        object_ids: Option<&[String]>,
    ) -> Result<u64> {
        let from = self.user_named(from_name).await?;
        let to = self.user_named(to_name).await?;
        if from.id == to.id {
            return Err(Error::SameOwnershipUsers { name: from.name });
        }
        if let Some(ids) = object_ids {
            let owned: BTreeSet<String> = self
                .store
                .objects_owned_by(&from.id)
                .await?
                .into_iter()
                .collect();
            let foreign: Vec<&str> = ids
                .iter()
                .filter(|id| !owned.contains(*id))
                .map(String::as_str)
                .collect();
            if !foreign.is_empty() {
                return Err(Error::invalid_parameter(
                    "objectsID",
                    foreign.join(", "),
                    format!("ids of objects owned by '{}'", from.name),
                ));
            }
        }
        self.store
            .transfer_ownership(&from.id, &to.id, object_ids, now_millis())
            .await
    }

    /// Grants or revokes `privilege` on every group in `group_names`, all or nothing.
    pub async fn set_privilege(
        &self,
        caller: &Caller,
        privilege: &str,
        group_names: &[String],
        grant: bool,
    ) -> Result<Vec<GroupInfo>> {
        caller.require_admin(if grant {
            "add group privileges"
        } else {
            "remove group privileges"
        })?;
        let privilege: Privilege = privilege.parse()?;
        if group_names.is_empty() {
            return Err(Error::missing_parameter("groupNames"));
        }
        let mut groups: Vec<Principal> = Vec::with_capacity(group_names.len());
        for name in group_names {
            let canonical = builtin::canonical_group_name(name.trim());
            let group = self
                .store
                .principal_by_name(PrincipalKind::Group, canonical)
                .await?
                .ok_or_else(|| Error::UnknownGroup { name: name.clone() })?;
            if !grant
                && privilege == Privilege::Administration
                && group.id == builtin::ADMINISTRATOR_GROUP_ID
            {
                return Err(Error::BuiltinPrivilegeRemoval { group: group.name });
            }
            // `All` and `ALL_GROUP` name the same group: list it once.
            if !groups.iter().any(|g| g.id == group.id) {
                groups.push(group);
            }
        }
        let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
        self.store
            .set_group_privilege(&ids, privilege.as_str(), grant)
            .await?;

        let all = self.store.group_privileges().await?;
        Ok(groups
            .into_iter()
            .map(|g| {
                let mut privileges: Vec<String> = all
                    .iter()
                    .filter(|p| p.group_id == g.id)
                    .map(|p| p.privilege.clone())
                    .collect();
                privileges.sort();
                GroupInfo {
                    id: g.id,
                    name: g.name,
                    display_name: g.display_name,
                    privileges,
                }
            })
            .collect())
    }

    /// Runs user/sync: a dry run reports what would change, an apply does it in one
    /// transaction that holds the directory lock, planned on the directory as that
    /// transaction sees it, so that concurrent syncs (on this server or another sharing the
    /// store) run one after the other. See [`sync`].
    pub async fn sync(&self, caller: &Caller, request: &SyncRequest) -> Result<SyncReport> {
        caller.require_admin("synchronise users and groups")?;
        // The directory now: a dry run's answer, and the plan whose new users' passwords an
        // apply hashes (slow) before it takes the lock. The version is read first, so that
        // an unchanged version under the lock means this plan still holds.
        let version = self.store.directory_version().await?;
        let principals = self.store.principals().await?;
        let memberships = self.store.memberships().await?;
        let plan = sync::plan(request, &principals, &memberships, now_millis())?;
        if !request.apply {
            return Ok(plan.report);
        }
        let mut hashes = HashMap::new();
        let default_password = request.password.as_deref();
        sync::hash_passwords(
            &self.hasher,
            &mut hashes,
            plan.passwords_needed(default_password),
        )
        .await?;
        match self
            .apply_sync(request, Some((version, plan)), &mut hashes)
            .await
        {
            Err(err) if err.is_concurrent_change() => {
                self.apply_sync(request, None, &mut hashes).await
            }
            result => result,
        }
    }

    /// Applies a sync in one directory transaction: `planned` (a plan and the directory
    /// version it was made at) if the directory is still at that version, else a plan made
    /// now on what the transaction reads (hashing the passwords `hashes` lacks: only those
    /// of users another writer removed in between).
    async fn apply_sync(
        &self,
        request: &SyncRequest,
        planned: Option<(i64, sync::SyncPlan)>,
        hashes: &mut HashMap<String, String>,
    ) -> Result<SyncReport> {
        let default_password = request.password.as_deref();
        let mut directory = self.store.begin_directory().await?;
        let plan = match planned {
            Some((version, plan)) if version == directory.version() => plan,
            _ => {
                let principals = directory.principals().await?;
                let memberships = directory.memberships().await?;
                let plan = sync::plan(request, &principals, &memberships, now_millis())?;
                sync::hash_passwords(
                    &self.hasher,
                    hashes,
                    plan.passwords_needed(default_password),
                )
                .await?;
                plan
            }
        };
        let changes = plan.into_changes_with(default_password, hashes);
        directory.apply(&changes.changes).await?;
        directory.commit().await?;
        Ok(changes.report)
    }
}
