//! Command-line parsing for xtask, by hand.

use std::path::PathBuf;
use std::time::Duration;

use nymph_harness::Accel;

pub const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run    build the kernel and boot it with the serial console on this terminal
         (Ctrl-A X quits QEMU); exits 0 iff the kernel reports success
           --release            build with the release profile
           --accel tcg|kvm      accelerator (default tcg; kvm does not work on these machines)
           --append \"ARGS\"      kernel command line
           --initrd FILE        pass FILE as the initrd
           --root DIR[:/GUEST]  lay DIR over the default image's root, or at the
                                guest directory GUEST (a 4.x tree: /compat/freebsd4)
  test   run every test: host tests, in-guest kernel tests, harness self-checks;
         ends with `N passed, M failed`
           --release            build the kernel with the release profile
           --accel tcg|kvm      accelerator (default tcg)
           --timeout SECS       limit for each boot (default 60)
           --verbose            echo every serial line
  exec   run one program in Nymph: cargo xtask exec [options] -- /guest/path ARGS...
         its output on stdout, its exit status as ours (128+signal if killed)
           --root DIR[:/GUEST]  lay DIR over the guest's root, or at the guest
                                directory GUEST (repeatable); a 4.x system's tree
                                goes at /compat/freebsd4, and a program missing at
                                its path starts from there as a 4.x exec finds it
           --accel tcg|kvm      accelerator (default tcg)
           --release            build the kernel with the release profile
           --timeout SECS       limit for the run (default 60)
           --verbose            copy the kernel log to stderr
           --trace              trace its system calls (and its children's): one line
                                per call on stderr, `[trace] PID ABI call(args) = result`
           --stdio tty|pipe     its descriptors 1 and 2: the console (a terminal), or
                                pipes whose bytes become our stdout and stderr; the
                                default is pipe when our stdout is not a terminal
           --memory MIB         the guest's memory (default 256, or the image and 192
                                more when the roots are large; at most 2815)
  abi-test  build libc-shim and the conformance cases (abi-tests/cases), run them in
         one guest and write target/abi-report/report.{md,json}:
         cargo xtask abi-test [options] [FILTER]  (FILTER: part of a case name)
           --abi NAME           only this ABI (default: every ABI the suite builds)
           --timeout SECS       limit for each case (default 60)
           --accel tcg|kvm      accelerator (default tcg)
           --release            build the kernel with the release profile
           --verbose            show every line the cases print
           --build-only         build libc-shim and the cases into target/abi-tests/root
                                and stop (no kernel, no QEMU)
  fuzz-elf  fuzz exec's ELF checks on the host (kernel/fuzz, cargo-fuzz on nightly),
         seeded from kernel/tests/elf-corpus; fails on a crash
           --seconds N          how long (default 60)
  bench  Nymph against Linux in guest instructions (QEMU TCG, -icount shift=0): null
         syscall, fstat, fork+exec+wait, pipe throughput, boot; prints the table and
         writes target/bench/bench.{json,md} (installs linux-image-amd64 where missing)
           --verbose            echo every serial line of both boots
  build  build the kernel and print the ELF path
           --release            build with the release profile
  gen    regenerate the checked-in outputs of abi/spec (Rust, C, Markdown, coverage)
           --check              change nothing; fail if an output is stale
  fuzz   run random syscalls drawn from the spec in the guest (abi-tests/fuzz):
         fails on a kernel panic, a hang or a leak of kernel memory
           --abi NAME           the ABI: native-v1 (default), native-v2 or freebsd4-i386
           --seed N             the seed (default 1)
           --iterations N       calls in all (default 10000)
           --procs N            worker processes (default 4)
           --timeout SECS       limit for the run (default: 120 + 2 ms per call)
           --verbose            show every call the fuzzer prints
  fuzz-exec  exec mutated executables of every ABI in the guest (abi-tests/fuzz/execer.c):
         each must be refused with ENOEXEC (or ENOMEM) or run and end; fails on a kernel
         panic, a hang or a leak of kernel memory
           --seed N             the seed (default 1)
           --count N            mutants (default 1000)
           --timeout SECS       limit for the run (default: 60 + 0.1 s per mutant)
           --verbose            show every line the execer prints
  help   this text";

fn number(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| format!("not a number: `{s}`"))
}

/// The default limit of one boot in `cargo xtask test`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Gen { check: bool },
    Run(RunArgs),
    Exec(ExecArgs),
    Test(TestArgs),
    Build(BuildArgs),
    AbiTest(AbiTestArgs),
    Fuzz(crate::cmd_fuzz::FuzzArgs),
    FuzzExec(crate::cmd_fuzz_exec::FuzzExecArgs),
    FuzzElf(crate::cmd_fuzz_elf::FuzzElfArgs),
    Bench(crate::cmd_bench::BenchArgs),
    Help,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiTestArgs {
    pub release: bool,
    pub accel: Accel,
    /// The limit of each case.
    pub timeout: Duration,
    pub verbose: bool,
    pub abi: Option<String>,
    pub filter: Option<String>,
    /// Build libc-shim and the cases, then stop.
    pub build_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunArgs {
    pub release: bool,
    pub accel: Accel,
    pub append: String,
    pub initrd: Option<PathBuf>,
    /// Trees laid over the default image.
    pub roots: Vec<crate::cmd_exec::RootSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestArgs {
    pub release: bool,
    pub accel: Accel,
    pub timeout: Duration,
    pub verbose: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecArgs {
    pub release: bool,
    pub accel: Accel,
    pub roots: Vec<crate::cmd_exec::RootSpec>,
    pub timeout: Duration,
    pub verbose: bool,
    /// Trace the program's system calls (`nymph.trace=init`), printed on stderr.
    pub trace: bool,
    /// Where the program's standard output and error go (None: pipes when our own
    /// standard output is not a terminal, else the console).
    pub stdio: Option<crate::cmd_exec::Stdio>,
    /// The guest's memory in MiB (None: sized to the image).
    pub memory_mib: Option<u32>,
    /// The guest path and its arguments.
    pub argv: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildArgs {
    pub release: bool,
}

/// Splits `--name=value` and hands out values of `--name value`.
struct Args<I: Iterator<Item = String>> {
    rest: I,
    pending: Option<String>,
}

impl<I: Iterator<Item = String>> Args<I> {
    /// The next flag name, with an inline `=value` kept for [`Self::value`].
    fn next_flag(&mut self) -> Result<Option<String>, String> {
        if let Some(value) = self.pending.take() {
            return Err(format!("unexpected value `{value}`"));
        }
        let Some(arg) = self.rest.next() else {
            return Ok(None);
        };
        match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                self.pending = Some(value.to_string());
                Ok(Some(flag.to_string()))
            }
            _ => Ok(Some(arg)),
        }
    }

    fn value(&mut self, flag: &str) -> Result<String, String> {
        self.pending
            .take()
            .or_else(|| self.rest.next())
            .ok_or_else(|| format!("{flag} needs a value"))
    }

    fn no_value(&mut self, flag: &str) -> Result<(), String> {
        match self.pending.take() {
            Some(_) => Err(format!("{flag} takes no value")),
            None => Ok(()),
        }
    }
}

/// A `--timeout` value: a positive number of seconds.
fn seconds(v: &str) -> Result<Duration, String> {
    v.parse()
        .ok()
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("--timeout wants a positive number of seconds, not `{v}`"))
}

/// Parses the arguments after `xtask`.
///
/// # Errors
/// A one-line message naming the bad argument.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = Args {
        rest: args.into_iter(),
        pending: None,
    };
    let Some(sub) = args.next_flag()? else {
        return Err("no command given".to_string());
    };
    match sub.as_str() {
        "help" | "-h" | "--help" => Ok(Command::Help),
        "run" => {
            let mut a = RunArgs::default();
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--release" => {
                        args.no_value(&flag)?;
                        a.release = true;
                    }
                    "--accel" => a.accel = args.value(&flag)?.parse()?,
                    "--append" => a.append = args.value(&flag)?,
                    "--initrd" => a.initrd = Some(args.value(&flag)?.into()),
                    "--root" => a.roots.push(args.value(&flag)?.parse()?),
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for run")),
                }
            }
            if a.initrd.is_some() && !a.roots.is_empty() {
                return Err(
                    "run takes --initrd or --root (laid over the default image), not both".into(),
                );
            }
            Ok(Command::Run(a))
        }
        "test" => {
            let mut a = TestArgs {
                release: false,
                accel: Accel::Tcg,
                timeout: DEFAULT_TIMEOUT,
                verbose: false,
            };
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--release" => {
                        args.no_value(&flag)?;
                        a.release = true;
                    }
                    "--verbose" | "-v" => {
                        args.no_value(&flag)?;
                        a.verbose = true;
                    }
                    "--accel" => a.accel = args.value(&flag)?.parse()?,
                    "--timeout" => a.timeout = seconds(&args.value(&flag)?)?,
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for test")),
                }
            }
            Ok(Command::Test(a))
        }
        "exec" => {
            let mut a = ExecArgs {
                release: false,
                accel: Accel::Tcg,
                roots: Vec::new(),
                timeout: DEFAULT_TIMEOUT,
                verbose: false,
                trace: false,
                stdio: None,
                memory_mib: None,
                argv: Vec::new(),
            };
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--" => {
                        a.argv = args.rest.by_ref().collect();
                        break;
                    }
                    "--release" => {
                        args.no_value(&flag)?;
                        a.release = true;
                    }
                    "--verbose" | "-v" => {
                        args.no_value(&flag)?;
                        a.verbose = true;
                    }
                    "--trace" => {
                        args.no_value(&flag)?;
                        a.trace = true;
                    }
                    "--accel" => a.accel = args.value(&flag)?.parse()?,
                    "--root" => a.roots.push(args.value(&flag)?.parse()?),
                    "--timeout" => a.timeout = seconds(&args.value(&flag)?)?,
                    "--stdio" => a.stdio = Some(args.value(&flag)?.parse()?),
                    "--memory" => {
                        let mib = number(&args.value(&flag)?)?;
                        a.memory_mib = Some(u32::try_from(mib).map_err(|_| "--memory: too large")?);
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    path if path.starts_with('/') => {
                        a.argv.push(path.to_string());
                        a.argv.extend(args.rest.by_ref());
                        break;
                    }
                    other => return Err(format!("unknown option `{other}` for exec")),
                }
            }
            if a.argv.is_empty() {
                return Err("exec needs a program: cargo xtask exec -- /guest/path ARGS...".into());
            }
            Ok(Command::Exec(a))
        }
        "fuzz" => {
            let mut a = crate::cmd_fuzz::FuzzArgs::default();
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--abi" => a.abi = args.value(&flag)?,
                    "--seed" => a.seed = number(&args.value(&flag)?)?,
                    "--iterations" => a.iterations = number(&args.value(&flag)?)?,
                    "--procs" => a.procs = number(&args.value(&flag)?)?,
                    "--timeout" => a.timeout = Some(seconds(&args.value(&flag)?)?),
                    "--verbose" | "-v" => {
                        args.no_value(&flag)?;
                        a.verbose = true;
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for fuzz")),
                }
            }
            Ok(Command::Fuzz(a))
        }
        "fuzz-exec" => {
            let mut a = crate::cmd_fuzz_exec::FuzzExecArgs::default();
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--seed" => a.seed = number(&args.value(&flag)?)?,
                    "--count" => a.count = number(&args.value(&flag)?)?,
                    "--timeout" => a.timeout = Some(seconds(&args.value(&flag)?)?),
                    "--verbose" | "-v" => {
                        args.no_value(&flag)?;
                        a.verbose = true;
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for fuzz-exec")),
                }
            }
            Ok(Command::FuzzExec(a))
        }
        "fuzz-elf" => {
            let mut a = crate::cmd_fuzz_elf::FuzzElfArgs::default();
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--seconds" => {
                        a.seconds = number(&args.value(&flag)?)?;
                        if a.seconds == 0 {
                            return Err("--seconds wants a positive number".into());
                        }
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for fuzz-elf")),
                }
            }
            Ok(Command::FuzzElf(a))
        }
        "bench" => {
            let mut a = crate::cmd_bench::BenchArgs::default();
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--verbose" | "-v" => {
                        args.no_value(&flag)?;
                        a.verbose = true;
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for bench")),
                }
            }
            Ok(Command::Bench(a))
        }
        "abi-test" => {
            let mut a = AbiTestArgs {
                release: false,
                accel: Accel::Tcg,
                timeout: DEFAULT_TIMEOUT,
                verbose: false,
                abi: None,
                filter: None,
                build_only: false,
            };
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--release" => {
                        args.no_value(&flag)?;
                        a.release = true;
                    }
                    "--verbose" | "-v" => {
                        args.no_value(&flag)?;
                        a.verbose = true;
                    }
                    "--build-only" => {
                        args.no_value(&flag)?;
                        a.build_only = true;
                    }
                    "--accel" => a.accel = args.value(&flag)?.parse()?,
                    "--timeout" => a.timeout = seconds(&args.value(&flag)?)?,
                    "--abi" => a.abi = Some(args.value(&flag)?),
                    "-h" | "--help" => return Ok(Command::Help),
                    other if !other.starts_with('-') && a.filter.is_none() => {
                        a.filter = Some(other.to_string());
                    }
                    other => return Err(format!("unknown option `{other}` for abi-test")),
                }
            }
            Ok(Command::AbiTest(a))
        }
        "gen" => {
            let mut check = false;
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--check" => {
                        args.no_value(&flag)?;
                        check = true;
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for gen")),
                }
            }
            Ok(Command::Gen { check })
        }
        "build" => {
            let mut a = BuildArgs::default();
            while let Some(flag) = args.next_flag()? {
                match flag.as_str() {
                    "--release" => {
                        args.no_value(&flag)?;
                        a.release = true;
                    }
                    "-h" | "--help" => return Ok(Command::Help),
                    other => return Err(format!("unknown option `{other}` for build")),
                }
            }
            Ok(Command::Build(a))
        }
        other => Err(format!("unknown command `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn run_flags() {
        assert_eq!(p(&["run"]), Ok(Command::Run(RunArgs::default())));
        assert_eq!(
            p(&[
                "run",
                "--release",
                "--accel",
                "kvm",
                "--append",
                "nymph.test=all x",
                "--initrd=/i"
            ]),
            Ok(Command::Run(RunArgs {
                release: true,
                accel: Accel::Kvm,
                append: "nymph.test=all x".into(),
                initrd: Some("/i".into()),
                roots: Vec::new(),
            }))
        );
        let Ok(Command::Run(a)) = p(&["run", "--root", "/t:/compat/freebsd4"]) else {
            panic!()
        };
        assert_eq!(a.roots[0].at, "/compat/freebsd4");
        assert!(p(&["run", "--root", "/t", "--initrd", "/i"]).is_err());
        assert_eq!(
            p(&["run", "--append=a=b"]),
            Ok(Command::Run(RunArgs {
                append: "a=b".into(),
                ..RunArgs::default()
            }))
        );
    }

    #[test]
    fn test_flags() {
        let Ok(Command::Test(a)) = p(&["test", "--timeout", "5", "--accel=tcg", "--release"])
        else {
            panic!()
        };
        assert_eq!(a.timeout, Duration::from_secs(5));
        assert!(a.release);
        let Ok(Command::Test(a)) = p(&["test"]) else {
            panic!()
        };
        assert_eq!(a.timeout, DEFAULT_TIMEOUT);
        assert_eq!(a.accel, Accel::Tcg);
    }

    #[test]
    fn exec_flags_and_program() {
        let Ok(Command::Exec(a)) = p(&[
            "exec",
            "--root",
            "/r1",
            "--trace",
            "--root=/r2",
            "--stdio=pipe",
            "--memory=1024",
            "--",
            "/bin/echo",
            "a b",
            "--root",
        ]) else {
            panic!()
        };
        let top = |d: &str| crate::cmd_exec::RootSpec {
            dir: d.into(),
            at: "/".into(),
        };
        assert_eq!(a.roots, [top("/r1"), top("/r2")]);
        assert_eq!(a.argv, ["/bin/echo", "a b", "--root"]);
        assert!(a.trace && !a.verbose);
        assert_eq!(a.stdio, Some(crate::cmd_exec::Stdio::Pipes));
        assert_eq!(a.memory_mib, Some(1024));
        assert!(p(&["exec", "--memory", "lots", "/bin/x"]).is_err());
        assert!(p(&["exec", "--memory", "99999999999", "/bin/x"]).is_err());
        assert!(p(&["exec", "--stdio", "file", "/bin/x"]).is_err());
        assert!(p(&["exec"]).is_err());
        assert!(p(&["exec", "--"]).is_err());
    }

    #[test]
    fn abi_test_flags() {
        let Ok(Command::AbiTest(a)) = p(&["abi-test", "--abi", "native-v1", "pipe", "--timeout=9"])
        else {
            panic!()
        };
        assert_eq!(a.abi.as_deref(), Some("native-v1"));
        assert_eq!(a.filter.as_deref(), Some("pipe"));
        assert_eq!(a.timeout, Duration::from_secs(9));
        assert!(!a.build_only);
        let Ok(Command::AbiTest(a)) = p(&["abi-test", "--build-only", "--abi=freebsd4-i386"])
        else {
            panic!()
        };
        assert!(a.build_only);
        assert_eq!(a.abi.as_deref(), Some("freebsd4-i386"));
        assert!(p(&["abi-test", "--build-only=yes"]).is_err());
        assert!(p(&["abi-test", "a", "b"]).is_err());
        assert!(p(&["abi-test", "--abi"]).is_err());
    }

    #[test]
    fn fuzz_flags() {
        let Ok(Command::Fuzz(a)) = p(&[
            "fuzz",
            "--abi",
            "freebsd4-i386",
            "--seed=7",
            "--iterations",
            "20000",
        ]) else {
            panic!()
        };
        assert_eq!(a.abi, "freebsd4-i386");
        assert_eq!((a.seed, a.iterations, a.procs), (7, 20000, 4));
        assert_eq!(p(&["fuzz"]), Ok(Command::Fuzz(Default::default())));
        assert!(p(&["fuzz", "--seed", "x"]).is_err());
    }

    #[test]
    fn fuzz_exec_flags() {
        let Ok(Command::FuzzExec(a)) = p(&["fuzz-exec", "--seed=9", "--count", "50"]) else {
            panic!()
        };
        assert_eq!((a.seed, a.count, a.timeout), (9, 50, None));
        assert_eq!(p(&["fuzz-exec"]), Ok(Command::FuzzExec(Default::default())));
        assert_eq!(
            p(&["fuzz-elf", "--seconds", "900"]),
            Ok(Command::FuzzElf(crate::cmd_fuzz_elf::FuzzElfArgs {
                seconds: 900
            }))
        );
        assert!(p(&["fuzz-elf", "--seconds=0"]).is_err());
        assert!(p(&["fuzz-exec", "--abi", "native-v1"]).is_err());
    }

    #[test]
    fn errors() {
        assert!(p(&[]).is_err());
        assert!(p(&["frob"]).is_err());
        assert!(p(&["run", "--accel"]).is_err());
        assert!(p(&["run", "--accel", "hvf"]).is_err());
        assert!(p(&["test", "--timeout", "0"]).is_err());
        assert!(p(&["build", "--release=yes"]).is_err());
        assert!(p(&["build", "--bogus"]).is_err());
        assert_eq!(
            p(&["build", "--release"]),
            Ok(Command::Build(BuildArgs { release: true }))
        );
        assert_eq!(p(&["--help"]), Ok(Command::Help));
    }
}
