import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `logdumpfs status MOUNTPOINT` finds a daemon's control socket: a small JSON file
/// the daemon writes while mounted, in the run directory (`/run/logdumpfs` for root,
/// else `$XDG_RUNTIME_DIR/logdumpfs`), named after the mountpoint's path. Nothing is
/// added to the mounted tree, and `status` never touches the mount itself.
public struct MountRecord: Codable, Equatable, Sendable {
    public var mountpoint: String
    public var socket: String
    public var pid: Int32

    public init(mountpoint: String, socket: String, pid: Int32) {
        (self.mountpoint, self.socket, self.pid) = (mountpoint, socket, pid)
    }

    /// Why a record cannot be written or found: one sentence.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The run directory for this user.
    public static func runDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if geteuid() == 0 { return "/run/logdumpfs" }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return "\(runtime)/logdumpfs" }
        return "/tmp/logdumpfs-\(geteuid())"
    }

    /// `path` made absolute, its parent's symlinks resolved; the last part is kept as
    /// typed, so a mountpoint is never stat'ed through its mount.
    public static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var trimmed = absolute
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let parent = (trimmed as NSString).deletingLastPathComponent
        let name = (trimmed as NSString).lastPathComponent
        guard let resolved = realpath(parent, nil) else { return trimmed }
        defer { free(resolved) }
        let base = String(cString: resolved)
        return base == "/" ? "/\(name)" : "\(base)/\(name)"
    }

    /// The record's file for `mountpoint` (canonical): a hash of the path, so any path fits.
    public static func file(for mountpoint: String, in directory: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a
        for byte in mountpoint.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(directory)/mount-\(String(hash, radix: 16)).json"
    }

    /// Writes the record (replacing a crashed daemon's) in a private run directory it
    /// makes if need be; returns the file's path.
    /// Records of daemons that have died (killed outright, they could not remove theirs)
    /// are removed first, with their sockets.
    public func write(in directory: String) throws(Failure) -> String {
        try Self.prepare(directory)
        Self.removeRecordsOfDeadDaemons(in: directory)
        let path = Self.file(for: mountpoint, in: directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Failure(description: "cannot write \(path): \(error.localizedDescription)")
        }
        return path
    }

    /// Makes the run directory (0700) if need be, and refuses one that is not this user's
    /// alone: a socket or record there must not be someone else's to replace.
    public static func prepare(_ directory: String) throws(Failure) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw Failure(description: "cannot make \(directory): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid(),
              status.st_mode & 0o022 == 0 else {
            throw Failure(description: "\(directory) is not a private directory of this user")
        }
    }

    private static func removeRecordsOfDeadDaemons(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("mount-") && name.hasSuffix(".json") {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path),
                  let record = try? JSONDecoder().decode(MountRecord.self, from: data),
                  kill(record.pid, 0) != 0 && errno == ESRCH else { continue }
            unlink(path)
            unlink(path.replacingOccurrences(of: ".json", with: ".sock")) // a socket without a disk cache
        }
    }

    /// The record of the daemon mounted on `mountpoint`, or one sentence saying why there is none.
    public static func find(mountpoint: String, in directory: String) throws(Failure) -> MountRecord {
        let canonical = canonical(mountpoint)
        guard isLogDumpMount(canonical) else {
            throw Failure(description: "\(mountpoint) is not a logdumpfs mount: no daemon to ask")
        }
        let path = file(for: canonical, in: directory)
        guard let data = FileManager.default.contents(atPath: path),
              let record = try? JSONDecoder().decode(MountRecord.self, from: data), record.mountpoint == canonical else {
            throw Failure(description: "the logdumpfs daemon on \(mountpoint) left no status record in \(directory) (started by another user, or without statistics)")
        }
        return record
    }

    /// Whether /proc/mounts lists a fuse.logdumpfs mount at `path`.
    static func isLogDumpMount(_ path: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[2] == "fuse.logdumpfs" else { return false }
            return unescapeMountField(String(fields[1])) == path
        }
    }

    /// /proc/mounts writes space, tab, newline and backslash as octal escapes.
    static func unescapeMountField(_ field: String) -> String {
        field.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
            .replacingOccurrences(of: "\\012", with: "\n").replacingOccurrences(of: "\\134", with: "\\")
    }
}
