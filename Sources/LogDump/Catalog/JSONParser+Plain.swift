/// Reading primitives for a caller that knows the document's shape (the manifest's fast
/// path): each consumes what it recognises and nothing otherwise, so the caller can
/// give up and let the full parser name the problem.
extension JSONParser {
    /// True at the end of the input.
    var atEnd: Bool { offset >= bytes.count }

    /// Consumes `byte` when it comes next (after no whitespace).
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek(byte) else { return false }
        offset += 1
        return true
    }

    /// Consumes an object key written in plain ASCII without escapes and returns its
    /// bytes (valid while the input is); nil, consuming nothing, for any other key.
    mutating func plainKey() -> UnsafeBufferPointer<UInt8>? {
        guard peek(UInt8(ascii: "\"")) else { return nil }
        var end = offset + 1
        while end < bytes.count {
            let byte = bytes[end]
            if byte == 0x22 { break }
            if byte == 0x5C || byte < 0x20 || byte >= 0x80 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        let key = slice(offset + 1, end)
        offset = end + 1
        return key
    }

    /// Consumes a JSON integer of digits alone (no sign, fraction or exponent, no
    /// leading zero) that fits `limit`; nil, consuming nothing, for anything else.
    mutating func plainInteger(upTo limit: UInt64) -> UInt64? {
        var end = offset
        var value: UInt64 = 0
        while end < bytes.count, isDigit(bytes[end]) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[end] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, sum <= limit else { return nil }
            value = sum
            end += 1
        }
        guard end > offset, end - offset == 1 || bytes[offset] != UInt8(ascii: "0") else { return nil }
        if end < bytes.count, bytes[end] == UInt8(ascii: ".") || bytes[end] | 0x20 == UInt8(ascii: "e") { return nil }
        offset = end
        return value
    }

    /// Consumes `null` when it comes next.
    mutating func consumeNull() -> Bool {
        guard peek(UInt8(ascii: "n")), (try? expectLiteral("null")) != nil else { return false }
        return true
    }
}
