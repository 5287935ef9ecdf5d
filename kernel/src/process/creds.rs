//! The rules for changing a process's user and group ids, in ABI-neutral terms: the real,
//! effective and saved ids, set-id exec, and the "tainted" mark (BSD's P_SUGID, which
//! issetugid reports). The rules are FreeBSD 4's (`kern_prot.c` with saved ids and
//! without POSIX appendix B.4.2.2; `kern_exec.c`): privilege is an effective uid of 0,
//! for the group calls as for the user ones. A personality decodes its arguments and
//! maps [`Error::NotPermitted`] to its errno.

use crate::error::Error;
use crate::vfs::Credentials;

/// The set-user-id and set-group-id bits of a file's mode.
pub const SET_UID_BIT: u32 = 0o4000;
pub const SET_GID_BIT: u32 = 0o2000;

/// Which family of ids a call changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    User,
    Group,
}

/// One family's real, effective and saved ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    pub real: u32,
    pub effective: u32,
    pub saved: u32,
}

impl Ids {
    /// Whether an unprivileged caller may take `id`: it is already one of its own.
    fn holds(&self, id: u32) -> bool {
        id == self.real || id == self.effective || id == self.saved
    }
}

/// What a set-id program file makes of its runner: the owner (set-user-id bit) and
/// group (set-group-id bit) it runs as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetIds {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

impl SetIds {
    /// The set-id of a file with `mode`, owned by `owner` (uid, gid).
    pub fn of_file(mode: u32, (uid, gid): (u32, u32)) -> SetIds {
        SetIds {
            uid: (mode & SET_UID_BIT != 0).then_some(uid),
            gid: (mode & SET_GID_BIT != 0).then_some(gid),
        }
    }
}

impl Credentials {
    /// The real, effective and saved ids of `kind`.
    pub fn ids(&self, kind: IdKind) -> Ids {
        match kind {
            IdKind::User => Ids {
                real: self.uid,
                effective: self.euid,
                saved: self.svuid,
            },
            IdKind::Group => Ids {
                real: self.gid,
                effective: self.egid,
                saved: self.svgid,
            },
        }
    }

    /// Stores `ids` as the ids of `kind`; any change taints the process.
    fn store(&mut self, kind: IdKind, ids: Ids) {
        if ids != self.ids(kind) {
            self.tainted = true;
        }
        let (real, effective, saved) = match kind {
            IdKind::User => (&mut self.uid, &mut self.euid, &mut self.svuid),
            IdKind::Group => (&mut self.gid, &mut self.egid, &mut self.svgid),
        };
        (*real, *effective, *saved) = (ids.real, ids.effective, ids.saved);
    }

    /// setuid/setgid: anyone may take their real or saved id as the effective one;
    /// privilege takes any id, as all three.
    pub fn set_id(&mut self, kind: IdKind, id: u32) -> Result<(), Error> {
        let mut ids = self.ids(kind);
        if self.is_root() {
            ids = Ids {
                real: id,
                effective: id,
                saved: id,
            };
        } else if id == ids.real || id == ids.saved {
            ids.effective = id;
        } else {
            return Err(Error::NotPermitted);
        }
        self.store(kind, ids);
        Ok(())
    }

    /// seteuid/setegid: the effective id only, to the real or saved one (any, with
    /// privilege).
    pub fn set_effective_id(&mut self, kind: IdKind, id: u32) -> Result<(), Error> {
        let mut ids = self.ids(kind);
        if !self.is_root() && id != ids.real && id != ids.saved {
            return Err(Error::NotPermitted);
        }
        ids.effective = id;
        self.store(kind, ids);
        Ok(())
    }

    /// setreuid/setregid (`None` keeps an id): the new real id must be the real or saved
    /// one, the new effective id any of the three, unless privileged. The saved id
    /// follows the effective one when the real id is set or differs from it afterwards.
    pub fn set_real_effective_ids(
        &mut self,
        kind: IdKind,
        real: Option<u32>,
        effective: Option<u32>,
    ) -> Result<(), Error> {
        let mut ids = self.ids(kind);
        let allowed = real.is_none_or(|r| r == ids.real || r == ids.saved)
            && effective.is_none_or(|e| ids.holds(e));
        if !self.is_root() && !allowed {
            return Err(Error::NotPermitted);
        }
        ids.effective = effective.unwrap_or(ids.effective);
        ids.real = real.unwrap_or(ids.real);
        if real.is_some() || ids.effective != ids.real {
            ids.saved = ids.effective;
        }
        self.store(kind, ids);
        Ok(())
    }

    /// setresuid/setresgid (`None` keeps an id): each new id must be one of the three
    /// current ones, unless privileged.
    pub fn set_all_ids(
        &mut self,
        kind: IdKind,
        real: Option<u32>,
        effective: Option<u32>,
        saved: Option<u32>,
    ) -> Result<(), Error> {
        let ids = self.ids(kind);
        let allowed = [real, effective, saved]
            .iter()
            .all(|id| id.is_none_or(|id| ids.holds(id)));
        if !self.is_root() && !allowed {
            return Err(Error::NotPermitted);
        }
        self.store(
            kind,
            Ids {
                real: real.unwrap_or(ids.real),
                effective: effective.unwrap_or(ids.effective),
                saved: saved.unwrap_or(ids.saved),
            },
        );
        Ok(())
    }

    /// What exec does to the ids: a set-id program that changes an effective id runs as
    /// its owner or group and taints the process; otherwise a process whose effective
    /// ids are its real ones is untainted. Either way the saved ids become the effective
    /// ones.
    pub fn exec_set_ids(&mut self, set: SetIds) {
        let changes =
            set.uid.is_some_and(|u| u != self.euid) || set.gid.is_some_and(|g| g != self.egid);
        if changes {
            self.tainted = true;
            self.euid = set.uid.unwrap_or(self.euid);
            self.egid = set.gid.unwrap_or(self.egid);
        } else if self.euid == self.uid && self.egid == self.gid {
            self.tainted = false;
        }
        self.svuid = self.euid;
        self.svgid = self.egid;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IdKind::{Group, User};

    fn creds(uid: u32, euid: u32, svuid: u32) -> Credentials {
        Credentials {
            uid,
            euid,
            svuid,
            gid: 10,
            egid: 10,
            svgid: 10,
            ..Credentials::default()
        }
    }

    fn user(c: &Credentials) -> (u32, u32, u32) {
        (c.uid, c.euid, c.svuid)
    }

    #[test]
    fn root_setuid_sets_all_three_and_taints() {
        let mut c = creds(0, 0, 0);
        c.set_id(User, 1000).unwrap();
        assert_eq!(user(&c), (1000, 1000, 1000));
        assert!(c.tainted);
        assert_eq!(c.set_id(User, 0), Err(Error::NotPermitted));
    }

    #[test]
    fn unprivileged_setuid_takes_real_or_saved_as_effective() {
        let mut c = creds(1000, 1000, 0);
        c.euid = 2000;
        c.svuid = 3000;
        c.set_id(User, 3000).unwrap();
        assert_eq!(user(&c), (1000, 3000, 3000));
        c.set_id(User, 1000).unwrap();
        assert_eq!(user(&c), (1000, 1000, 3000));
        assert_eq!(c.set_id(User, 2000), Err(Error::NotPermitted));
    }

    #[test]
    fn seteuid_away_from_root_and_back() {
        let mut c = creds(1000, 0, 0);
        c.set_effective_id(User, 1000).unwrap();
        assert_eq!(user(&c), (1000, 1000, 0));
        c.set_effective_id(User, 0).unwrap();
        assert_eq!(user(&c), (1000, 0, 0));
        c.set_effective_id(User, 1000).unwrap();
        assert_eq!(c.set_effective_id(User, 5), Err(Error::NotPermitted));
    }

    #[test]
    fn setreuid_rules() {
        // Swapping real and effective: the saved id follows the new effective one.
        let mut c = creds(1000, 2000, 2000);
        c.set_real_effective_ids(User, Some(2000), Some(1000))
            .unwrap();
        assert_eq!(user(&c), (2000, 1000, 1000));
        // The new real id may not be the effective one unless it is real or saved.
        let mut c = creds(1000, 2000, 3000);
        assert_eq!(
            c.set_real_effective_ids(User, Some(2000), None),
            Err(Error::NotPermitted)
        );
        // Effective only, to the real id: equal afterwards, saved kept.
        c.set_real_effective_ids(User, None, Some(1000)).unwrap();
        assert_eq!(user(&c), (1000, 1000, 3000));
        // Effective only, differing from the real id: saved follows.
        c.set_real_effective_ids(User, None, Some(3000)).unwrap();
        assert_eq!(user(&c), (1000, 3000, 3000));
        let mut c = creds(0, 0, 0);
        c.set_real_effective_ids(User, Some(5), Some(6)).unwrap();
        assert_eq!(user(&c), (5, 6, 6));
    }

    #[test]
    fn setresuid_rules() {
        let mut c = creds(0, 0, 0);
        c.set_all_ids(User, Some(1000), Some(1001), None).unwrap();
        assert_eq!(user(&c), (1000, 1001, 0));
        c.set_all_ids(User, None, Some(0), None).unwrap();
        assert_eq!(user(&c), (1000, 0, 0));
        c.set_all_ids(User, Some(1001), Some(1000), Some(1000))
            .unwrap();
        assert_eq!(user(&c), (1001, 1000, 1000));
        assert_eq!(
            c.set_all_ids(User, None, None, Some(0)),
            Err(Error::NotPermitted)
        );
        assert_eq!(user(&c), (1001, 1000, 1000));
    }

    #[test]
    fn group_calls_need_an_effective_uid_of_zero() {
        let mut c = creds(1000, 1000, 1000);
        assert_eq!(c.set_id(Group, 0), Err(Error::NotPermitted));
        assert_eq!(
            c.set_all_ids(Group, Some(20), None, None),
            Err(Error::NotPermitted)
        );
        let mut c = creds(1000, 0, 0);
        c.set_all_ids(Group, Some(20), Some(21), Some(22)).unwrap();
        assert_eq!(
            c.ids(Group),
            Ids {
                real: 20,
                effective: 21,
                saved: 22
            }
        );
        assert_eq!(user(&c), (1000, 0, 0));
    }

    #[test]
    fn no_change_no_taint() {
        let mut c = creds(1000, 1000, 1000);
        c.set_id(User, 1000).unwrap();
        c.set_all_ids(User, None, None, None).unwrap();
        assert!(!c.tainted);
    }

    #[test]
    fn set_id_exec() {
        let mut c = creds(0, 0, 0);
        c.exec_set_ids(SetIds::of_file(0o4755, (1000, 20)));
        assert_eq!(user(&c), (0, 1000, 1000));
        assert_eq!(c.ids(Group).effective, 10);
        assert!(c.tainted);
        // Set-group-id alone.
        let mut c = creds(1000, 1000, 1000);
        c.exec_set_ids(SetIds::of_file(0o2755, (0, 20)));
        assert_eq!(
            c.ids(Group),
            Ids {
                real: 10,
                effective: 20,
                saved: 20
            }
        );
        assert_eq!(user(&c), (1000, 1000, 1000));
        assert!(c.tainted);
        // A plain program: the saved ids follow, and a process back on its real ids
        // is no longer tainted.
        let mut c = creds(1000, 2000, 3000);
        c.tainted = true;
        c.exec_set_ids(SetIds::of_file(0o755, (0, 0)));
        assert_eq!(user(&c), (1000, 2000, 2000));
        assert!(c.tainted);
        c.euid = 1000;
        c.exec_set_ids(SetIds::default());
        assert_eq!(user(&c), (1000, 1000, 1000));
        assert!(!c.tainted);
        // Set-user-id to the id it already runs as: no change, no taint.
        let mut c = creds(1000, 1000, 1000);
        c.exec_set_ids(SetIds::of_file(0o4755, (1000, 0)));
        assert!(!c.tainted);
    }
}
