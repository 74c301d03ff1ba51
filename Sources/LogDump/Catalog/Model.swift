/// The three IDs that name one export. Each is one path segment: validated by the
/// manifest parser (no `/`, `.`/`..`, NUL or control characters).
public struct ExportKey: Hashable, Sendable, CustomStringConvertible {
    public let projectID: String
    public let serverID: String
    public let exportID: String

    public init(projectID: String, serverID: String, exportID: String) {
        self.projectID = projectID
        self.serverID = serverID
        self.exportID = exportID
    }

    /// Why `id` cannot be a project, server or export ID (one path segment of a URL and of
    /// the tree), or nil when it can: the manifest's own rule, for IDs typed elsewhere.
    public static func problem(with id: String) -> String? { ManifestValidator.idProblem(id) }

    /// The file's path below the mountpoint.
    public var path: String { "/\(projectID)/\(serverID)/exports/\(exportID).tar.gz" }
    public var description: String { "project \(projectID), server \(serverID), export \(exportID)" }

    // Byte-wise, as the catalog compares IDs: String's == treats canonically equivalent
    // spellings ("é" and "e" + accent) as equal, which would let two exports share blocks.
    public static func == (a: ExportKey, b: ExportKey) -> Bool {
        bytesEqual(a.exportID, b.exportID) && bytesEqual(a.serverID, b.serverID) && bytesEqual(a.projectID, b.projectID)
    }

    public func hash(into hasher: inout Hasher) {
        Self.combine(projectID, into: &hasher)
        Self.combine(serverID, into: &hasher)
        Self.combine(exportID, into: &hasher)
    }

    /// The ID's UTF-8 bytes and their count, fed in one call where the bytes are
    /// contiguous (a byte at a time costs a hasher round each).
    private static func combine(_ id: String, into hasher: inout Hasher) {
        hasher.combine(id.utf8.count)
        let done: Void? = id.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in id.utf8 { hasher.combine(byte) } }
    }
}

/// A validated http(s) base URL such as `https://clouddc.cn-east-3.myhuaweicloud.com`,
/// kept without a trailing slash.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public let url: String
    /// Trusts its argument: parse with `Endpoint.parse` when it comes from outside.
    public init(validated url: String) { self.url = url }
    public var description: String { url }
}

/// Seconds since the Unix epoch, as stat(2) shows them.
public struct Timestamp: Hashable, Sendable, Comparable {
    public var seconds: Int64
    public var nanoseconds: Int32
    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
    public static let epoch = Timestamp(seconds: 0)
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// One export as the manifest lists it, with its endpoint resolved. A class, immutable:
/// the tree, the reader and a reload's comparison pass entries around by the hundred
/// thousand, and one reference is far cheaper to copy than its six strings.
public final class ExportEntry: Hashable, Sendable {
    public let key: ExportKey
    public let endpoint: Endpoint
    /// Bytes, when the manifest says; otherwise learned by a size probe.
    public let size: UInt64?
    public let createdAt: Timestamp?
    /// The server's name for people (its ID is a UUID), when the manifest knows it.
    public let serverName: String?

    public init(key: ExportKey, endpoint: Endpoint, size: UInt64?, createdAt: Timestamp?, serverName: String? = nil) {
        self.key = key
        self.endpoint = endpoint
        self.size = size
        self.createdAt = createdAt
        self.serverName = serverName
    }

    /// Where its bytes are downloaded from.
    public var location: ExportLocation { ExportLocation(endpoint: endpoint, key: key) }

    public static func == (a: ExportEntry, b: ExportEntry) -> Bool {
        a === b || (a.key == b.key && a.endpoint == b.endpoint && a.size == b.size && a.createdAt == b.createdAt
                    && a.serverName == b.serverName)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(endpoint)
        hasher.combine(size)
        hasher.combine(createdAt)
        hasher.combine(serverName)
    }
}

/// An inode number: stable across remounts, derived from the node's path.
public struct Inode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    /// FUSE_ROOT_ID.
    public static let root = Inode(1)
    public static func < (a: Inode, b: Inode) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}
