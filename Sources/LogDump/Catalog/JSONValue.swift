/// A parsed JSON document, as the manifest validator sees it.
///
/// A hand-written parser rather than JSONSerialization/JSONDecoder because the
/// validator needs what those hide: numbers as written (to tell `1` from `1.0` and to
/// reject values past Int64.max exactly), duplicate keys (Foundation keeps the last
/// silently), and the line and column of a syntax error.
enum JSONValue {
    case null
    case bool(Bool)
    /// The number's text exactly as written, already checked against JSON's grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order; keys are unique (duplicates are a syntax error).
    case object([JSONMember])

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// What a value is, for "expected a string, found an array" messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON syntax error at a 1-based line and column (column counts bytes).
struct JSONSyntaxError: Error {
    var message: String
    var line: Int
    var column: Int
}

/// One `"key": value` of an object.
struct JSONMember {
    var key: String
    var value: JSONValue
}
