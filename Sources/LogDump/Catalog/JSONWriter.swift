/// Writes a `JSONValue` back as JSON text: numbers exactly as they were written, strings
/// escaped as RFC 8259 requires (control characters as `\uXXXX`, everything else as is).
enum JSONWriter {
    /// The value on one line, with a space after each `:` and `,`.
    static func compact(_ value: JSONValue) -> String {
        var text = ""
        append(value, to: &text)
        return text
    }

    /// A manifest's layout: each top-level member on its own line, and each element of
    /// a top-level array on its own line, so a diff shows one line per export.
    static func manifestLayout(_ value: JSONValue) -> String {
        guard case .object(let members) = value, !members.isEmpty else { return compact(value) + "\n" }
        var text = "{\n"
        for (index, member) in members.enumerated() {
            text += "  "
            appendString(member.key, to: &text)
            text += ": "
            if case .array(let items) = member.value, !items.isEmpty {
                text += "[\n"
                for (itemIndex, item) in items.enumerated() {
                    text += "    "
                    append(item, to: &text)
                    text += itemIndex == items.count - 1 ? "\n" : ",\n"
                }
                text += "  ]"
            } else {
                append(member.value, to: &text)
            }
            text += index == members.count - 1 ? "\n" : ",\n"
        }
        return text + "}\n"
    }

    private static func append(_ value: JSONValue, to text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .number(let digits): text += digits
        case .string(let string): appendString(string, to: &text)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += ", " }
                append(item, to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { text += ", " }
                appendString(member.key, to: &text)
                text += ": "
                append(member.value, to: &text)
            }
            text += "}"
        }
    }

    private static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
