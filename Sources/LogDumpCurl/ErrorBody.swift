#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a non-2xx body says: CloudDC's JSON `{"error_code", "error_msg"}`, or for 429 a
/// plain string. Anything else is ignored: the status alone then tells what happened.
struct ErrorBody {
    var code: String?
    var message: String?

    private struct JSONShape: Decodable {
        var error_code: LenientString?
        var error_msg: LenientString?
    }

    /// A string or a number: error codes are documented as strings, seen as both.
    private struct LenientString: Decodable {
        var value: String
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                value = text
            } else {
                value = String(try container.decode(Int.self))
            }
        }
    }

    init(status: Int, body: [UInt8]) {
        if let json = try? JSONDecoder().decode(JSONShape.self, from: Data(body)),
           json.error_code != nil || json.error_msg != nil {
            code = json.error_code?.value
            message = json.error_msg?.value
        } else if status == 429 {
            let text = String(decoding: body, as: UTF8.self)
            let trimmed = text[...].trimmingSpaces
            message = trimmed.isEmpty ? nil : String(trimmed.prefix(200))
        }
    }

    /// Takes out the token, should a server echo it: it must never reach a message.
    func redacting(_ token: String) -> ErrorBody {
        guard !token.isEmpty else { return self }
        var copy = self
        copy.code = code?.replacing(token, with: "<token>")
        copy.message = message?.replacing(token, with: "<token>")
        return copy
    }
}
