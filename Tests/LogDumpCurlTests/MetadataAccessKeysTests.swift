import Foundation
import LogDump
@testable import LogDumpCurl
import XCTest

/// MetadataAccessKeys against a loopback server scripted as the ECS metadata service:
/// the session token step, renewal ahead of expiry and after a 401, one fetch for many
/// callers, and a fast clear error when nothing answers.
final class MetadataAccessKeysTests: XCTestCase {
    private var server: ScriptedServer?

    override func tearDown() {
        server?.stop()
    }

    private func start(_ replies: [ScriptedServer.Reply]) throws -> Endpoint {
        let server = try ScriptedServer(replies)
        self.server = server
        return Endpoint(validated: "http://127.0.0.1:\(server.port)")
    }

    private static func answer(_ status: String, _ body: String) -> ScriptedServer.Reply {
        ScriptedServer.Reply("HTTP/1.1 \(status)\nContent-Length: \(body.utf8.count)\nConnection: close\n\n",
                             body: Array(body.utf8))
    }

    /// The securitykey answer for keys `name` that end `lifetime` seconds from now.
    private static func keys(_ name: String, lifetime: TimeInterval = 3600) -> ScriptedServer.Reply {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let expires = formatter.string(from: Date().addingTimeInterval(lifetime))
        return answer("200 OK", #"{"credential":{"access":"AK-\#(name)","secret":"SK-\#(name)","#
                      + #""securitytoken":"ST-\#(name)","expires_at":"\#(expires)"}}"#)
    }

    private static let session = answer("200 OK", "session-1")

    func testSessionTokenThenKeys() throws {
        let endpoint = try start([Self.session, Self.keys("a")])
        let provider = try MetadataAccessKeys(endpoint: endpoint)
        let keys = try provider.currentKeys()
        XCTAssertEqual([keys.accessKey, keys.secretKey, keys.securityToken], ["AK-a", "SK-a", "ST-a"])
        XCTAssertEqual(try XCTUnwrap(keys.expiresAt).timeIntervalSinceNow, 3600, accuracy: 60)
        XCTAssertEqual(provider.origin, "the instance metadata service at \(endpoint)")
        let requests = try XCTUnwrap(server).requests
        XCTAssertEqual(requests.count, 2)
        XCTAssertTrue(requests[0].hasPrefix("PUT /meta-data/latest/api/token HTTP/1.1\r\n"), requests[0])
        XCTAssertTrue(requests[0].contains("X-Metadata-Token-Ttl-Seconds: 21600\r\n"), requests[0])
        XCTAssertTrue(requests[1].hasPrefix("GET /openstack/latest/securitykey HTTP/1.1\r\n"), requests[1])
        XCTAssertTrue(requests[1].contains("X-Metadata-Token: session-1\r\n"), requests[1])
    }

    /// 404, 405 or 503 to the session token: the service does without one.
    func testWithoutSessionToken() throws {
        let endpoint = try start([Self.answer("404 Not Found", ""), Self.keys("a")])
        XCTAssertEqual(try MetadataAccessKeys(endpoint: endpoint).currentKeys().accessKey, "AK-a")
        XCTAssertFalse(try XCTUnwrap(server).requests[1].contains("X-Metadata-Token:"))
    }

    /// A 401 from the service itself: a new session token, then the keys.
    func testStaleSessionTokenIsRenewed() throws {
        let endpoint = try start([Self.session, Self.answer("401 Unauthorized", "expired"),
                                  Self.answer("200 OK", "session-2"), Self.keys("a")])
        XCTAssertEqual(try MetadataAccessKeys(endpoint: endpoint).currentKeys().accessKey, "AK-a")
        let requests = try XCTUnwrap(server).requests
        XCTAssertEqual(requests.count, 4)
        XCTAssertTrue(requests[2].hasPrefix("PUT "), requests[2])
        XCTAssertTrue(requests[3].contains("X-Metadata-Token: session-2\r\n"), requests[3])
    }

    func testNoAgencyIsSaidPlainly() throws {
        let endpoint = try start([Self.session, Self.answer("401 Unauthorized", "Please configure Cloud Service Agency first")])
        XCTAssertThrowsError(try MetadataAccessKeys(endpoint: endpoint)) { error in
            XCTAssertTrue("\(error)".contains("this ECS has no agency"), "\(error)")
        }
        XCTAssertEqual(try XCTUnwrap(server).requests.count, 2, "a new session token cannot help")
    }

    func testBadAnswersNeverQuoteTheKeys() throws {
        let endpoint = try start([Self.session, Self.answer("200 OK", #"{"credential":{"access":"AK","secret":"SK-hidden"}}"#)])
        XCTAssertThrowsError(try MetadataAccessKeys(endpoint: endpoint)) { error in
            XCTAssertEqual("\(error)", "bad response: the metadata service's answer has no securitytoken, expires_at")
        }
    }

    /// Keys are renewed while the current ones still work, on a thread of their own.
    func testRenewedAheadOfExpiry() throws {
        let lifetime: TimeInterval = 10
        let endpoint = try start([Self.session, Self.keys("a", lifetime: lifetime), Self.keys("b")])
        let provider = try MetadataAccessKeys(endpoint: endpoint)
        let first = try provider.currentKeys()
        XCTAssertEqual(first.accessKey, "AK-a")
        let expires = try XCTUnwrap(first.expiresAt)
        var seen: AccessKeys?
        let deadline = Date().addingTimeInterval(lifetime + 5)
        while Date() < deadline {
            let keys = try provider.currentKeys()
            if keys.accessKey == "AK-b" { seen = keys; break }
            usleep(50_000)
        }
        XCTAssertEqual(seen?.accessKey, "AK-b", "the keys were not renewed")
        XCTAssertLessThan(Date(), expires, "renewed only once the old keys had ended")
        XCTAssertEqual(try XCTUnwrap(server).requests.count, 3, "the session token is kept")
    }

    /// After a 401, many callers at once: one fetch, and all get the new keys. Keys equal
    /// to those refused mean there are none newer.
    func testRenewedAfterARejectionOnceForAll() throws {
        let endpoint = try start([Self.session, Self.keys("a"), Self.keys("b"), Self.keys("b")])
        let provider = try MetadataAccessKeys(endpoint: endpoint)
        let rejected = try provider.currentKeys()
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            results.add(Result { try provider.renewed(after: rejected)?.accessKey })
        }
        XCTAssertEqual(results.all.map { (try? $0.get()) ?? nil }, Array(repeating: "AK-b", count: 8))
        XCTAssertEqual(try XCTUnwrap(server).requests.count, 3)
        let b = try provider.currentKeys()
        XCTAssertNil(try provider.renewed(after: b), "the service gave the same keys again")
    }

    /// An endpoint that never answers (a machine that is no ECS): an error within seconds.
    func testSilentEndpointFailsFast() throws {
        let endpoint = try start([ScriptedServer.Reply("", stalls: true)])
        let start = Date()
        XCTAssertThrowsError(try MetadataAccessKeys(endpoint: endpoint)) { error in
            guard case .timedOut = error as? RemoteError else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<String?, any Error>] = []
        func add(_ result: Result<String?, any Error>) { lock.withLock { results.append(result) } }
        var all: [Result<String?, any Error>] { lock.withLock { results } }
    }
}
