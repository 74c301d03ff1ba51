import Foundation
import Glibc
import LogDump

/// Calls `reload` when the manifest file changes: replaced by a rename over it (how
/// editors and `logdumpfs export` write it), or written in place and closed. It
/// watches the file's directory with inotify, since a rename gives the name a new
/// inode that a watch on the file would miss. Events in a burst are taken together:
/// `reload` runs once the directory has been quiet for `settleMilliseconds`. `reloadNow()` (SIGHUP)
/// asks for one at once. Everything runs on one thread of its own.
final class ManifestWatcher: @unchecked Sendable {
    static let settleMilliseconds: Int32 = 50

    private let directory: String
    private let fileName: String
    private let reload: @Sendable () -> Void
    private let inotify: Int32
    /// Written to wake the thread: "r" reloads, "q" stops it.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Starts watching `path` (absolute or relative to the working directory). Without
    /// inotify (no watches left), changes are only seen on SIGHUP, and a warning says so.
    init(path: String, reload: @escaping @Sendable () -> Void) {
        let absolutePath = absolute(path)
        directory = (absolutePath as NSString).deletingLastPathComponent
        fileName = (absolutePath as NSString).lastPathComponent
        self.reload = reload
        var pipeEnds: [Int32] = [0, 0]
        if pipe(&pipeEnds) == 0 {
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        } else {
            pipeEnds = [-1, -1]
        }
        (wakeRead, wakeWrite) = (pipeEnds[0], pipeEnds[1])
        inotify = inotify_init1(Int32(IN_CLOEXEC))
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)
        if inotify < 0 || inotify_add_watch(inotify, directory, mask) < 0 {
            Log.warning("cannot watch \(directory.escapedForLog()) for changes of the manifest (\(Errno(errno))): send SIGHUP to reload it")
        }
        Thread.detachNewThread { [self] in serve() }
    }

    /// Reloads as soon as the thread gets to it.
    func reloadNow() { wake("r") }

    /// Stops the thread; a reload under way finishes first.
    func stop() { wake("q") }

    private func wake(_ letter: Character) {
        var byte = letter.asciiValue!
        _ = write(wakeWrite, &byte, 1)
    }

    private func serve() {
        // The pipe stays open: a late SIGHUP may still write to it.
        defer { if inotify >= 0 { close(inotify) } }
        var due = false  // a change was seen; reload once things settle
        while true {
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, nfds_t(inotify >= 0 ? 2 : 1), due ? Self.settleMilliseconds : -1)
            if ready < 0 { if errno == EINTR { continue } else { return } }
            if ready == 0 {
                due = false
                reload()
                continue
            }
            if fds[0].revents != 0 {
                var byte: UInt8 = 0
                guard read(wakeRead, &byte, 1) == 1, byte != UInt8(ascii: "q") else { return }
                due = false
                reload()
            }
            if inotify >= 0, fds[1].revents != 0, readEvents() { due = true }
        }
    }

    /// Reads the pending events; true when one names the manifest.
    private func readEvents() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        var named = false
        let wanted = Array(fileName.utf8)
        buffer.withUnsafeBytes { raw in
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[]; }
                let length = Int(raw.loadUnaligned(fromByteOffset: offset + header - 4, as: UInt32.self))
                let name = raw[(offset + header)..<min(count, offset + header + length)].prefix { $0 != 0 }
                if name.elementsEqual(wanted) { named = true }
                offset += header + length
            }
        }
        return named
    }
}
