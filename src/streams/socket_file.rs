//! The file a Unix server's socket lives at. asyncio's `start_unix_server` removes a stale
//! socket file before it binds, and (3.13's `cleanup_socket=True`) removes its own file when
//! the server closes, if the file at the path is still the one it made.
//!
//! One difference, deliberate: asyncio removes any socket file at the path, even one a live
//! server listens on, which silently takes that server's address away. Here a file is stale
//! only when connecting to it is refused; a live server's path stays an `AddrInUse` error.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::SocketAddr;
use std::path::{Path, PathBuf};

use socket2::{Domain, SockAddr, Socket, Type};

use super::listen::Listen;
use super::reader::StreamReader;
use super::writer::StreamWriter;
use crate::net::{OwnedWriteHalf, UnixListener, UnixStream};

/// A Unix server's listening socket, with the file it removes when it is dropped.
pub(super) struct UnixServerSocket {
    listener: UnixListener,
    /// The file to remove at drop: `None` without cleanup, or on an abstract path.
    file: Option<SocketFile>,
}

/// The socket file a server made, named by its device and inode, so a file someone else put
/// at the path since is never removed.
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl UnixServerSocket {
    /// Binds a listening socket at `path` as asyncio's `start_unix_server` does: a stale socket
    /// file there is removed first, and with `cleanup` the new file is removed again when the
    /// socket is dropped. A path in the abstract namespace (a leading NUL) has no file.
    pub(super) fn bind(path: &Path, cleanup: bool) -> io::Result<UnixServerSocket> {
        let listener = match UnixListener::bind(path) {
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && is_stale_socket_file(path) => {
                // Nobody listens: the file is a dead server's. A race with another process
                // clearing it too leaves the file gone either way.
                match std::fs::remove_file(path) {
                    Ok(()) => {}
                    Err(gone) if gone.kind() == io::ErrorKind::NotFound => {}
                    Err(_) => return Err(e),
                }
                UnixListener::bind(path)?
            }
            bound => bound?,
        };
        let file = if cleanup && !is_abstract(path) {
            // Whatever fails here only means there is no file to clean up.
            std::fs::metadata(path).ok().map(|made| SocketFile {
                path: path.to_path_buf(),
                dev: made.dev(),
                ino: made.ino(),
            })
        } else {
            None
        };
        Ok(UnixServerSocket { listener, file })
    }
}

impl Drop for UnixServerSocket {
    fn drop(&mut self) {
        // Before the listener closes (after this body): while the socket is open nobody else
        // can have bound the path without first removing this file, which the inode would show.
        if let Some(file) = self.file.take() {
            file.remove_if_still_ours();
        }
    }
}

impl SocketFile {
    fn remove_if_still_ours(self) {
        let still_ours = std::fs::metadata(&self.path)
            .is_ok_and(|now| now.dev() == self.dev && now.ino() == self.ino);
        if still_ours {
            // Nothing to tell anyone if this fails: the file stays, as it would without cleanup.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether a socket file is at `path` that no socket listens on: a connection to it is
/// refused. Anything else — a file that is not a socket, a server that answers or whose
/// backlog is full, a directory we may not search — is not stale.
fn is_stale_socket_file(path: &Path) -> bool {
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    if !is_socket {
        return false;
    }
    // Non-blocking, so a live server's full backlog answers `WouldBlock` instead of stalling
    // the loop.
    let Ok(probe) = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None) else {
        return false;
    };
    let refused = SockAddr::unix(path).and_then(|addr| probe.connect(&addr));
    matches!(refused, Err(e) if e.kind() == io::ErrorKind::ConnectionRefused)
}

/// Whether `path` names a socket in Linux's abstract namespace, which has no file.
fn is_abstract(path: &Path) -> bool {
    !matches!(path.as_os_str().as_encoded_bytes().first(), Some(&b) if b != 0)
}

impl Listen for UnixServerSocket {
    type Addr = SocketAddr;
    type Transport = OwnedWriteHalf<UnixStream>;
    const API: &'static str = "start_unix_server";

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }

    async fn accept_streams(
        &self,
        limit: usize,
    ) -> io::Result<(StreamReader, StreamWriter<Self::Transport>)> {
        let (stream, _peer) = self.listener.accept().await?;
        Ok(super::unix::unix_streams_of(stream, limit))
    }
}
