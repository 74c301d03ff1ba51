#if canImport(Glibc)
import Glibc
#endif

/// The manifest's fast path: reads a valid manifest straight from its bytes into
/// entries, with no `JSONValue` tree in between, so a reload of a large one stays quick.
///
/// It only ever accepts: it checks every rule `ManifestValidator` checks, and at the
/// first thing it does not expect (a syntax error, a broken rule, an escaped or unknown
/// key) it gives up, and `Manifest.parse` takes the full path, which names the problem.
/// So errors, and what is accepted, are the full path's; this only makes the common
/// case cheap.
struct ManifestFastPath {
    private struct GiveUp: Error {}

    /// The manifest in `bytes`, or nil when the full path must decide.
    static func decode(_ bytes: [UInt8]) -> Manifest? {
        bytes.withUnsafeBufferPointer { buffer in
            var decoder = ManifestFastPath(parser: JSONParser(buffer))
            return try? decoder.document()
        }
    }

    private var parser: JSONParser
    /// The last `created_at` and `endpoint` texts and what they gave: manifests repeat them.
    private var lastCreated: (text: String, time: Timestamp)?
    private var lastEndpoint: Endpoint?

    private init(parser: JSONParser) { self.parser = parser }

    private mutating func document() throws -> Manifest {
        var defaultEndpoint: Endpoint?
        var seenEndpoint = false
        var entries: [Decoded]?
        try open(UInt8(ascii: "{"))
        repeat {
            parser.skipWhitespace()
            let key = try field()
            if Self.equal(key, "endpoint"), !seenEndpoint {
                seenEndpoint = true
                defaultEndpoint = try optionalString().map { try endpoint($0) }
            } else if Self.equal(key, "exports"), entries == nil {
                entries = try exports()
            } else {
                throw GiveUp()
            }
        } while try next(closing: UInt8(ascii: "}"))
        parser.skipWhitespace()
        guard parser.atEnd, let entries else { throw GiveUp() }
        return Manifest(endpoint: defaultEndpoint, entries: try resolve(entries, defaultEndpoint: defaultEndpoint))
    }

    /// An entry as read, before the default endpoint (which may come later) is known.
    private struct Decoded {
        var key: ExportKey
        var endpoint: Endpoint?
        var size: UInt64?
        var createdAt: Timestamp?
        var serverName: String?
    }

    private mutating func exports() throws -> [Decoded] {
        var entries: [Decoded] = []
        try open(UInt8(ascii: "["))
        if parser.consume(UInt8(ascii: "]")) { return entries }
        repeat {
            parser.skipWhitespace()
            entries.append(try entry())
        } while try next(closing: UInt8(ascii: "]"))
        return entries
    }

    private mutating func entry() throws -> Decoded {
        var project: String?, server: String?, export: String?
        var decoded = Decoded(key: ExportKey(projectID: "", serverID: "", exportID: ""))
        var seen: UInt8 = 0
        try open(UInt8(ascii: "{"))
        repeat {
            parser.skipWhitespace()
            let key = try field()
            let bit: UInt8
            switch key.count {
            case 10 where Self.equal(key, "project_id"): bit = 1; project = try id()
            case 9 where Self.equal(key, "server_id"): bit = 2; server = try id()
            case 9 where Self.equal(key, "export_id"): bit = 4; export = try id()
            case 4 where Self.equal(key, "size"): bit = 8; decoded.size = try size()
            case 10 where Self.equal(key, "created_at"): bit = 16; decoded.createdAt = try optionalString().map { try time($0) }
            case 8 where Self.equal(key, "endpoint"): bit = 32; decoded.endpoint = try optionalString().map { try endpoint($0) }
            case 11 where Self.equal(key, "server_name"): bit = 64; decoded.serverName = try optionalString().map { try name($0) }
            default: throw GiveUp()
            }
            guard seen & bit == 0 else { throw GiveUp() }
            seen |= bit
        } while try next(closing: UInt8(ascii: "}"))
        guard let project, let server, let export else { throw GiveUp() }
        decoded.key = ExportKey(projectID: project, serverID: server, exportID: export)
        return decoded
    }

    /// Endpoints resolved, duplicates refused (the full path names them).
    private func resolve(_ decoded: [Decoded], defaultEndpoint: Endpoint?) throws -> [ExportEntry] {
        var entries: [ExportEntry] = []
        entries.reserveCapacity(decoded.count)
        var keys = Set<ExactKey>(minimumCapacity: decoded.count)
        for item in decoded {
            guard let endpoint = item.endpoint ?? defaultEndpoint, keys.insert(ExactKey(item.key)).inserted else {
                throw GiveUp()
            }
            entries.append(ExportEntry(key: item.key, endpoint: endpoint, size: item.size, createdAt: item.createdAt,
                                       serverName: item.serverName))
        }
        return entries
    }

    // MARK: values, each checked by the validator's own rule

    private mutating func id() throws -> String {
        let text = try string()
        guard ManifestValidator.idProblem(text) == nil else { throw GiveUp() }
        return text
    }

    private mutating func size() throws -> UInt64? {
        if parser.consumeNull() { return nil }
        guard let size = parser.plainInteger(upTo: UInt64(Int64.max)) else { throw GiveUp() }
        return size
    }

    private mutating func time(_ text: String) throws -> Timestamp {
        if let last = lastCreated, bytesEqual(last.text, text) { return last.time }
        guard let time = Timestamp.parseRFC3339(text) else { throw GiveUp() }
        lastCreated = (text, time)
        return time
    }

    private mutating func endpoint(_ text: String) throws -> Endpoint {
        if let last = lastEndpoint, bytesEqual(last.url, text) { return last }
        guard let endpoint = Endpoint.parse(text) else { throw GiveUp() }
        lastEndpoint = endpoint
        return endpoint
    }

    private func name(_ text: String) throws -> String {
        guard ManifestValidator.nameProblem(text) == nil else { throw GiveUp() }
        return text
    }

    // MARK: structure

    private mutating func string() throws -> String {
        guard parser.peek(UInt8(ascii: "\"")) else { throw GiveUp() }
        return try parser.parseString()
    }

    private mutating func optionalString() throws -> String? {
        parser.consumeNull() ? nil : try string()
    }

    /// `"key":`, with the whitespace around the colon.
    private mutating func field() throws -> UnsafeBufferPointer<UInt8> {
        guard let key = parser.plainKey() else { throw GiveUp() }
        parser.skipWhitespace()
        try open(UInt8(ascii: ":"))
        return key
    }

    /// `byte` and the whitespace after it.
    private mutating func open(_ byte: UInt8) throws {
        parser.skipWhitespace()
        guard parser.consume(byte) else { throw GiveUp() }
        parser.skipWhitespace()
    }

    /// After a member or element: true at `,` (another follows), false at `closing`.
    private mutating func next(closing: UInt8) throws -> Bool {
        parser.skipWhitespace()
        if parser.consume(UInt8(ascii: ",")) { return true }
        guard parser.consume(closing) else { throw GiveUp() }
        return false
    }

    private static func equal(_ key: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        key.count == name.utf8CodeUnitCount
            && name.withUTF8Buffer { memcmp(key.baseAddress!, $0.baseAddress!, key.count) == 0 }
    }
}
