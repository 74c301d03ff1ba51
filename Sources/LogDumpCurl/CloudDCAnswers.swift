#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LogDump

/// Reads the sibling calls' answers tolerantly: fields this client does not use are
/// ignored, strings may come as numbers, `percentage` as `30` or `"30%"`, and a status it
/// does not know means still running. Only what makes an answer useless (not JSON, no
/// server id, no export id) is an error.
enum CloudDCAnswers {
    /// `{"servers": [...], "page_info": {"next_marker"}, "count"}`.
    static func serverPage(_ body: [UInt8]) throws(RemoteError) -> ServerPage {
        let shape: ListShape
        do { shape = try JSONDecoder().decode(ListShape.self, from: Data(body)) } catch {
            throw .badResponse("the server list is not the JSON expected: \(Self.problem(error, body))")
        }
        var servers: [ServerInfo] = []
        for (index, server) in (shape.servers ?? []).enumerated() {
            guard let id = server.id?.value, !id.isEmpty else {
                throw .badResponse("server \(index + 1) of the page has no id")
            }
            servers.append(ServerInfo(id: id, name: server.name?.value, manageState: server.manage_state?.value,
                                      powerState: server.power_state?.value, healthState: server.health_state?.value))
        }
        let next = shape.page_info?.next_marker?.value.flatMap { $0.isEmpty ? nil : $0 }
        return ServerPage(servers: servers, nextMarker: next, count: shape.count?.value.flatMap { Int($0) })
    }

    /// `{"export_id", "status", "percentage", "created_at"}` (and `error_msg` when failed);
    /// `exportID` stands in for an absent `export_id` (a status answer about it).
    static func exportProgress(_ body: [UInt8], exportID: String? = nil) throws(RemoteError) -> ExportProgress {
        let shape: ExportShape
        do { shape = try JSONDecoder().decode(ExportShape.self, from: Data(body)) } catch {
            throw .badResponse("the export answer is not the JSON expected: \(Self.problem(error, body))")
        }
        guard let id = shape.export_id?.value.flatMap({ $0.isEmpty ? nil : $0 }) ?? exportID else {
            throw .badResponse("the export answer has no export_id")
        }
        let status = shape.status?.value ?? ""
        return ExportProgress(exportID: id, status: status,
                              phase: phase(status, message: shape.error_msg?.value),
                              percentage: shape.percentage?.value,
                              createdAt: shape.created_at?.value.flatMap { Timestamp.parseRFC3339($0) })
    }

    /// Completed and failed by the words servers use for them; anything else is running.
    static func phase(_ status: String, message: String?) -> ExportProgress.Phase {
        switch status.lowercased() {
        case "completed", "complete", "success", "succeeded", "successful", "finished", "done":
            return .completed
        case "failed", "fail", "failure", "error":
            let why = message.flatMap { $0.isEmpty ? nil : $0 } ?? "status \(status)"
            return .failed(why.escapedForLog())
        default:
            return .running
        }
    }

    /// The decoder's complaint, or the start of the text when it is not JSON at all.
    private static func problem(_ error: any Error, _ body: [UInt8]) -> String {
        if case DecodingError.dataCorrupted = error { return "it begins \(LogText.escaping(body.prefix(80)))" }
        return LogText.escaping(Array("\(error)".utf8), limit: 200)
    }

    private struct ListShape: Decodable {
        var servers: [ServerShape]?
        var page_info: PageShape?
        var count: LooseText?
    }

    private struct ServerShape: Decodable {
        var id: LooseText?
        var name: LooseText?
        var manage_state: LooseText?
        var power_state: LooseText?
        var health_state: LooseText?
    }

    private struct PageShape: Decodable {
        var next_marker: LooseText?
    }

    private struct ExportShape: Decodable {
        var export_id: LooseText?
        var status: LooseText?
        var percentage: Percentage?
        var created_at: LooseText?
        var error_msg: LooseText?
    }
}

/// A string, or a number written as text; nil for anything else (null, objects).
private struct LooseText: Decodable {
    var value: String?

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            value = text
        } else if let number = try? c.decode(Int64.self) {
            value = String(number)
        } else if let number = try? c.decode(Double.self) {
            value = String(number)
        } else {
            value = nil
        }
    }
}

/// `30`, `30.5`, `"30%"` or `"30"`, clamped to 0...100; nil when unreadable.
struct Percentage: Decodable {
    var value: Int?

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let number = try? c.decode(Double.self) {
            value = Self.clamped(number)
        } else if let text = try? c.decode(String.self) {
            value = Self.parse(text)
        } else {
            value = nil
        }
    }

    static func parse(_ text: String) -> Int? {
        let trimmed = text.filter { !$0.isWhitespace }
        return Double(trimmed.hasSuffix("%") ? trimmed.dropLast() : trimmed[...]).flatMap(clamped)
    }

    private static func clamped(_ number: Double) -> Int? {
        number.isFinite ? Int(min(max(number, 0), 100)) : nil
    }
}
