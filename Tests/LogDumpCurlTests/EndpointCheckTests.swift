import LogDump
@testable import LogDumpCurl
import XCTest

/// Which endpoints the mount warns about: plain HTTP off this machine sends the token in clear.
final class EndpointCheckTests: XCTestCase {
    private func endpoint(_ url: String) -> Endpoint { Endpoint.parse(url)! }

    func testLoopbackHosts() {
        for url in ["http://localhost", "http://LOCALHOST:8080/x", "http://127.0.0.1:9", "http://127.255.3.4",
                    "http://[::1]:8080", "http://[0:0:0:0:0:0:0:1]"] {
            XCTAssertTrue(EndpointCheck.isLoopback(endpoint(url)), url)
        }
        for url in ["http://192.0.2.1:9", "http://128.0.0.1", "http://localhost.example.com", "http://[::2]",
                    "http://127.0.0.1.example.com", "http://10.0.0.1/127.0.0.1"] {
            XCTAssertFalse(EndpointCheck.isLoopback(endpoint(url)), url)
        }
    }

    func testOneWarningNamesEveryClearTextEndpointOffThisMachine() throws {
        let endpoints = ["http://192.0.2.1:9", "https://clouddc.example.com", "http://127.0.0.1:8080", "http://dc.example.com/api"]
            .map(endpoint)
        let warning = try XCTUnwrap(EndpointCheck.cleartextWarning(endpoints, sending: "the X-Auth-Token"))
        XCTAssertTrue(warning.hasPrefix("http://192.0.2.1:9, http://dc.example.com/api: plain HTTP"), warning)
        XCTAssertTrue(warning.contains("the X-Auth-Token crosses the network unencrypted"), warning)
        XCTAssertNil(EndpointCheck.cleartextWarning(Array(endpoints[1...2]), sending: "the X-Auth-Token"))
    }

    func testEachEndpointIsCheckedOnceWithItsFirstExport() {
        let a = endpoint("https://a.example.com"), b = endpoint("https://b.example.com")
        let entries = [(a, "e1"), (b, "e2"), (a, "e3")].map { endpoint, id in
            ExportEntry(key: ExportKey(projectID: "p", serverID: "s", exportID: id), endpoint: endpoint, size: 1, createdAt: nil)
        }
        XCTAssertEqual(EndpointCheck.firstExports(entries).map(\.key.exportID), ["e1", "e2"])
    }
}
