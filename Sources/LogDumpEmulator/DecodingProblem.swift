import Foundation

/// Turns Foundation's decoding errors into one line that names the JSON path, for the 400
/// answers of the admin and IAM routes and for `--faults`.
enum DecodingProblem {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case let .typeMismatch(type, context):
            return located(context.codingPath, "expected \(jsonName(type))")
        case let .valueNotFound(type, context):
            return located(context.codingPath, "expected \(jsonName(type)), found null")
        case let .keyNotFound(key, context):
            return located(context.codingPath, "missing \"\(key.stringValue)\"")
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return located(context.codingPath, context.debugDescription)
        @unknown default:
            return "\(error)"
        }
    }

    /// `body_fault.kind`, `error_rates["429"]`.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                text += "[\(index)]"
            } else if key.stringValue.first?.isNumber ?? true {
                text += "[\"\(key.stringValue)\"]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func located(_ keys: [any CodingKey], _ problem: String) -> String {
        keys.isEmpty ? problem : "\(path(keys)): \(problem)"
    }

    private static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [String: Any].Type, is [String: Double].Type: "an object"
        case is [Any].Type, is [String].Type: "an array"
        default: "an object"
        }
    }
}

/// Any key: lets a decoder see every key present, including the ones it does not know.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses keys `Keys` does not name, so a typo (`latency` for `latency_ms`) is an
    /// error rather than a knob silently left at its default.
    func refuseUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let present = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = present.sorted().first(where: { !known.contains($0) }) {
            let place = codingPath.isEmpty ? "" : "\(DecodingProblem.path(codingPath)): "
            throw JSONProblem(description: "\(place)unknown key \"\(unknown)\"")
        }
    }
}

extension KeyedDecodingContainer {
    /// Foundation on Linux reports a number that does not fit (`-1` or `1.5` for a count)
    /// as invalid JSON without a path; this names the key instead.
    func decodeWholeNumber<T: FixedWidthInteger & Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        do {
            return try decodeIfPresent(type, forKey: key)
        } catch {
            if case DecodingError.typeMismatch = error { throw error }  // not a number: that says so
            let range = T.min == 0 ? ", 0 or more" : ""
            throw JSONProblem(description: "\(DecodingProblem.path(codingPath + [key])): must be a whole number\(range)")
        }
    }
}

/// Thrown from inside decoding; its text is already the whole message.
struct JSONProblem: Error, CustomStringConvertible {
    let description: String
}

/// The JSON documents the admin routes and flags take and show (fault plan, fleet).
enum CheckedJSON {
    /// Decodes `json`; a `Refusal` thrown while decoding is passed on, any other error
    /// becomes one through `refusal` with a line naming where.
    static func decode<T: Decodable, Refusal: Error>(_ type: T.Type, from json: Data,
                                                     _ refusal: (String) -> Refusal) throws(Refusal) -> T {
        do {
            return try JSONDecoder().decode(type, from: json)
        } catch let error as Refusal {
            throw error
        } catch {
            throw refusal(DecodingProblem.describe(error))
        }
    }

    /// Every key, sorted.
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
