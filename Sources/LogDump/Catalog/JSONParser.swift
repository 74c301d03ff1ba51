/// Parses RFC 8259 JSON from UTF-8 bytes into a `JSONValue`.
///
/// Strict: no comments, no trailing commas, no duplicate keys, strings must be valid
/// UTF-8 (and escapes must not encode lone surrogates). Nesting is bounded so hostile
/// input cannot exhaust the stack.
struct JSONParser {
    static let maxDepth = 64

    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(buffer)
                parser.skipWhitespace()
                let value = try parser.parseValue(depth: 0)
                parser.skipWhitespace()
                if parser.offset < buffer.count {
                    throw parser.failure("unexpected data after the top-level value")
                }
                return value
            }
        } catch let error as JSONSyntaxError {
            throw error
        } catch {
            throw JSONSyntaxError(message: "\(error)", line: 1, column: 1)
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    /// A parser over `bytes`, which must outlive it. The primitives here and in
    /// JSONParser+Plain let a caller that knows the document's shape read it without
    /// building a `JSONValue` tree.
    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    // MARK: values

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard offset < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw failure("unexpected character \(describe(bytes[offset]))")
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw failure("nested too deeply") }
        offset += 1  // {
        var members: [JSONMember] = []
        var seen: Set<String>? = nil  // built only for large objects; entries have a handful of keys
        skipWhitespace()
        if peek(UInt8(ascii: "}")) { offset += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw failure("expected a string key") }
            let keyStart = offset
            let key = try parseString()
            var duplicate = false
            if members.count < 16 {
                var index = 0
                while index < members.count && !duplicate {
                    duplicate = members[index].key == key
                    index += 1
                }
            } else {
                if seen == nil { seen = Set(members.map(\.key)) }
                duplicate = seen?.insert(key).inserted == false
            }
            if duplicate {
                offset = keyStart
                throw failure("duplicate key \(key.quotedForLog())")
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw failure("expected ':' after key") }
            offset += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue(depth: depth)))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { offset += 1; continue }
            if peek(UInt8(ascii: "}")) { offset += 1; return .object(members) }
            throw failure("expected ',' or '}' in object")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw failure("nested too deeply") }
        offset += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) { offset += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            if peek(UInt8(ascii: ",")) { offset += 1; continue }
            if peek(UInt8(ascii: "]")) { offset += 1; return .array(elements) }
            throw failure("expected ',' or ']' in array")
        }
    }

    /// Returns the number's text after checking it against JSON's number grammar.
    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = offset
        if peek(UInt8(ascii: "-")) { offset += 1 }
        guard offset < bytes.count, isDigit(bytes[offset]) else { throw failure("expected a digit") }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < bytes.count, isDigit(bytes[offset]) { throw failure("leading zero in number") }
        } else {
            skipDigits()
        }
        if peek(UInt8(ascii: ".")) {
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            offset += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { offset += 1 }
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw failure("expected a digit in exponent") }
            skipDigits()
        }
        return String(decoding: slice(start, offset), as: UTF8.self)
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        offset += 1  // opening quote
        let start = offset
        // Fast path: no escapes, so the bytes between the quotes are the string; when
        // they are all ASCII there is nothing to validate either.
        var ascii = true
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == 0x22 {  // closing quote
                let raw = slice(start, offset)
                let text = ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
                guard let text else {
                    offset = start
                    throw failure("string is not valid UTF-8")
                }
                offset += 1
                return text
            }
            if byte == 0x5C { break }  // backslash
            if byte < 0x20 { throw failure("unescaped control character in string") }
            if byte >= 0x80 { ascii = false }
            offset += 1
        }
        guard offset < bytes.count else { throw failure("unterminated string") }
        return try parseEscapedString(from: start)
    }

    /// The slow path for strings with escapes: decodes into a byte buffer.
    private mutating func parseEscapedString(from start: Int) throws(JSONSyntaxError) -> String {
        var out = Array(slice(start, offset))
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                guard let text = String(validating: out, as: UTF8.self) else {
                    offset = start
                    throw failure("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                offset += 1
                guard offset < bytes.count else { throw failure("unterminated string") }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out.append(contentsOf: try parseUnicodeEscape())
                default:
                    offset -= 1
                    throw failure("invalid escape \\\(describe(escape))")
                }
            default:
                if byte < 0x20 { throw failure("unescaped control character in string") }
                out.append(byte)
                offset += 1
            }
        }
        throw failure("unterminated string")
    }

    /// After `\u`: four hex digits, or a surrogate pair `\uD8xx\uDCxx`. UTF-8 bytes out.
    private mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> [UInt8] {
        let first = try parseHex4()
        var scalarValue = UInt32(first)
        if (0xD800...0xDBFF).contains(first) {
            guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                  bytes[offset + 1] == UInt8(ascii: "u") else {
                throw failure("lone surrogate in \\u escape")
            }
            offset += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw failure("lone surrogate in \\u escape") }
            scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            throw failure("lone surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw failure("invalid \\u escape") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt16 {
        guard offset + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            offset += 1
        }
        return value
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let matches = offset + count <= bytes.count && literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[offset + $0] == expected[$0] }
        }
        guard matches else { throw failure("invalid literal") }
        offset += count
    }

    // MARK: scanning

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    private mutating func skipDigits() {
        while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
    }

    /// Bytes `start..<end` without a Slice (cheaper in debug builds).
    func slice(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        guard let base = bytes.baseAddress, end > start else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    func peek(_ byte: UInt8) -> Bool { offset < bytes.count && bytes[offset] == byte }
    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    /// An error at the current offset, with its line and column computed only now.
    func failure(_ message: String) -> JSONSyntaxError {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return JSONSyntaxError(message: message, line: line, column: offset - lineStart + 1)
    }
}
