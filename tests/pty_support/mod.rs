//! Running the real binary in a pseudo-terminal for the pty tests: the HOME, XDG dirs and
//! the file keyring kept in a temp dir, and the terminal's output read on a thread into a
//! channel (a read on the pty blocks).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// A spawned program on a pty: what it writes, its input, the child, and the master end,
/// which must live as long as the child.
pub struct Pty {
    pub output: Receiver<Vec<u8>>,
    pub input: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub master: Box<dyn portable_pty::MasterPty + Send>,
}

/// Points HOME, the XDG dirs and the keyring of `cmd` at `home`, never the user's own.
pub fn keep_in(cmd: &mut CommandBuilder, home: &Path) {
    cmd.env("HOME", home);
    for (var, dir) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
    ] {
        cmd.env(var, home.join(dir));
    }
    cmd.env("SAPCODE_KEYRING", "file");
}

/// Starts `cmd` on a `rows`×`cols` pty.
pub fn spawn(cmd: CommandBuilder, rows: u16, cols: u16) -> Pty {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let (tx, output) = channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        return;
                    }
                }
            }
        }
    });
    Pty {
        output,
        input: pty.master.take_writer().unwrap(),
        child,
        master: pty.master,
    }
}
