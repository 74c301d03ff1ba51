/// Turns a parsed JSON document into a `Manifest`, checking every rule of the format
/// (see `Manifest`) and naming the entry and the JSON path of the first violation.
struct ManifestValidator {
    let origin: String

    /// Longest ID in UTF-8 bytes: `<export_id>.tar.gz` must fit NAME_MAX (255).
    static let maxIDBytes = 200
    static let topLevelFields: Set<String> = ["endpoint", "exports"]
    static let entryFields: Set<String> = ["project_id", "server_id", "export_id", "size", "created_at", "endpoint"]

    func validate(_ document: JSONValue) throws(ManifestError) -> Manifest {
        guard case .object(let members) = document else {
            throw ManifestError(origin: origin, message: "top level must be an object, found \(document.kindName)")
        }
        for name in members.map(\.key) where !Self.topLevelFields.contains(name) {
            throw ManifestError(origin: origin, path: Self.memberPath("", name), message: "unknown field")
        }
        var defaultEndpoint: Endpoint? = nil
        if let value = members.value(for: "endpoint") {
            defaultEndpoint = try endpoint(value, path: "endpoint", index: nil, key: nil)
        }
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

    private func entry(_ value: JSONValue, index: Int, defaultEndpoint: Endpoint?) throws(ManifestError) -> ExportEntry {
        let entryPath = "exports[\(index)]"
        guard case .object(let members) = value else {
            throw ManifestError(origin: origin, index: index, path: entryPath,
                                message: "entry must be an object, found \(value.kindName)")
        }
        // IDs first, so that every later error can name them.
        let projectID = try id("project_id", in: members, index: index)
        let serverID = try id("server_id", in: members, index: index)
        let exportID = try id("export_id", in: members, index: index)
        let key = ExportKey(projectID: projectID, serverID: serverID, exportID: exportID)

        for member in members where !Self.entryFields.contains(member.key) {
            let name = member.key
            throw ManifestError(origin: origin, index: index, key: key,
                                path: Self.memberPath(entryPath, name), message: "unknown field")
        }
        let size = try self.size(members.nonNull("size"), path: entryPath + ".size", index: index, key: key)
        let createdAt = try self.createdAt(members.nonNull("created_at"), path: entryPath + ".created_at",
                                           index: index, key: key)
        let ownEndpoint = try members.nonNull("endpoint").map { (v) throws(ManifestError) in
            try endpoint(v, path: entryPath + ".endpoint", index: index, key: key)
        }
        guard let endpoint = ownEndpoint ?? defaultEndpoint else {
            throw ManifestError(origin: origin, index: index, key: key, path: entryPath + ".endpoint",
                                message: "no endpoint: give one here or a top-level \"endpoint\"")
        }
        return ExportEntry(key: key, endpoint: endpoint, size: size, createdAt: createdAt)
    }

    private func id(_ field: String, in members: [JSONMember], index: Int) throws(ManifestError) -> String {
        let path = "exports[\(index)].\(field)"
        func fail(_ message: String) -> ManifestError {
            ManifestError(origin: origin, index: index, path: path, message: message)
        }
        guard let value = members.value(for: field) else { throw fail("missing required field") }
        guard case .string(let text) = value else { throw fail("must be a string, found \(value.kindName)") }
        if let problem = Self.idProblem(text) { throw fail("\(problem): \(Self.quoted(text))") }
        return text
    }

    /// Why `text` cannot be one path segment, or nil when it can.
    static func idProblem(_ text: String) -> String? {
        if text.isEmpty { return "must not be empty" }
        if text == "." || text == ".." { return "must not be \".\" or \"..\"" }
        if text.utf8.count > maxIDBytes { return "longer than \(maxIDBytes) bytes of UTF-8" }
        for scalar in text.unicodeScalars {
            if scalar == "/" { return "must not contain \"/\"" }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                return "must not contain control characters"
            }
        }
        return nil
    }

    private func size(_ value: JSONValue?, path: String, index: Int, key: ExportKey) throws(ManifestError) -> UInt64? {
        guard let value else { return nil }
        let fail = { (message: String) in
            ManifestError(origin: origin, index: index, key: key, path: path, message: message)
        }
        guard case .number(let text) = value else {
            throw fail("must be a non-negative integer, found \(value.kindName)")
        }
        // JSON's grammar is already checked: only digits means a plain non-negative integer.
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw fail("must be a non-negative integer, found \(text)")
        }
        guard let size = UInt64(text), size <= UInt64(Int64.max) else {
            throw fail("too large (more than \(Int64.max)): \(text)")
        }
        return size
    }

    private func createdAt(_ value: JSONValue?, path: String, index: Int, key: ExportKey) throws(ManifestError) -> Timestamp? {
        guard let value else { return nil }
        guard case .string(let text) = value else {
            throw ManifestError(origin: origin, index: index, key: key, path: path,
                                message: "must be a string, found \(value.kindName)")
        }
        guard let time = Timestamp.parseRFC3339(text) else {
            throw ManifestError(origin: origin, index: index, key: key, path: path,
                                message: "not an ISO 8601 time: \(Self.quoted(text))")
        }
        return time
    }

    private func endpoint(_ value: JSONValue, path: String, index: Int?, key: ExportKey?) throws(ManifestError) -> Endpoint? {
        switch value {
        case .null:
            return nil
        case .string(let text):
            guard let endpoint = Endpoint.parse(text) else {
                throw ManifestError(origin: origin, index: index, key: key, path: path,
                                    message: "not an http(s) URL without credentials, query or fragment: \(Self.quoted(text))")
            }
            return endpoint
        default:
            throw ManifestError(origin: origin, index: index, key: key, path: path,
                                message: "must be a string, found \(value.kindName)")
        }
    }

    /// `exports[2].size`; keys that are not plain identifiers are written `["a b"]`.
    static func memberPath(_ parent: String, _ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
        }
        if plain { return parent.isEmpty ? name : "\(parent).\(name)" }
        return "\(parent)[\(quoted(name))]"
    }

    /// A value as it may appear in a one-line message: quoted, control characters
    /// escaped, long values shortened.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == 80 { out += "…"; break }
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// An ExportKey compared byte for byte: Swift's String equality treats canonically
/// equivalent IDs (`é` precomposed or not) as equal, but the server does not.
struct ExactKey: Hashable {
    let key: ExportKey
    init(_ key: ExportKey) { self.key = key }

    static func == (a: ExactKey, b: ExactKey) -> Bool {
        a.key.projectID.utf8.elementsEqual(b.key.projectID.utf8)
            && a.key.serverID.utf8.elementsEqual(b.key.serverID.utf8)
            && a.key.exportID.utf8.elementsEqual(b.key.exportID.utf8)
    }

    func hash(into hasher: inout Hasher) {
        for id in [key.projectID, key.serverID, key.exportID] {
            for byte in id.utf8 { hasher.combine(byte) }
            hasher.combine(0xFF as UInt8)  // never in UTF-8: separates the IDs
        }
    }
}

private extension Array where Element == JSONMember {
    func value(for key: String) -> JSONValue? {
        first { $0.key == key }?.value
    }

    /// The member's value, with `null` meaning absent.
    func nonNull(_ key: String) -> JSONValue? {
        guard let value = value(for: key) else { return nil }
        if case .null = value { return nil }
        return value
    }
}
