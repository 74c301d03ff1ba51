import CFuse3
import Foundation
import Glibc
import LogDump
import Synchronization

/// Why a mount could not start.
public struct MountError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// How the mount shows itself to the system (`-o` options users expect).
public struct MountSettings: Sendable {
    /// Let users other than the one who mounted see the files (needs root, or
    /// user_allow_other in /etc/fuse.conf).
    public var allowOther = false
    /// Largest read request the kernel sends; libfuse wants init to agree with `-o max_read`.
    public var fsName = "logdumpfs"
    public var debug = false
    public init() {}
}

/// One mounted session of libfuse: mounts, serves on libfuse's worker threads until
/// unmounted, and unmounts when asked from another thread (a signal handler thread).
public final class FuseMount: @unchecked Sendable {
    /// The largest read request the kernel is asked to send.
    static let maxRequest = 1 << 20
    /// The kernel's readahead for this mount once root raises it (the default is 128 KiB,
    /// which makes every request 128 KiB). 1 MiB, one full request: in paired runs of a
    /// 1 GiB `cat`, 2 MiB was within noise of it warm and cold, and 4 MiB was 7% slower warm
    /// than 2 MiB (medians of 5: 1818 vs 1959 MB/s).
    static let readAheadKiB = 1024

    public let mountpoint: String
    private let context: FuseContext
    private let settings: MountSettings
    private var session: OpaquePointer?
    /// Guards `session` for `invalidate`, which runs on a thread of its own.
    private let sessionLock = NSLock()
    private let unmounting = Atomic<Bool>(false)
    private let serving = Atomic<Bool>(false)
    /// Called once the session ends, however it ends, before libfuse waits for its
    /// workers: a worker still waiting for a download must be let go, or the process
    /// lingers until that wait's deadline.
    private let ending: @Sendable () -> Void

    /// `mountpoint` is resolved here, before anything is mounted on it: once mounted,
    /// resolving it would call into this filesystem, and before the loop serves that
    /// call never returns.
    public init(fileSystem: FileSystem, mountpoint: String, settings: MountSettings = MountSettings(),
                whenEnding ending: @escaping @Sendable () -> Void = {}) {
        self.ending = ending
        self.context = FuseContext(fileSystem)
        self.mountpoint = realpath(mountpoint, nil).map { resolved in
            defer { free(resolved) }
            return String(cString: resolved)
        } ?? mountpoint
        self.settings = settings
    }

    /// Mounts and serves until the filesystem is unmounted (by `unmount()`, fusermount3 -u
    /// or umount). Call it on a thread that may block for the mount's lifetime.
    /// `whenMounted` runs once the kernel has the mount, just before it is served.
    public func run(whenMounted: () -> Void = {}) throws(MountError) {
        ldfs_tune_malloc()
        var options = ["ro", "default_permissions", "fsname=\(settings.fsName)", "subtype=logdumpfs",
                       "max_read=\(Self.maxRequest)"]
        if settings.allowOther { options.append("allow_other") }
        var argv = ["logdumpfs", "-o", options.joined(separator: ",")]
        if settings.debug { argv.append("-d") }
        var cArgs = argv.map { strdup($0) }
        defer { cArgs.forEach { free($0) } }
        var ops = FuseOperations.table()
        let userdata = Unmanaged.passRetained(context).toOpaque()
        defer { Unmanaged<FuseContext>.fromOpaque(userdata).release() }

        let session: OpaquePointer? = cArgs.withUnsafeMutableBufferPointer { buffer in
            var args = fuse_args(argc: Int32(buffer.count), argv: buffer.baseAddress, allocated: 0)
            defer { fuse_opt_free_args(&args) }
            return ldfs_session_new(&args, &ops, userdata)
        }
        guard let session else { throw MountError("libfuse refused the mount options \(options.joined(separator: ","))") }
        defer { fuse_session_destroy(session) }
        guard fuse_session_mount(session, mountpoint) == 0 else {
            throw MountError("cannot mount on \(mountpoint): libfuse's message above says why (permission? /dev/fuse? allow_other without user_allow_other?)")
        }
        sessionLock.withLock { self.session = session }
        defer { sessionLock.withLock { self.session = nil } }
        whenMounted()
        Log.info("mounted on \(mountpoint)")
        raiseReadAhead()
        let config = fuse_loop_cfg_create()
        fuse_loop_cfg_set_max_threads(config, 256)
        fuse_loop_cfg_set_idle_threads(config, 16)
        serving.store(true, ordering: .sequentiallyConsistent)
        watchForTheEnd()
        let status = ldfs_session_loop_mt(session, config)
        serving.store(false, ordering: .sequentiallyConsistent)
        fuse_loop_cfg_destroy(config)
        fuse_session_unmount(session)
        Log.info("unmounted \(mountpoint)\(status == 0 ? "" : " (loop status \(status))")")
    }

    /// Ends the mount from any thread. Tries a plain unmount first; if a program keeps it
    /// busy, detaches it, and after `grace` ends the FUSE connection so the daemon exits
    /// anyway: through fusectl's abort file where it is mounted (the loop then returns and
    /// cleans up), else by ending the process, which closes /dev/fuse.
    public func unmount(grace: Duration = .seconds(5)) {
        guard !unmounting.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let connection = Self.connectionID(of: mountpoint)
        if let session { fuse_session_exit(session) }
        if Self.unmount(mountpoint, lazy: false) { return }
        Log.warning("\(mountpoint) is busy: detached it; open files keep working for \(grace)")
        _ = Self.unmount(mountpoint, lazy: true)
        Thread.detachNewThread { [self] in
            sleepFor(grace)
            guard serving.load(ordering: .sequentiallyConsistent) else { return }
            let abort = "/sys/fs/fuse/connections/\(connection ?? "?")/abort"
            if connection != nil, FileManager.default.fileExists(atPath: abort) {
                Log.warning("files still open after \(grace): aborting the FUSE connection")
                try? "1".write(toFile: abort, atomically: false, encoding: .utf8)
                sleepFor(.seconds(2))
                guard serving.load(ordering: .sequentiallyConsistent) else { return }
            }
            Log.warning("files still open after \(grace): exiting, which closes the FUSE connection")
            _exit(0)
        }
    }

    /// Tells the kernel to forget what a catalog swap changed: the names and the
    /// attributes (and cached pages) of the inodes. Call it after the swap, never from a
    /// FUSE request callback: the kernel may wait for a request in this directory to
    /// finish before it answers. Does nothing before the mount serves or after it ends.
    public func invalidate(_ changes: CatalogChanges) {
        sessionLock.withLock {
            guard let session, serving.load(ordering: .sequentiallyConsistent) else { return }
            for change in changes.names {
                // ENOENT: the kernel did not hold the name. Nothing to do either way.
                _ = change.name.withCString { name in
                    fuse_lowlevel_notify_inval_entry(session, change.parent.rawValue, name, strlen(name))
                }
            }
            for inode in changes.inodes {
                _ = fuse_lowlevel_notify_inval_inode(session, inode.rawValue, 0, 0)
            }
        }
    }

    /// Calls `ending` as soon as the session has exited: by `unmount()`, fusermount3 -u,
    /// umount or an aborted connection. libfuse's loop then waits for every worker to
    /// finish its request, and some may be waiting for the network. Polled: libfuse 3.14
    /// tells of the exit by no other means before those waits end.
    private func watchForTheEnd() {
        Thread.detachNewThread { [self] in
            while serving.load(ordering: .sequentiallyConsistent) {
                if let session, fuse_session_exited(session) != 0 {
                    Log.debug("the FUSE session ended: stopping downloads")
                    return ending()
                }
                sleepFor(.milliseconds(100))
            }
        }
    }

    /// Sequential reads through the page cache go as fast as the kernel's readahead lets
    /// them: raise it from 128 KiB, as root can, through the mount's bdi in sysfs.
    private func raiseReadAhead() {
        guard geteuid() == 0, let device = Self.deviceNumber(of: mountpoint) else { return }
        let path = "/sys/class/bdi/\(device)/read_ahead_kb"
        do {
            try "\(Self.readAheadKiB)".write(toFile: path, atomically: false, encoding: .utf8)
            Log.debug("readahead of \(mountpoint) raised to \(Self.readAheadKiB) KiB")
        } catch {
            Log.debug("cannot raise the readahead of \(mountpoint) (\(path)): \(error)")
        }
    }

    private static func unmount(_ mountpoint: String, lazy: Bool) -> Bool {
        if geteuid() == 0 {
            return umount2(mountpoint, lazy ? Int32(MNT_DETACH) : 0) == 0
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/fusermount3")
        process.arguments = lazy ? ["-u", "-z", "-q", mountpoint] : ["-u", "-q", mountpoint]
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }

    /// The FUSE connection number: the mount's minor device number.
    static func connectionID(of mountpoint: String) -> String? {
        deviceNumber(of: mountpoint)?.split(separator: ":").last.map(String.init)
    }

    /// The mount's "major:minor" from /proc/self/mountinfo: reading it does not call
    /// into the filesystem (a stat of the mountpoint would, and before the loop serves,
    /// never return). `mountpoint` must be resolved already.
    static func deviceNumber(of mountpoint: String) -> String? {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        // mountinfo escapes space, tab, newline and backslash as octal.
        var target = ""
        for character in mountpoint {
            switch character {
            case " ": target += "\\040"
            case "\t": target += "\\011"
            case "\n": target += "\\012"
            case "\\": target += "\\134"
            default: target.append(character)
            }
        }
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4] == target else { continue }
            return String(fields[2])
        }
        return nil
    }
}
