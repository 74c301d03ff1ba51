/// The export manifest: the local JSON file that says which exports the tree shows
/// (CloudDC has no call that lists a server's exports).
///
///     {
///       "endpoint": "https://clouddc.cn-east-3.myhuaweicloud.com",
///       "exports": [
///         {"project_id": "0a1b2c", "server_id": "srv-01", "export_id": "exp-20261101",
///          "size": 1048576, "created_at": "2026-11-01T08:00:00Z"},
///         {"project_id": "0a1b2c", "server_id": "srv-02", "export_id": "exp-7",
///          "endpoint": "https://clouddc.cn-south-1.myhuaweicloud.com"}
///       ]
///     }
///
/// Top level: `endpoint` (optional string, the default download endpoint) and
/// `exports` (required array, may be empty). Each entry:
/// - `project_id`, `server_id`, `export_id`: required non-empty strings, each one path
///   segment: no `/`, NUL or control characters, not `.` or `..`, at most 200 UTF-8 bytes;
/// - `size`: optional non-negative integer (bytes, at most Int64.max); when absent the
///   size is probed on first lookup;
/// - `created_at`: optional RFC 3339 time with zone, e.g. `2026-11-01T08:00:00Z`,
///   `2026-11-01T16:00:00.250+08:00`; the file's mtime (the epoch when absent);
/// - `endpoint`: optional, overrides the default for this entry;
/// - `server_name`: optional, the server's name for people (no control characters).
///
/// `null` for an optional field means absent. Unknown fields, duplicate keys and
/// duplicate entries are errors, so a typo cannot silently hide an export.
public struct Manifest: Sendable {
    /// The default endpoint (top-level `endpoint`), if given.
    public let endpoint: Endpoint?
    /// In file order, each with its endpoint resolved (its own, else the default).
    public let entries: [ExportEntry]

    public init(endpoint: Endpoint?, entries: [ExportEntry]) {
        self.endpoint = endpoint
        self.entries = entries
    }

    /// Reads and parses a manifest file; errors are labelled with its path as given.
    /// A file that is not a regular one, or holds more than `ManifestFile.maximumSize`
    /// (1 GiB), is refused without reading it all.
    public static func load(contentsOf path: String) throws(ManifestError) -> Manifest {
        try load(contentsOf: path, limit: ManifestFile.maximumSize)
    }

    static func load(contentsOf path: String, limit: Int) throws(ManifestError) -> Manifest {
        switch ManifestFile.contents(of: path, limit: limit) {
        case .success(let bytes): return try parse(bytes, origin: path)
        case .failure(let problem): throw ManifestError(origin: path, message: "\(problem)")
        }
    }

    /// Parses manifest JSON; `origin` (a file name) labels every error message.
    public static func parse(_ bytes: [UInt8], origin: String) throws(ManifestError) -> Manifest {
        if let manifest = ManifestFastPath.decode(bytes) { return manifest }
        return try parseFully(bytes, origin: origin)
    }

    /// The full path: the whole JSON tree, then every rule checked on it; the one that
    /// names what is wrong with a manifest the fast path gave up on.
    static func parseFully(_ bytes: [UInt8], origin: String) throws(ManifestError) -> Manifest {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ManifestError(origin: origin, line: error.line, column: error.column,
                                message: "invalid JSON: \(error.message)")
        }
        return try ManifestValidator(origin: origin).validate(document)
    }
}
