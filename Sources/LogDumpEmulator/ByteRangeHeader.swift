/// A single-range `Range: bytes=...` request header. Multi-range and malformed headers
/// parse to nil, and the caller then answers 200 with the whole body, as real servers do.
enum ByteRangeHeader: Equatable, Sendable {
    /// `bytes=first-` or `bytes=first-last`.
    case from(first: UInt64, last: UInt64?)
    /// `bytes=-count`: the last `count` bytes.
    case suffix(count: UInt64)

    /// What a range means for a body of a given size.
    enum Resolution: Equatable, Sendable {
        /// Inclusive bounds, already clamped to the body.
        case satisfiable(first: UInt64, last: UInt64)
        /// 416 with `Content-Range: bytes */size`.
        case unsatisfiable
    }

    init?(_ value: String) {
        let trimmed = trimSpaces(value[...])
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "bytes=" else { return nil }
        let spec = trimSpaces(trimmed.dropFirst(6))
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let head = spec[..<dash], tail = spec[spec.index(after: dash)...]
        if head.isEmpty {
            guard let count = UInt64(digits: tail) else { return nil }
            self = .suffix(count: count)
            return
        }
        guard let first = UInt64(digits: head) else { return nil }
        if tail.isEmpty {
            self = .from(first: first, last: nil)
            return
        }
        guard let last = UInt64(digits: tail), last >= first else { return nil }
        self = .from(first: first, last: last)
    }

    func resolve(size: UInt64) -> Resolution {
        switch self {
        case let .from(first, last):
            guard first < size else { return .unsatisfiable }
            return .satisfiable(first: first, last: min(last ?? (size - 1), size - 1))
        case let .suffix(count):
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(first: size - min(count, size), last: size - 1)
        }
    }
}

extension UInt64 {
    /// Only ASCII digits: `UInt64("+5")` would accept a sign that HTTP does not.
    fileprivate init?(digits: Substring) {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self.init(digits)
    }
}

/// HTTP allows optional whitespace around header values and list items.
private func trimSpaces(_ s: Substring) -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let start = s.firstIndex(where: { !isSpace($0) }),
          let last = s.lastIndex(where: { !isSpace($0) }) else { return s[s.endIndex...] }
    return s[start...last]
}
