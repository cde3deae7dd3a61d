//! A small seccomp filter for commands, built in the parent and installed in the child:
//! no kernel keyring (`keyctl`, `add_key`, `request_key`: the linux-native keyring backend
//! keeps sapcode's client secret there), no typing into a terminal (`ioctl` `TIOCSTI`,
//! `TIOCLINUX`), and no change to the mounts that hide secrets and keep `.git` read-only
//! (Landlock forbids that too; this holds where Landlock is missing). A foreign system call
//! ABI (32-bit or x32 calls on a 64-bit kernel) is refused as a whole, since the numbers
//! above mean other calls there.

/// The compiled filter: instructions for `PR_SET_SECCOMP`.
pub struct Filter {
    program: Vec<libc::sock_filter>,
}

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xC000_00B7;
/// x32 system calls on x86_64 carry this bit in their number.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

const TIOCSTI: u32 = 0x5412;
const TIOCLINUX: u32 = 0x541C;

// Offsets in `struct seccomp_data`: nr (u32), arch (u32), instruction pointer (u64), args.
const NR: u32 = 0;
const ARCH: u32 = 4;
/// The low 32 bits of the second argument (little endian): `ioctl`'s request.
const ARG1_LOW: u32 = 16 + 8;

const DENIED_CALLS: &[libc::c_long] = &[
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
];

fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

/// `if A == k` skip `jt` instructions, else `jf`.
fn jump_eq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// The filter for this architecture, `None` where it is not written for one.
pub fn filter() -> Option<Filter> {
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    return None;
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    Some(Filter { program: program() })
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn program() -> Vec<libc::sock_filter> {
    let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;
    let allow = stmt(ret, libc::SECCOMP_RET_ALLOW);
    let deny = stmt(ret, libc::SECCOMP_RET_ERRNO | libc::EPERM as u32);
    let mut p = vec![
        stmt(load, ARCH),
        jump_eq(AUDIT_ARCH, 1, 0),
        deny,
        stmt(load, NR),
        // nr >= X32_SYSCALL_BIT: a foreign ABI.
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16,
            jt: 0,
            jf: 1,
            k: X32_SYSCALL_BIT,
        },
        deny,
    ];
    for call in DENIED_CALLS {
        // A system call number always fits; an impossible one is never matched.
        let nr = u32::try_from(*call).unwrap_or(u32::MAX);
        p.push(jump_eq(nr, 0, 1));
        p.push(deny);
    }
    let ioctl = u32::try_from(libc::SYS_ioctl).unwrap_or(u32::MAX);
    p.extend([
        jump_eq(ioctl, 0, 5),
        stmt(load, ARG1_LOW),
        jump_eq(TIOCSTI, 2, 0),
        jump_eq(TIOCLINUX, 1, 0),
        allow,
        deny,
        allow,
    ]);
    p
}

impl Filter {
    /// Installs the filter on the calling thread. Runs between fork and exec: no
    /// allocation. Sets `no_new_privs`, which an unprivileged filter needs.
    pub fn install(&self) -> Result<(), i32> {
        let program = libc::sock_fprog {
            len: u16::try_from(self.program.len()).unwrap_or(u16::MAX),
            filter: self.program.as_ptr().cast_mut(),
        };
        // SAFETY: plain prctl calls; `program` points at instructions that live in `self`
        // for the duration of the call (the kernel copies them).
        let ok = unsafe {
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
                && libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &raw const program,
                ) == 0
        };
        if ok { Ok(()) } else { Err(super::errno()) }
    }
}
