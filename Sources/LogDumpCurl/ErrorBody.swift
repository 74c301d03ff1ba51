#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogDump

/// What a non-2xx body says: CloudDC's JSON `{"error_code", "error_msg"}`, or for 429 a
/// plain string. Anything else is ignored: the status alone then tells what happened.
/// Both are the server's text, so they are kept escaped and cut (LogText): every message
/// and log line that quotes them is safe, and a secret the server echoes is taken out first.
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

    /// Each of `secrets` (the token sent, a security token, a password) is replaced by
    /// `<token>` should the server echo it: it must never reach a message. That goes
    /// before the cut, so no part of one can survive at the end of a shortened text either.
    init(status: Int, body: [UInt8], redacting secrets: [String]) {
        func shown(_ text: [UInt8]) -> String {
            var text = text
            for secret in secrets where !secret.isEmpty {
                text = text.replacing(Array(secret.utf8), with: Array("<token>".utf8))
            }
            return LogText.escaping(text)
        }
        if let json = try? JSONDecoder().decode(JSONShape.self, from: Data(body)),
           json.error_code != nil || json.error_msg != nil {
            code = json.error_code.map { shown(Array($0.value.utf8)) }
            message = json.error_msg.map { shown(Array($0.value.utf8)) }
        } else if status == 429 {
            let isSpace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
            let trimmed = body.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
            message = trimmed.isEmpty ? nil : shown(Array(trimmed))
        }
    }
}
