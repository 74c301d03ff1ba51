/// Text from outside (a server's answer, curl's error text, a value the user typed) made
/// fit for one log line or error message: it is data, so it cannot start a line of its
/// own, drive the terminal, or swamp the log.
///
/// Control characters become `\n`, `\r`, `\t`, `\e` or `\xNN` (the rest of C0, DEL, C1 as
/// its two UTF-8 bytes), bytes that are not UTF-8 become `\xNN`, line separators and bidi
/// overrides `\u{XXXX}`, and a backslash `\\`, so the original can always be told. Text
/// longer than the limit is cut there, with `…(N more bytes)`.
public enum LogText {
    /// Bytes kept before the cut: more than any honest ID, header value or error message.
    public static let defaultLimit = 200

    /// `bytes` escaped and cut after `limit` of them (never inside a character).
    public static func escaping<Bytes: Collection<UInt8>>(_ bytes: Bytes, limit: Int = defaultLimit) -> String {
        escape(bytes, limit: limit, style: .plain)
    }

    /// What Log.write does to a whole message, as the last line of defence: control
    /// characters escaped, backslashes kept (the message may hold escaped values already).
    static func oneLine(_ message: String, limit: Int) -> String {
        let utf8 = message.utf8
        guard utf8.count > limit || utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F }) else { return message }
        return escape(utf8, limit: limit, style: .line)
    }

    enum Style { case plain, quoted, line }

    static func escape<Bytes: Collection<UInt8>>(_ bytes: Bytes, limit: Int, style: Style) -> String {
        let input = Array(bytes)
        var out: [UInt8] = style == .quoted ? [0x22] : []
        out.reserveCapacity(min(input.count, limit) + 16)
        var index = 0
        while index < input.count {
            let length = sequenceLength(input, at: index)
            guard index + max(length, 1) <= limit else { break }
            if length == 0 {
                appendHex(input[index], to: &out)
                index += 1
                continue
            }
            let scalar = input[index..<index + length]
            switch scalar.count == 1 ? scalar.first! : 0 {
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x1B: out += Array(#"\e"#.utf8)
            case 0x5C where style != .line: out += Array(#"\\"#.utf8)
            case 0x22 where style == .quoted: out += Array(#"\""#.utf8)
            case let byte where scalar.count == 1 && (byte < 0x20 || byte == 0x7F): appendHex(byte, to: &out)
            default:
                if isC1(scalar) {
                    scalar.forEach { appendHex($0, to: &out) }
                } else if let special = separatorOrOverride(scalar) {
                    out += Array("\\u{\(String(special, radix: 16))}".utf8)
                } else {
                    out += scalar
                }
            }
            index += length
        }
        if style == .quoted { out.append(0x22) }
        if index < input.count { out += Array("…(\(input.count - index) more bytes)".utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The length of the well-formed UTF-8 sequence at `index`, or 0 when it is not one.
    private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F  // no surrogates
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return 0
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }

    /// U+0080...U+009F: 0xC2 0x80...0x9F.
    private static func isC1(_ scalar: ArraySlice<UInt8>) -> Bool {
        scalar.count == 2 && scalar.first == 0xC2 && scalar.last! <= 0x9F
    }

    /// U+2028, U+2029 (line and paragraph separators), U+202A...U+202E and U+2066...U+2069
    /// (bidi embeddings, overrides and isolates, which reorder what a terminal shows).
    private static func separatorOrOverride(_ scalar: ArraySlice<UInt8>) -> UInt32? {
        guard scalar.count == 3, scalar.first == 0xE2 else { return nil }
        let value = (UInt32(scalar[scalar.startIndex + 1] & 0x3F) << 6 | UInt32(scalar.last! & 0x3F)) | 0x2000
        return (0x2028...0x202E).contains(value) || (0x2066...0x2069).contains(value) ? value : nil
    }

    private static func appendHex(_ byte: UInt8, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        out += [0x5C, 0x78, digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
    }
}

extension StringProtocol {
    /// This text escaped and cut for a log line or message (see LogText).
    public func escapedForLog(limit: Int = LogText.defaultLimit) -> String {
        LogText.escape(utf8, limit: limit, style: .plain)
    }

    /// Like escapedForLog, in double quotes (a `"` inside escaped): for values quoted in a
    /// message, where an empty or space-padded value must show.
    public func quotedForLog(limit: Int = LogText.defaultLimit) -> String {
        LogText.escape(utf8, limit: limit, style: .quoted)
    }
}
