/// What is wrong with a manifest, in one line that names the file, the entry and the
/// field, e.g.
/// `exports.json: exports[3] (project p1, server s1, export e1): field "created_at": not an ISO 8601 time: "yesterday"`.
///
/// The parts are exposed too, so callers and tests need not parse the text.
public struct ManifestError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file name (or other label) the manifest came from.
    public let origin: String
    /// Index in `exports` of the offending entry, when the problem is in one.
    public let index: Int?
    /// The entry's IDs, when they were read and valid before the problem was found.
    public let key: ExportKey?
    /// JSON path of the offending value, e.g. `exports[3].created_at`, `endpoint`.
    public let path: String?
    /// For a JSON syntax error: where, 1-based (column counts bytes).
    public let line: Int?
    public let column: Int?
    /// For a duplicate entry: the index of the entry it repeats.
    public let duplicateOf: Int?
    /// What is wrong, without the location.
    public let message: String

    public init(origin: String, index: Int? = nil, key: ExportKey? = nil, path: String? = nil,
                line: Int? = nil, column: Int? = nil, duplicateOf: Int? = nil, message: String) {
        self.origin = origin
        self.index = index
        self.key = key
        self.path = path
        self.line = line
        self.column = column
        self.duplicateOf = duplicateOf
        self.message = message
    }

    public var description: String {
        var parts = [origin.escapedForLog()]
        if let line, let column { parts.append("line \(line), column \(column)") }
        if let index {
            let entry = "exports[\(index)]"
            parts.append(key.map { "\(entry) (\($0))" } ?? entry)
            // Inside an entry, name the field relative to it: `field "created_at"`, or
            // `field ["a b"]` for a name that is quoted already.
            if let path, path.hasPrefix(entry + ".") {
                parts.append("field \"\(path.dropFirst(entry.count + 1))\"")
            } else if let path, path.hasPrefix(entry + "[") {
                parts.append("field \(path.dropFirst(entry.count))")
            }
        } else if let path {
            parts.append("field \"\(path)\"")
        }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
