/// The file name a download's `Content-Disposition` gives (RFC 6266): `filename*=`
/// (RFC 5987: `UTF-8''%e2%82%ac.tar.gz`, or ISO-8859-1) when it is readable, else
/// `filename=` (a token or a quoted string). What the server sends is data, not trusted:
/// a name is only taken when it is one path segment of at most 255 bytes without
/// control characters; anything else, and any header that does not parse, gives none.
enum ContentDisposition {
    /// Longer header values are not parsed at all.
    static let valueLimit = 2048
    /// NAME_MAX: the most a file name may be on Linux.
    static let nameLimit = 255

    /// The checked file name in `value`, or nil.
    static func fileName(_ value: Substring) -> String? {
        guard value.utf8.count <= valueLimit, let parameters = parameters(value) else { return nil }
        if let extended = parameters["filename*"], let name = decodeExtended(extended), isSafe(name) { return name }
        if let plain = parameters["filename"], isSafe(plain) { return plain }
        return nil
    }

    /// Whether `name` can stand for a file as it is: one segment, printable, bounded.
    static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= nameLimit, name != ".", name != ".." else { return false }
        return !name.unicodeScalars.contains { scalar in
            scalar == "/" || scalar == "\\" || scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar == "\u{FFFD}" // bytes that were not UTF-8
        }
    }

    // MARK: Parsing

    /// The parameters after the disposition type, names lowercased; nil when the value
    /// breaks the grammar or names a parameter twice (RFC 6266 section 4.1).
    private static func parameters(_ value: Substring) -> [String: String]? {
        var scanner = Scanner(Array(value.utf8))
        scanner.skipSpaces()
        guard !scanner.token().isEmpty else { return nil } // attachment, inline, ...
        var parameters: [String: String] = [:]
        while true {
            scanner.skipSpaces()
            if scanner.atEnd { return parameters }
            guard scanner.take(UInt8(ascii: ";")) else { return nil }
            scanner.skipSpaces()
            if scanner.atEnd { return parameters } // a trailing `;`
            let name = scanner.token()
            guard !name.isEmpty else { return nil }
            scanner.skipSpaces()
            guard scanner.take(UInt8(ascii: "=")) else { return nil }
            scanner.skipSpaces()
            guard let parameterValue = scanner.peek == UInt8(ascii: "\"") ? scanner.quotedString() : scanner.token(),
                  !parameterValue.isEmpty || scanner.lastWasQuoted,
                  let text = String(validating: parameterValue, as: UTF8.self) else { return nil }
            let key = String(decoding: name, as: UTF8.self).lowercased()
            guard parameters.updateValue(text, forKey: key) == nil else { return nil }
        }
    }

    /// `charset'language'value-chars`, percent-decoded in its charset.
    private static func decodeExtended(_ value: String) -> String? {
        let parts = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let hexValue = { (byte: UInt8) in UInt8(String(Unicode.Scalar(byte)), radix: 16) }
        var bytes: [UInt8] = []
        var it = parts[2].utf8.makeIterator()
        while let byte = it.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = it.next().flatMap(hexValue), let low = it.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                guard isAttributeChar(byte) else { return nil }
                bytes.append(byte)
            }
        }
        switch parts[0].lowercased() {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    /// RFC 5987's attr-char: what an ext-value may hold unencoded.
    private static func isAttributeChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: attributePunctuation.contains(byte)
        }
    }

    private static let attributePunctuation = Set("!#$&+-.^_`|~".utf8)
    /// What ends a token besides spaces and controls.
    private static let separators = Set("()<>@,;:\\\"/[]?={}".utf8)

    /// Walks a header value by RFC 9110's token and quoted-string rules.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        private(set) var lastWasQuoted = false

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func skipSpaces() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// tchar: visible ASCII but separators; non-ASCII bytes too, as servers send them.
        mutating func token() -> [UInt8] {
            lastWasQuoted = false
            let start = index
            while let byte = peek, byte > 0x20, byte != 0x7F, !ContentDisposition.separators.contains(byte) {
                index += 1
            }
            return Array(bytes[start..<index])
        }

        /// The content of a quoted string, `\x` unescaped; nil when it never closes.
        mutating func quotedString() -> [UInt8]? {
            lastWasQuoted = true
            index += 1 // the opening quote
            var content: [UInt8] = []
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return content
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { return nil }
                    index += 1
                    content.append(escaped)
                default: content.append(byte)
                }
            }
            return nil
        }
    }
}
