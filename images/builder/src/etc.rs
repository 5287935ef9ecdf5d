//! The `/etc` every guest root starts with: the accounts, groups and time zone of a
//! FreeBSD 4.x install in `/compat/freebsd4/etc` (where a 4.x process finds `/etc`), and
//! the same accounts and groups as text in the native `/etc`. The 4.x `/etc` also has
//! the network files a resolver reads on a box whose only interface is lo0: `hosts`,
//! `host.conf`, `services` and `protocols`, and what other base programs read: `shells`,
//! `ttys`, `login.conf`, `motd`, `syslog.conf`, a `termcap` link to
//! `/usr/share/misc/termcap`, empty `/var/run/utmp` and `/var/log/wtmp`, and the empty
//! log files syslogd writes (all our own text in 4.x's formats).
//!
//! The accounts and groups are RELENG_4's defaults (`etc/master.passwd` 1.25.2.6 and
//! `etc/group` 1.19.2.3). Root's password field is empty, as 4.x ships it: this image is
//! one used as root on its console, with no network, and `*` would lock root out of any
//! password login. The zone is UTC (a TZif version 1 file, what 4.x's tzcode
//! reads). A tree given with `cargo xtask exec --root DIR` replaces any of these files
//! with its own `compat/freebsd4/etc/...` or `etc/...`.

use crate::Image;
use crate::passwd::{self, Account};
use nymph_dbhash as dbhash;

/// The 4.x default `master.passwd`.
pub const FREEBSD4_MASTER_PASSWD: &str = "\
# FreeBSD 4.x default accounts (RELENG_4 etc/master.passwd)
#
root::0:0::0:0:Charlie &:/root:/bin/csh
toor:*:0:0::0:0:Bourne-again Superuser:/root:
daemon:*:1:1::0:0:Owner of many system processes:/root:/sbin/nologin
operator:*:2:5::0:0:System &:/:/sbin/nologin
bin:*:3:7::0:0:Binaries Commands and Source:/:/sbin/nologin
tty:*:4:65533::0:0:Tty Sandbox:/:/sbin/nologin
kmem:*:5:65533::0:0:KMem Sandbox:/:/sbin/nologin
games:*:7:13::0:0:Games pseudo-user:/usr/games:/sbin/nologin
news:*:8:8::0:0:News Subsystem:/:/sbin/nologin
man:*:9:9::0:0:Mister Man Pages:/usr/share/man:/sbin/nologin
sshd:*:22:22::0:0:Secure Shell Daemon:/var/empty:/sbin/nologin
smmsp:*:25:25::0:0:Sendmail Submission User:/var/spool/clientmqueue:/sbin/nologin
mailnull:*:26:26::0:0:Sendmail Default User:/var/spool/mqueue:/sbin/nologin
bind:*:53:53::0:0:Bind Sandbox:/:/sbin/nologin
uucp:*:66:66::0:0:UUCP pseudo-user:/var/spool/uucppublic:/usr/libexec/uucp/uucico
xten:*:67:67::0:0:X-10 daemon:/usr/local/xten:/sbin/nologin
pop:*:68:6::0:0:Post Office Owner:/nonexistent:/sbin/nologin
www:*:80:80::0:0:World Wide Web Owner:/nonexistent:/sbin/nologin
nobody:*:65534:65534::0:0:Unprivileged user:/nonexistent:/sbin/nologin
";

/// The 4.x default `group`.
pub const FREEBSD4_GROUP: &str = "\
# FreeBSD 4.x default groups (RELENG_4 etc/group)
#
wheel:*:0:root
daemon:*:1:daemon
kmem:*:2:root
sys:*:3:root
tty:*:4:root
operator:*:5:root
mail:*:6:
bin:*:7:
news:*:8:
man:*:9:
games:*:13:
staff:*:20:root
sshd:*:22:
smmsp:*:25:
mailnull:*:26:
guest:*:31:root
bind:*:53:
uucp:*:66:
xten:*:67:xten
dialer:*:68:
network:*:69:
www:*:80:
nogroup:*:65533:
nobody:*:65534:
";

/// `hosts`: the loopback names only.
pub const FREEBSD4_HOSTS: &str = "\
# Host names (hosts(5)). There is no network here but lo0.
127.0.0.1\t\tlocalhost localhost.my.domain
";

/// `host.conf`: look names up in `hosts` only (there is no name server to ask).
pub const FREEBSD4_HOST_CONF: &str = "\
# Lookup order for host names (host.conf(5)): the hosts file only.
hosts
";

/// `protocols`: the ones the loopback stack has.
pub const FREEBSD4_PROTOCOLS: &str = "\
# Internet protocols (protocols(5)): name, number, aliases.
ip\t0\tIP\t\t# internet protocol, pseudo protocol number
icmp\t1\tICMP\t\t# internet control message protocol
tcp\t6\tTCP\t\t# transmission control protocol
udp\t17\tUDP\t\t# user datagram protocol
";

/// `services`: a modest set of well-known ports (services(5)).
pub const FREEBSD4_SERVICES: &str = "\
# Network services (services(5)): name, port/protocol, aliases.
echo\t\t7/tcp
echo\t\t7/udp
discard\t\t9/tcp\t\tsink null
discard\t\t9/udp\t\tsink null
daytime\t\t13/tcp
daytime\t\t13/udp
chargen\t\t19/tcp\t\tttytst source
chargen\t\t19/udp\t\tttytst source
ftp-data\t20/tcp
ftp\t\t21/tcp
ssh\t\t22/tcp
ssh\t\t22/udp
telnet\t\t23/tcp
smtp\t\t25/tcp\t\tmail
time\t\t37/tcp\t\ttimserver
time\t\t37/udp\t\ttimserver
domain\t\t53/tcp
domain\t\t53/udp
tftp\t\t69/udp
finger\t\t79/tcp
http\t\t80/tcp\t\twww www-http
pop3\t\t110/tcp
sunrpc\t\t111/tcp\t\trpcbind
sunrpc\t\t111/udp\t\trpcbind
auth\t\t113/tcp\t\tident tap
nntp\t\t119/tcp\t\tusenet
ntp\t\t123/udp
imap\t\t143/tcp\t\timap2 imap4
snmp\t\t161/udp
https\t\t443/tcp
login\t\t513/tcp
shell\t\t514/tcp\t\tcmd
syslog\t\t514/udp
printer\t\t515/tcp\t\tspooler
";

/// `shells`: RELENG_4's `etc/shells` lists `/bin/sh`, `/bin/csh` and `/bin/tcsh`; one
/// path a line, `#` comments (shells(5)). getusershell(3) reads it; chpass and ftpd
/// refuse a shell not in it.
pub const FREEBSD4_SHELLS: &str = "\
# Login shells chpass(1) accepts and ftpd(8) lets in (shells(5)).
/bin/sh
/bin/csh
/bin/tcsh
";

/// `ttys`: getttyent(3)'s format (ttys(5)): name, the getty command (quoted when it has
/// blanks), the terminal type, then `on`/`off` and `secure`. The lines are those of
/// RELENG_4's `etc/etc.i386/ttys` kept to the console, four virtual terminals and four
/// serial lines; ttyslot(3) gives a terminal's utmp slot by its place here.
pub const FREEBSD4_TTYS: &str = "\
# Terminals (ttys(5)): name, getty, type, status.
console\tnone\t\t\t\tunknown\toff secure
ttyv0\t\"/usr/libexec/getty Pc\"\t\tcons25\ton  secure
ttyv1\t\"/usr/libexec/getty Pc\"\t\tcons25\ton  secure
ttyv2\t\"/usr/libexec/getty Pc\"\t\tcons25\ton  secure
ttyv3\t\"/usr/libexec/getty Pc\"\t\tcons25\ton  secure
ttyd0\t\"/usr/libexec/getty std.9600\"\tdialup\toff secure
ttyd1\t\"/usr/libexec/getty std.9600\"\tdialup\toff secure
ttyd2\t\"/usr/libexec/getty std.9600\"\tdialup\toff secure
ttyd3\t\"/usr/libexec/getty std.9600\"\tdialup\toff secure
";

/// `login.conf`: 4.x's `default` class (every resource limit unlimited, umask 022, the
/// paths login(1) sets) and its `root` class, in getcap(3)'s text form (login.conf(5)).
/// There is no `login.conf.db`: libutil's login_getclass() calls cgetent(), which for
/// each file tries `FILE.db` and, when that does not open, reads `FILE` as text.
/// The limits are the eleven 4.x has (RLIMIT_CPU..RLIMIT_VMEM).
pub const FREEBSD4_LOGIN_CONF: &str = "\
# Login class capabilities (login.conf(5)); no .db, so cgetent(3) reads this text.
default:\\
\t:copyright=/etc/COPYRIGHT:\\
\t:welcome=/etc/motd:\\
\t:setenv=MAIL=/var/mail/$,BLOCKSIZE=K,FTP_PASSIVE_MODE=YES:\\
\t:path=/sbin /bin /usr/sbin /usr/bin /usr/games /usr/local/sbin /usr/local/bin ~/bin:\\
\t:nologin=/var/run/nologin:\\
\t:cputime=unlimited:\\
\t:datasize=unlimited:\\
\t:stacksize=unlimited:\\
\t:memorylocked=unlimited:\\
\t:memoryuse=unlimited:\\
\t:filesize=unlimited:\\
\t:coredumpsize=unlimited:\\
\t:openfiles=unlimited:\\
\t:maxproc=unlimited:\\
\t:sbsize=unlimited:\\
\t:vmemoryuse=unlimited:\\
\t:priority=0:\\
\t:ignoretime@:\\
\t:umask=022:

# Root may log in even when /var/run/nologin exists.
root:\\
\t:ignorenologin:\\
\t:tc=default:
";

/// `syslog.conf` (syslog.conf(5)): which messages syslogd writes where, a selector
/// (`facility.level` pairs joined by `;`) then blanks and an action (a file, a device,
/// or `*` for every logged-in user). The selectors and files are RELENG_4's defaults;
/// the files named are in [`freebsd4_var_usr`], as syslogd appends only to files that
/// exist. Kernel messages come from /dev/klog.
pub const FREEBSD4_SYSLOG_CONF: &str = "\
# syslogd(8): what is logged where (syslog.conf(5)). Blanks or tabs separate the
# selector from the action.
*.err;kern.debug;auth.notice;mail.crit\t\t/dev/console
*.notice;authpriv.none;kern.debug;lpr.info;mail.crit;news.err\t/var/log/messages
security.*\t\t\t\t\t/var/log/security
auth.info;authpriv.info\t\t\t\t/var/log/auth.log
mail.info\t\t\t\t\t/var/log/maillog
lpr.info\t\t\t\t\t/var/log/lpd-errs
cron.*\t\t\t\t\t\t/var/log/cron
*.emerg\t\t\t\t\t\t*
# What is written to /dev/console (the console facility), when this is uncommented:
#console.info\t\t\t\t\t/var/log/console.log
";

/// The log files [`FREEBSD4_SYSLOG_CONF`] names, with their modes (the security,
/// authentication and cron logs readable by root alone).
const FREEBSD4_LOG_FILES: [(&str, u32); 6] = [
    ("var/log/messages", 0o644),
    ("var/log/security", 0o600),
    ("var/log/auth.log", 0o600),
    ("var/log/maillog", 0o640),
    ("var/log/lpd-errs", 0o644),
    ("var/log/cron", 0o600),
];

/// `motd`: what login(1) prints after a login.
pub const FREEBSD4_MOTD: &str = "Nymph: a FreeBSD 4.x userland on the Nymph kernel.\n";

/// The termcap database (termcap(5)): `names|...|long name:` then `:`-separated
/// capabilities (`name` a flag, `name#n` a number, `name=string` a string with `\E`
/// for escape and `^X` for control characters), lines continued by a backslash. 4.x's
/// tgetent() reads `/usr/share/misc/termcap` through cgetent(), as text when there is no
/// `termcap.db`. The entries are the terminals Nymph names: `vt100` (the console's and
/// `cargo xtask exec`'s TERM), `xterm` and `dumb`. The vt100 and xterm strings are
/// those terminals' ANSI (ECMA-48) and DEC private sequences; no padding, which only
/// real serial terminals need.
pub const FREEBSD4_TERMCAP: &str = "\
# Terminal capabilities (termcap(5)) for the terminals Nymph uses.
dumb|un|unknown|dumb terminal:\\
\t:am:co#80:bl=^G:cr=^M:do=^J:sf=^J:
vt100|dec-vt100|DEC VT100:\\
\t:am:bs:ms:xn:xo:co#80:it#8:li#24:vt#3:\\
\t:bl=^G:cd=\\E[J:ce=\\E[K:cl=\\E[H\\E[J:cm=\\E[%i%d;%dH:cr=^M:\\
\t:cs=\\E[%i%d;%dr:ct=\\E[3g:do=^J:ho=\\E[H:le=^H:nd=\\E[C:up=\\E[A:\\
\t:sf=^J:sr=\\EM:sc=\\E7:rc=\\E8:st=\\EH:ta=^I:\\
\t:md=\\E[1m:mb=\\E[5m:mr=\\E[7m:me=\\E[m:so=\\E[7m:se=\\E[m:us=\\E[4m:ue=\\E[m:\\
\t:ks=\\E[?1h\\E=:ke=\\E[?1l\\E>:kb=^H:ku=\\EOA:kd=\\EOB:kr=\\EOC:kl=\\EOD:\\
\t:k1=\\EOP:k2=\\EOQ:k3=\\EOR:k4=\\EOS:
xterm|xterm terminal emulator:\\
\t:am:bs:km:mi:ms:xn:co#80:it#8:li#24:\\
\t:bl=^G:cd=\\E[J:ce=\\E[K:cl=\\E[H\\E[2J:cm=\\E[%i%d;%dH:cr=^M:\\
\t:cs=\\E[%i%d;%dr:do=^J:ho=\\E[H:le=^H:nd=\\E[C:up=\\E[A:\\
\t:DO=\\E[%dB:UP=\\E[%dA:LE=\\E[%dD:RI=\\E[%dC:\\
\t:al=\\E[L:dl=\\E[M:AL=\\E[%dL:DL=\\E[%dM:dc=\\E[P:DC=\\E[%dP:im=\\E[4h:ei=\\E[4l:\\
\t:sf=^J:sr=\\EM:sc=\\E7:rc=\\E8:ta=^I:\\
\t:md=\\E[1m:mr=\\E[7m:me=\\E[m:so=\\E[7m:se=\\E[27m:us=\\E[4m:ue=\\E[24m:\\
\t:ks=\\E[?1h\\E=:ke=\\E[?1l\\E>:kb=^H:ku=\\EOA:kd=\\EOB:kr=\\EOC:kl=\\EOD:\\
\t:k1=\\EOP:k2=\\EOQ:k3=\\EOR:k4=\\EOS:
";

/// Where a 4.x process's `/`, and so its `/var` and `/usr`, is.
pub const FREEBSD4_ROOT: &str = "/compat/freebsd4";

/// The files of a 4.x install outside `/etc`: path under [`FREEBSD4_ROOT`], mode,
/// contents. utmp (who is logged in) and wtmp (logins and logouts) start empty, as on
/// a freshly booted 4.x system: records of `struct utmp` (4.x <utmp.h>:
/// ut_line[UT_LINESIZE 8], ut_name[UT_NAMESIZE 16], ut_host[UT_HOSTSIZE 16], a 32-bit
/// time_t ut_time; 36 bytes) that `who`, `w`, `users` and `last` read, and that fail
/// to open when missing. Nothing logs in here, so both stay empty.
pub fn freebsd4_var_usr() -> Vec<EtcFile> {
    let mut files = vec![
        ("var/run/utmp", 0o644, Vec::new()),
        ("var/log/wtmp", 0o644, Vec::new()),
        (
            "usr/share/misc/termcap",
            0o644,
            FREEBSD4_TERMCAP.as_bytes().to_vec(),
        ),
    ];
    files.extend(FREEBSD4_LOG_FILES.map(|(path, mode)| (path, mode, Vec::new())));
    files
}

/// Where a 4.x process's `/etc` is.
pub const FREEBSD4_ETC: &str = "/compat/freebsd4/etc";

/// A TZif version 1 file for UTC: no transitions, one type (offset 0, not DST,
/// abbreviation "UTC"), one standard/wall and one UT/local indicator.
pub fn tzif_utc() -> Vec<u8> {
    let mut t = b"TZif".to_vec();
    t.push(0); // version 1
    t.extend_from_slice(&[0; 15]);
    // ttisgmtcnt, ttisstdcnt, leapcnt, timecnt, typecnt, charcnt
    for count in [1u32, 1, 0, 0, 1, 4] {
        t.extend_from_slice(&count.to_be_bytes());
    }
    t.extend_from_slice(&0i32.to_be_bytes()); // tt_gmtoff
    t.extend_from_slice(&[0, 0]); // tt_isdst, tt_abbrind
    t.extend_from_slice(b"UTC\0");
    t.extend_from_slice(&[0, 0]); // isstd, isgmt
    t
}

/// A file of `/etc`: name, mode, contents.
pub type EtcFile = (&'static str, u32, Vec<u8>);

/// The files of the 4.x `/etc` made from `master_passwd` and `group`.
pub fn freebsd4_etc(master_passwd: &str, group: &str) -> Result<Vec<EtcFile>, String> {
    let accounts = passwd::parse_master(master_passwd).map_err(|e| e.to_string())?;
    let db = |secure| passwd::database(&accounts, secure).map_err(|e: dbhash::Error| e.to_string());
    Ok(vec![
        ("master.passwd", 0o600, master_passwd.as_bytes().to_vec()),
        ("passwd", 0o644, passwd::v7_passwd(&accounts).into_bytes()),
        ("pwd.db", 0o644, db(false)?),
        ("spwd.db", 0o600, db(true)?),
        ("group", 0o644, group.as_bytes().to_vec()),
        ("localtime", 0o644, tzif_utc()),
        ("hosts", 0o644, FREEBSD4_HOSTS.as_bytes().to_vec()),
        ("host.conf", 0o644, FREEBSD4_HOST_CONF.as_bytes().to_vec()),
        ("protocols", 0o644, FREEBSD4_PROTOCOLS.as_bytes().to_vec()),
        ("services", 0o644, FREEBSD4_SERVICES.as_bytes().to_vec()),
        ("shells", 0o644, FREEBSD4_SHELLS.as_bytes().to_vec()),
        ("ttys", 0o644, FREEBSD4_TTYS.as_bytes().to_vec()),
        ("login.conf", 0o644, FREEBSD4_LOGIN_CONF.as_bytes().to_vec()),
        ("motd", 0o644, FREEBSD4_MOTD.as_bytes().to_vec()),
        (
            "syslog.conf",
            0o644,
            FREEBSD4_SYSLOG_CONF.as_bytes().to_vec(),
        ),
    ])
}

/// The default accounts.
pub fn default_accounts() -> Vec<Account> {
    passwd::parse_master(FREEBSD4_MASTER_PASSWD).unwrap_or_default()
}

/// Adds the default `/etc` (native and 4.x) to `image`.
pub fn add_default_etc(image: &mut Image) -> Result<(), String> {
    for (name, mode, bytes) in freebsd4_etc(FREEBSD4_MASTER_PASSWD, FREEBSD4_GROUP)? {
        image.add_file(&format!("{FREEBSD4_ETC}/{name}"), mode, bytes);
    }
    for (path, mode, bytes) in freebsd4_var_usr() {
        image.add_file(&format!("{FREEBSD4_ROOT}/{path}"), mode, bytes);
    }
    // 4.x's /etc/termcap is a link to the database. Relative, so that it names the 4.x
    // tree's copy whoever follows it.
    image.add_symlink(
        &format!("{FREEBSD4_ETC}/termcap"),
        "../usr/share/misc/termcap",
    );
    image.add_file(
        "/etc/passwd",
        0o644,
        passwd::v7_passwd(&default_accounts()).into_bytes(),
    );
    image.add_file("/etc/group", 0o644, FREEBSD4_GROUP.as_bytes().to_vec());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Member;
    use nymph_dbhash::Table;

    #[test]
    fn the_defaults_parse_and_root_is_first() {
        let a = default_accounts();
        assert_eq!(a.len(), 19);
        assert_eq!(
            (a[0].name.as_str(), a[0].uid, a[0].dir.as_str()),
            ("root", 0, "/root")
        );
        assert_eq!(a[0].shell, "/bin/csh");
        let nobody = a.iter().find(|x| x.name == "nobody").unwrap();
        assert_eq!((nobody.uid, nobody.gid), (65534, 65534));
    }

    #[test]
    fn the_image_gets_both_etcs() {
        let mut image = Image::new();
        add_default_etc(&mut image).unwrap();
        let Some(Member::File { mode, data }) = image.get("/compat/freebsd4/etc/pwd.db") else {
            panic!("no pwd.db");
        };
        assert_eq!(*mode, 0o644);
        let t = Table::open(data).unwrap();
        let root = t.get(b"3\0\0\0\0").unwrap();
        assert!(root.starts_with(b"root\0*\0"));
        let Some(Member::File { mode, data }) = image.get("/compat/freebsd4/etc/spwd.db") else {
            panic!("no spwd.db");
        };
        assert_eq!(*mode, 0o600);
        // Root's empty password, as 4.x ships it.
        assert!(
            Table::open(data)
                .unwrap()
                .get(b"1root")
                .unwrap()
                .starts_with(b"root\0\0")
        );
        assert!(matches!(
            image.get("/compat/freebsd4/etc/master.passwd"),
            Some(Member::File { mode: 0o600, .. })
        ));
        let Some(Member::File { data, .. }) = image.get("/etc/passwd") else {
            panic!("no /etc/passwd");
        };
        assert!(data.starts_with(b"root:*:0:0:Charlie &:/root:/bin/csh\n"));
        let Some(Member::File { data, .. }) = image.get("/etc/group") else {
            panic!("no /etc/group");
        };
        assert!(String::from_utf8_lossy(data).contains("\nwheel:*:0:root\n"));
        let text = |name: &str| match image.get(&format!("{FREEBSD4_ETC}/{name}")) {
            Some(Member::File { mode: 0o644, data }) => String::from_utf8_lossy(data).into_owned(),
            other => panic!("{name}: {other:?}"),
        };
        assert!(text("hosts").contains("\n127.0.0.1\t\tlocalhost localhost.my.domain\n"));
        assert!(text("host.conf").ends_with("\nhosts\n"));
        // Every services line is name, port/protocol, aliases; every protocols line
        // name, number, alias.
        for line in text("services").lines().filter(|l| !l.starts_with('#')) {
            let port = line.split_whitespace().nth(1).unwrap();
            let (number, proto) = port.split_once('/').unwrap();
            assert!(
                number.parse::<u16>().is_ok() && matches!(proto, "tcp" | "udp"),
                "{line}"
            );
        }
        let protocols: Vec<(String, u8)> = text("protocols")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let mut w = l.split_whitespace();
                (
                    w.next().unwrap().to_string(),
                    w.next().unwrap().parse().unwrap(),
                )
            })
            .collect();
        let want =
            [("ip", 0), ("icmp", 1), ("tcp", 6), ("udp", 17)].map(|(n, p)| (n.to_string(), p));
        assert_eq!(protocols, want);
        // Deterministic.
        let mut again = Image::new();
        add_default_etc(&mut again).unwrap();
        assert_eq!(image.to_cpio(), again.to_cpio());
    }

    /// A file of the 4.x tree as text, checking its mode.
    fn fb4_text(image: &Image, path: &str, mode: u32) -> String {
        match image.get(&format!("{FREEBSD4_ROOT}/{path}")) {
            Some(Member::File { mode: m, data }) if *m == mode => {
                String::from_utf8(data.clone()).unwrap()
            }
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn the_4x_tree_has_the_base_files() {
        let mut image = Image::new();
        add_default_etc(&mut image).unwrap();
        for path in ["var/run/utmp", "var/log/wtmp"] {
            assert_eq!(fb4_text(&image, path, 0o644), "");
        }
        // syslog.conf: a selector, blanks, an action; every file it names is there.
        let syslog_conf = fb4_text(&image, "etc/syslog.conf", 0o644);
        let mut files = 0;
        for line in syslog_conf.lines().filter(|l| !l.starts_with('#')) {
            let (selector, action) = line.split_once(['\t', ' ']).unwrap();
            assert!(selector.split(';').all(|s| s.contains('.')), "{line}");
            let action = action.trim_start();
            if let Some(file) = action.strip_prefix("/var/") {
                let mode = FREEBSD4_LOG_FILES
                    .iter()
                    .find(|(p, _)| p[4..] == *file)
                    .map(|(_, m)| *m)
                    .unwrap();
                assert_eq!(fb4_text(&image, &format!("var/{file}"), mode), "");
                files += 1;
            } else {
                assert!(action == "/dev/console" || action == "*", "{line}");
            }
        }
        assert_eq!(files, FREEBSD4_LOG_FILES.len());
        let shells: Vec<String> = fb4_text(&image, "etc/shells", 0o644)
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_string)
            .collect();
        assert_eq!(shells, ["/bin/sh", "/bin/csh", "/bin/tcsh"]);
        // ttys: name, getty (quoted), type, status; the console first.
        let ttys = fb4_text(&image, "etc/ttys", 0o644);
        let lines: Vec<&str> = ttys.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(lines.len(), 9);
        assert!(lines[0].starts_with("console\tnone\t"));
        assert!(lines[0].ends_with("unknown\toff secure"));
        assert!(lines[1].starts_with("ttyv0\t\"/usr/libexec/getty Pc\"\t"));
        assert!(lines[1].contains("cons25\ton "));
        assert!(lines[8].starts_with("ttyd3\t") && lines[8].contains("\toff secure"));
        let login_conf = fb4_text(&image, "etc/login.conf", 0o644);
        assert!(login_conf.contains("\ndefault:\\\n"));
        assert!(login_conf.contains("\t:umask=022:\n"));
        assert!(login_conf.contains("\t:tc=default:\n"));
        assert!(fb4_text(&image, "etc/motd", 0o644).ends_with('\n'));
        let termcap = fb4_text(&image, "usr/share/misc/termcap", 0o644);
        for head in ["\ndumb|", "\nvt100|", "\nxterm|"] {
            assert!(termcap.contains(head), "{head}");
        }
        // Each entry is one logical line once continuations are joined; vt100's has
        // the size and the cursor motion every screen program needs.
        let joined = termcap.replace("\\\n\t", "");
        let vt100 = joined.lines().find(|l| l.starts_with("vt100|")).unwrap();
        for cap in [":co#80:", ":li#24:", ":cm=\\E[%i%d;%dH:", ":cl=\\E[H\\E[J:"] {
            assert!(vt100.contains(cap), "{cap}");
        }
        assert_eq!(joined.lines().filter(|l| !l.starts_with('#')).count(), 3);
        assert_eq!(
            image.get("/compat/freebsd4/etc/termcap"),
            Some(&Member::Symlink {
                target: "../usr/share/misc/termcap".into()
            })
        );
    }

    #[test]
    fn localtime_is_a_v1_utc_zone() {
        let t = tzif_utc();
        assert_eq!(&t[..5], b"TZif\0");
        let count = |i: usize| u32::from_be_bytes(t[20 + 4 * i..24 + 4 * i].try_into().unwrap());
        let (gmt, std, leap, time, typ, chars) =
            (count(0), count(1), count(2), count(3), count(4), count(5));
        assert_eq!((leap, time, typ, chars), (0, 0, 1, 4));
        // The body is exactly what the counts announce.
        let body = time * 5 + typ * 6 + chars + leap * 8 + std + gmt;
        assert_eq!(t.len(), 44 + body as usize);
        assert_eq!(&t[44..50], &[0, 0, 0, 0, 0, 0]);
        assert_eq!(&t[50..54], b"UTC\0");
    }
}
