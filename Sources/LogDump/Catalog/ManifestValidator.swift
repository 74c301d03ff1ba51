/// Turns a parsed JSON document into a `Manifest`, checking every rule of the format
/// (see `Manifest`) and naming the entry and the JSON path of the first violation.
struct ManifestValidator {
    let origin: String

    /// Longest ID in UTF-8 bytes: `<export_id>.tar.gz` must fit NAME_MAX (255).
    static let maxIDBytes = 200
    static let topLevelFields: Set<String> = ["endpoint", "exports"]
    static let entryFields: Set<String> = ["project_id", "server_id", "export_id", "size", "created_at", "endpoint",
                                           "server_name"]

    func validate(_ document: JSONValue) throws(ManifestError) -> Manifest {
        guard case .object(let members) = document else {
            throw ManifestError(origin: origin, message: "top level must be an object, found \(document.kindName)")
        }
        for name in members.map(\.key) where !Self.topLevelFields.contains(name) {
            throw ManifestError(origin: origin, path: Self.memberPath("", name), message: "unknown field")
        }
        var defaultEndpoint: Endpoint? = nil
        defaultEndpoint = try endpoint(members.value(for: "endpoint"), at: Location(field: "endpoint"))
        guard let exportsValue = members.value(for: "exports") else {
            throw ManifestError(origin: origin, path: "exports", message: "missing required field")
        }
        guard case .array(let items) = exportsValue else {
            throw ManifestError(origin: origin, path: "exports",
                                message: "must be an array, found \(exportsValue.kindName)")
        }

        var entries: [ExportEntry] = []
        entries.reserveCapacity(items.count)
        var firstIndex: [ExactKey: Int] = [:]
        firstIndex.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let entry = try self.entry(item, index: index, defaultEndpoint: defaultEndpoint)
            if let earlier = firstIndex.updateValue(index, forKey: ExactKey(entry.key)) {
                throw ManifestError(origin: origin, index: index, key: entry.key, duplicateOf: earlier,
                                    message: "duplicate of exports[\(earlier)]")
            }
            entries.append(entry)
        }
        return Manifest(endpoint: defaultEndpoint, entries: entries)
    }

    /// Where a problem is: an entry's field, or a top-level field. The JSON path
    /// string is only built when there is an error to report.
    private struct Location {
        var index: Int?
        var key: ExportKey?
        var field: String

        var path: String {
            guard let index else { return ManifestValidator.memberPath("", field) }
            return ManifestValidator.memberPath("exports[\(index)]", field)
        }
    }

    private func error(_ location: Location, _ message: String) -> ManifestError {
        ManifestError(origin: origin, index: location.index, key: location.key, path: location.path, message: message)
    }

    private func entry(_ value: JSONValue, index: Int, defaultEndpoint: Endpoint?) throws(ManifestError) -> ExportEntry {
        guard case .object(let members) = value else {
            throw ManifestError(origin: origin, index: index, path: "exports[\(index)]",
                                message: "entry must be an object, found \(value.kindName)")
        }
        // One pass to sort the members out; IDs are checked first so that every
        // later error can name them.
        var projectValue: JSONValue?, serverValue: JSONValue?, exportValue: JSONValue?
        var sizeValue: JSONValue?, createdValue: JSONValue?, endpointValue: JSONValue?, nameValue: JSONValue?
        var unknown: String?
        for member in members {
            switch member.key {
            case "project_id": projectValue = member.value
            case "server_id": serverValue = member.value
            case "export_id": exportValue = member.value
            case "size": sizeValue = member.value
            case "created_at": createdValue = member.value
            case "endpoint": endpointValue = member.value
            case "server_name": nameValue = member.value
            default: if unknown == nil { unknown = member.key }
            }
        }
        var location = Location(index: index, key: nil, field: "project_id")
        let projectID = try id(projectValue, at: location)
        location.field = "server_id"
        let serverID = try id(serverValue, at: location)
        location.field = "export_id"
        let exportID = try id(exportValue, at: location)
        location.key = ExportKey(projectID: projectID, serverID: serverID, exportID: exportID)

        if let unknown {
            location.field = unknown
            throw error(location, "unknown field")
        }
        location.field = "size"
        let size = try self.size(sizeValue, at: location)
        location.field = "created_at"
        let createdAt = try self.createdAt(createdValue, at: location)
        location.field = "endpoint"
        guard let endpoint = try self.endpoint(endpointValue, at: location) ?? defaultEndpoint else {
            throw error(location, "no endpoint: give one here or a top-level \"endpoint\"")
        }
        location.field = "server_name"
        let serverName = try self.serverName(nameValue, at: location)
        return ExportEntry(key: ExportKey(projectID: projectID, serverID: serverID, exportID: exportID),
                           endpoint: endpoint, size: size, createdAt: createdAt, serverName: serverName)
    }

    /// A server's name for people: any text of at most `maxIDBytes` bytes without
    /// control characters (where it becomes a path segment, it is sanitised there).
    private func serverName(_ value: JSONValue?, at location: Location) throws(ManifestError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let text) = value else { throw error(location, "must be a string, found \(value.kindName)") }
        if let problem = Self.nameProblem(text) { throw error(location, problem) }
        return text
    }

    /// Why `text` cannot be a server's name, or nil when it can.
    static func nameProblem(_ text: String) -> String? {
        if text.isEmpty { return "must not be empty" }
        if text.utf8.count > maxIDBytes { return "longer than \(maxIDBytes) bytes of UTF-8" }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "must not contain control characters: \(quoted(text))"
        }
        return nil
    }

    private func id(_ value: JSONValue?, at location: Location) throws(ManifestError) -> String {
        guard let value else { throw error(location, "missing required field") }
        guard case .string(let text) = value else { throw error(location, "must be a string, found \(value.kindName)") }
        if let problem = Self.idProblem(text) { throw error(location, "\(problem): \(Self.quoted(text))") }
        return text
    }

    /// Why `text` cannot be one path segment, or nil when it can.
    static func idProblem(_ text: String) -> String? {
        let utf8 = text.utf8
        if utf8.isEmpty { return "must not be empty" }
        if utf8.count > maxIDBytes { return "longer than \(maxIDBytes) bytes of UTF-8" }
        if text == "." || text == ".." { return "must not be \".\" or \"..\"" }
        // Bytes suffice: "/" and C0/DEL are ASCII; C1 (U+0080...U+009F) is 0xC2 0x80...0x9F.
        var text = text
        text.makeContiguousUTF8()
        let problem: String?? = text.utf8.withContiguousStorageIfAvailable(segmentProblem)
        return problem ?? Array(text.utf8).withUnsafeBufferPointer(segmentProblem)
    }

    private static func segmentProblem(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var afterC2 = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x2F { return "must not contain \"/\"" }
            if byte < 0x20 || byte == 0x7F || (afterC2 && byte <= 0x9F) {
                return "must not contain control characters"
            }
            afterC2 = byte == 0xC2
            index += 1
        }
        return nil
    }

    private func size(_ value: JSONValue?, at location: Location) throws(ManifestError) -> UInt64? {
        guard let value, !value.isNull else { return nil }
        guard case .number(let text) = value else {
            throw error(location, "must be a non-negative integer, found \(value.kindName)")
        }
        // The JSON grammar is already checked: only digits means a plain non-negative integer.
        for byte in text.utf8 where byte < 0x30 || byte > 0x39 {
            throw error(location, "must be a non-negative integer, found \(text)")
        }
        guard let size = UInt64(text), size <= UInt64(Int64.max) else { throw error(location, "too large (more than \(Int64.max)): \(text)") }
        return size
    }

    private func createdAt(_ value: JSONValue?, at location: Location) throws(ManifestError) -> Timestamp? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let text) = value else {
            throw error(location, "must be a string, found \(value.kindName)")
        }
        guard let time = Timestamp.parseRFC3339(text) else {
            throw error(location, "not an ISO 8601 time: \(Self.quoted(text))")
        }
        return time
    }

    private func endpoint(_ value: JSONValue?, at location: Location) throws(ManifestError) -> Endpoint? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let text)?:
            guard let endpoint = Endpoint.parse(text) else {
                throw error(location, "not an http(s) URL without credentials, query or fragment: \(Self.quoted(Endpoint.redactingCredentials(text)))")
            }
            return endpoint
        case let other?:
            throw error(location, "must be a string, found \(other.kindName)")
        }
    }

    /// `exports[2].size`; keys that are not plain identifiers are written `["a b"]`, and
    /// long ones are cut (see LogText).
    static func memberPath(_ parent: String, _ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
        }
        if plain { return parent.isEmpty ? name.escapedForLog() : "\(parent).\(name.escapedForLog())" }
        return "\(parent)[\(quoted(name))]"
    }

    /// A value as it may appear in a one-line message: quoted, escaped, cut.
    static func quoted(_ text: String) -> String { text.quotedForLog() }
}

/// An ExportKey compared byte for byte: Swift's String equality treats canonically
/// equivalent IDs (`é` precomposed or not) as equal, but the server does not.
struct ExactKey: Hashable {
    let key: ExportKey
    init(_ key: ExportKey) { self.key = key }

    static func == (a: ExactKey, b: ExactKey) -> Bool {
        bytesEqual(a.key.exportID, b.key.exportID) && bytesEqual(a.key.serverID, b.key.serverID)
            && bytesEqual(a.key.projectID, b.key.projectID)
    }

    /// String's hash agrees with byte equality (equal bytes are canonically equal).
    func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

private extension Array where Element == JSONMember {
    func value(for key: String) -> JSONValue? {
        first { $0.key == key }?.value
    }
}
