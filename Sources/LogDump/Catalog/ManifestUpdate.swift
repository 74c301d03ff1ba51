#if canImport(Glibc)
import Glibc
#endif

/// Adds exports to a manifest file while mounts read it and other `export` runs add to
/// it too. Under an exclusive lock on a sibling lock file (`<manifest>.lock`, kept: a
/// lock on the manifest itself would not hold once the manifest is replaced by rename),
/// it reads and validates the current manifest, appends the new entries, keeps every
/// other entry and top-level field as written, validates the result, and replaces the
/// file by a temporary file in the same directory (same mode and owner), fsynced and
/// renamed, so a reader sees the old manifest or the new one, never a part.
public struct ManifestUpdate: Sendable {
    /// The manifest as given; a symbolic link is followed, and its target replaced.
    public let path: String
    /// The top-level `endpoint` of a manifest created because none exists yet.
    public let endpointForNewManifest: Endpoint?
    /// How long to wait for another writer's lock before giving up.
    public let lockTimeout: Duration

    public init(path: String, endpointForNewManifest: Endpoint?, lockTimeout: Duration = .seconds(60)) {
        self.path = path
        self.endpointForNewManifest = endpointForNewManifest
        self.lockTimeout = lockTimeout
    }

    /// Adds each entry the manifest does not list yet (same project, server and export
    /// ID), in order; returns those it added. An entry's endpoint is written only when it
    /// differs from the manifest's default. Nothing is written when the current manifest
    /// does not validate, or the result would not.
    @discardableResult
    public func add(_ additions: [ExportEntry]) throws(ManifestError) -> [ExportEntry] {
        let target = Self.resolved(path)
        let lock = try lockExclusively(target + ".lock")
        defer { close(lock) }

        var existing = stat()
        let exists = stat(target, &existing) == 0
        guard exists || errno == ENOENT else { throw failure("cannot read: \(Errno(errno))") }
        var members: [JSONMember]
        var listed: Set<ExactKey> = []
        var defaultEndpoint = endpointForNewManifest
        if exists {
            let bytes: [UInt8]
            switch ManifestFile.contents(of: target) {
            case .success(let contents): bytes = contents
            case .failure(let problem): throw failure("\(problem)")
            }
            let current = try Manifest.parse(bytes, origin: path)
            listed = Set(current.entries.map { ExactKey($0.key) })
            defaultEndpoint = current.endpoint
            guard case .object(let parsed)? = try? JSONParser.parse(bytes) else { throw failure("top level must be an object") }
            members = parsed
        } else {
            members = defaultEndpoint.map { [JSONMember(key: "endpoint", value: .string($0.url))] } ?? []
            members.append(JSONMember(key: "exports", value: .array([])))
        }

        var added: [ExportEntry] = []
        var items: [JSONValue] = []
        for entry in additions where listed.insert(ExactKey(entry.key)).inserted {
            added.append(entry)
            items.append(Self.json(entry, defaultEndpoint: defaultEndpoint))
        }
        guard !added.isEmpty else { return [] }
        guard let index = members.firstIndex(where: { $0.key == "exports" }),
              case .array(let current) = members[index].value else { throw failure("missing required field \"exports\"") }
        members[index].value = .array(current + items)

        let text = Array(JSONWriter.manifestLayout(.object(members)).utf8)
        do {
            _ = try Manifest.parse(text, origin: path)
        } catch {
            throw ManifestError(origin: path, index: error.index, key: error.key, path: error.path,
                                message: "\(error.message) (nothing written)")
        }
        try replace(target, with: text, like: exists ? existing : nil)
        return added
    }

    /// An entry as the manifest writes it: IDs, then what is known.
    static func json(_ entry: ExportEntry, defaultEndpoint: Endpoint?) -> JSONValue {
        var members = [JSONMember(key: "project_id", value: .string(entry.key.projectID)),
                       JSONMember(key: "server_id", value: .string(entry.key.serverID)),
                       JSONMember(key: "export_id", value: .string(entry.key.exportID))]
        if let size = entry.size { members.append(JSONMember(key: "size", value: .number(String(size)))) }
        if let created = entry.createdAt { members.append(JSONMember(key: "created_at", value: .string(created.rfc3339))) }
        if let name = entry.serverName { members.append(JSONMember(key: "server_name", value: .string(name))) }
        if entry.endpoint != defaultEndpoint {
            members.append(JSONMember(key: "endpoint", value: .string(entry.endpoint.url)))
        }
        return .object(members)
    }

    private func failure(_ message: String) -> ManifestError {
        ManifestError(origin: path, message: message)
    }

    /// The file a symbolic link names, so that the link stays and its target is replaced.
    private static func resolved(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK,
              let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    private func lockExclusively(_ lockPath: String) throws(ManifestError) -> Int32 {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure("cannot open the lock file \(lockPath.quotedForLog()): \(Errno(errno))") }
        let deadline = MonotonicInstant.now().advanced(by: lockTimeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            guard error == EWOULDBLOCK || error == EINTR, MonotonicInstant.now() < deadline else {
                close(fd)
                throw failure(error == EWOULDBLOCK ? "another writer held \(lockPath.quotedForLog()) for too long"
                                                   : "cannot lock \(lockPath.quotedForLog()): \(Errno(error))")
            }
            sleepFor(.milliseconds(10))
        }
        return fd
    }

    /// Writes `bytes` to a new file beside `target` and renames it over `target`.
    private func replace(_ target: String, with bytes: [UInt8], like old: stat?) throws(ManifestError) {
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
        let base = slash.map { String(target[target.index(after: $0)...]) } ?? target
        let temporary = "\(directory)/.\(base).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        // A new manifest gets the umask's mode; a replaced one keeps its mode and owner.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, old == nil ? 0o666 : 0o600)
        guard fd >= 0 else { throw failure("cannot create \(temporary.quotedForLog()): \(Errno(errno))") }
        var problem: String? = nil
        if let old {
            _ = fchown(fd, old.st_uid, old.st_gid)
            if fchmod(fd, old.st_mode & 0o7777) != 0 { problem = "cannot set its mode: \(Errno(errno))" }
        }
        var written = 0
        while problem == nil && written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if count < 0 && errno != EINTR { problem = "cannot write: \(Errno(errno))" }
            if count > 0 { written += count }
        }
        if problem == nil && fsync(fd) != 0 { problem = "cannot sync: \(Errno(errno))" }
        if close(fd) != 0 && problem == nil { problem = "cannot write: \(Errno(errno))" }
        if problem == nil && rename(temporary, target) != 0 { problem = "cannot replace it: \(Errno(errno))" }
        if let problem {
            unlink(temporary)
            throw failure(problem + " (not changed)")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
