import Foundation
import LogDumpEmulator
import XCTest

/// The emulator's sibling calls over real HTTP (curl): the server listing's pages, limits
/// and filter, export requests that advance and complete into downloadable archives,
/// failing exports, injected 429s and the token check.
final class EmulatorSiblingTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var emulator: Emulator { fixture.emulator }
    private let token = EmulatorFixture.token

    override func setUpWithError() throws {
        fixture = try EmulatorFixture(largePayloadBytes: 0)
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    private func fleet(_ change: (inout FleetConfig) -> Void) {
        var fleet = FleetConfig()
        change(&fleet)
        emulator.setFleet(fleet)
    }

    private func call(_ path: String, method: String = "GET", token: String? = EmulatorFixture.token) throws -> CurlResult {
        var args = [emulator.endpoint + path, "-X", method]
        if let token { args += ["-H", "X-Auth-Token: \(token)"] }
        return try fixture.curl(args)
    }

    private func page(_ query: String, project: String = "proj1") throws -> (ids: [String], next: String?, count: Int?, servers: [[String: Any]]) {
        let answer = try call("/v1/\(project)/physicalservers?" + query)
        XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
        let servers = answer.json?["servers"] as? [[String: Any]] ?? []
        let pageInfo = answer.json?["page_info"] as? [String: Any]
        XCTAssertEqual(pageInfo?["current_count"] as? Int, servers.count)
        return (servers.compactMap { $0["id"] as? String }, pageInfo?["next_marker"] as? String,
                answer.json?["count"] as? Int, servers)
    }

    // MARK: listing

    func testPagesFollowMarkersInIdOrder() throws {
        fleet { $0.serversPerProject = 25 }
        let first = try page("limit=10")
        XCTAssertEqual(first.ids.count, 10)
        XCTAssertEqual(first.count, 25)
        XCTAssertEqual(first.next, first.ids.last, "the marker is the last record's id")
        let second = try page("limit=10&marker=\(first.next!)")
        let third = try page("limit=10&marker=\(second.next!)")
        XCTAssertEqual(third.ids.count, 5)
        XCTAssertNil(third.next, "no next_marker on the last page")
        let all = first.ids + second.ids + third.ids
        XCTAssertEqual(all, all.sorted())
        XCTAssertEqual(Set(all).count, 25)
        let server = try XCTUnwrap(first.servers.first)
        for field in ["id", "name", "project_id", "manage_state", "power_state", "health_state", "onboard_time"] {
            XCTAssertNotNil(server[field], field)
        }
        XCTAssertEqual(server["project_id"] as? String, "proj1")
        XCTAssertEqual(try page("limit=10").ids, first.ids, "the same fleet every time")
        XCTAssertNotEqual(try page("limit=10", project: "proj2").ids, first.ids, "each project its own servers")
    }

    func testLimitIsClampedTo10Through1000() throws {
        fleet { $0.serversPerProject = 1500 }
        XCTAssertEqual(try page("limit=3").ids.count, 10)
        XCTAssertEqual(try page("limit=5000").ids.count, 1000)
        XCTAssertEqual(try page("").ids.count, 10, "absent: the SDK's default of 10")
        XCTAssertEqual(try page("limit=250").ids.count, 250)
        let bad = try call("/v1/proj1/physicalservers?limit=ten")
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue((bad.json?["error_msg"] as? String ?? "").contains("limit"), "\(bad.json ?? [:])")
    }

    func testManageStateFilters() throws {
        fleet { $0.serversPerProject = 60 }
        let ready = try page("limit=1000&manage_state=ready")
        XCTAssertFalse(ready.servers.isEmpty)
        XCTAssertTrue(ready.servers.allSatisfy { $0["manage_state"] as? String == "ready" })
        XCTAssertEqual(ready.count, ready.servers.count, "count is of the servers that match")
        let all = try page("limit=1000")
        XCTAssertEqual(all.servers.filter { $0["manage_state"] as? String == "ready" }.count, ready.servers.count)
        let bad = try call("/v1/proj1/physicalservers?manage_state=readdy")
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue((bad.json?["error_msg"] as? String ?? "").contains("manage_state"))
    }

    // MARK: exports

    private func requestExport(server: String = "srv-a") throws -> CurlResult {
        try call("/v1/proj1/physicalservers/\(server)/logs/exports", method: "POST")
    }

    func testExportAdvancesThenCompletesIntoADownloadableArchive() throws {
        fleet { $0.exportSeconds = 1.5 }
        let requested = try requestExport()
        XCTAssertEqual(requested.status, 202)
        let id = try XCTUnwrap(requested.json?["export_id"] as? String)
        XCTAssertEqual(requested.json?["status"] as? String, "processing")
        XCTAssertNotNil(requested.json?["percentage"] as? Int, "an integer by default")
        let created = try XCTUnwrap(requested.json?["created_at"] as? String)
        XCTAssertNotNil(created.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"#, options: .regularExpression), created)

        var percentages: [Int] = []
        var last: [String: Any] = [:]
        XCTAssertTrue(try EmulatorFixture.wait(upTo: 20) {
            let status = try call("/v1/proj1/physicalservers/srv-a/logs/exports/\(id)")
            XCTAssertEqual(status.status, 200)
            last = status.json ?? [:]
            if let p = last["percentage"] as? Int { percentages.append(p) }
            return last["status"] as? String == "completed"
        }, "completed: \(last)")
        XCTAssertEqual(percentages.last, 100)
        XCTAssertEqual(percentages, percentages.sorted(), "percentage only advances")
        XCTAssertEqual(last["export_id"] as? String, id)

        let download = try fixture.curl([
            "\(emulator.endpoint)/v1/proj1/physicalservers/srv-a/logs/exports/\(id)/content",
            "-H", "X-Auth-Token: \(token)"])
        XCTAssertEqual(download.status, 200)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: "\(fixture.root)/exports/proj1/srv-a/\(id).tar.gz"))
        XCTAssertEqual(download.body, onDisk)
        XCTAssertEqual(Array(download.body.prefix(2)), [0x1F, 0x8B], "a real .tar.gz")
    }

    func testPercentageAsAString() throws {
        fleet {
            $0.exportSeconds = 60
            $0.percentageStyle = .string
        }
        let requested = try requestExport()
        let percentage = try XCTUnwrap(requested.json?["percentage"] as? String)
        XCTAssertNotNil(percentage.range(of: #"^\d{1,3}%$"#, options: .regularExpression), percentage)
    }

    func testAFailingExportSaysWhy() throws {
        fleet {
            $0.exportSeconds = 0
            $0.failExports = true
        }
        let requested = try requestExport()
        XCTAssertEqual(requested.json?["status"] as? String, "failed")
        XCTAssertFalse((requested.json?["error_msg"] as? String ?? "").isEmpty)
        let id = try XCTUnwrap(requested.json?["export_id"] as? String)
        let status = try call("/v1/proj1/physicalservers/srv-a/logs/exports/\(id)")
        XCTAssertEqual(status.json?["status"] as? String, "failed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(fixture.root)/exports/proj1/srv-a/\(id).tar.gz"))
    }

    func testUnknownServerAndExportAre404() throws {
        let server = try requestExport(server: "no-such-server")
        XCTAssertEqual(server.status, 404)
        XCTAssertNotNil(server.json?["error_code"])
        let export = try call("/v1/proj1/physicalservers/srv-a/logs/exports/no-such-export")
        XCTAssertEqual(export.status, 404)
        fleet { $0.serversPerProject = 12 }
        let fleetServer = try XCTUnwrap(try page("limit=10").ids.first)
        XCTAssertEqual(try requestExport(server: fleetServer).status, 202, "a server of the fleet")
    }

    // MARK: faults and auth

    func testInjected429CarriesRetryAfter() throws {
        emulator.setFaults(.with {
            $0.apiErrorBurst = ErrorBurst(status: 429, count: 2)
            $0.retryAfter = "3"
        })
        let throttled = try call("/v1/proj1/physicalservers")
        XCTAssertEqual(throttled.status, 429)
        XCTAssertEqual(throttled.header("Retry-After"), "3")
        XCTAssertEqual(try requestExport().status, 429)
        XCTAssertEqual(try call("/v1/proj1/physicalservers").status, 200, "the burst is spent")
        XCTAssertEqual(emulator.contentRequestCount, 0, "downloads are not counted")
        XCTAssertEqual(emulator.apiRequestCount, 3)
    }

    func testApiErrorRatesApplyToSiblingCallsNotDownloads() throws {
        emulator.setFaults(.with { $0.apiErrorRates = [503: 1] })
        XCTAssertEqual(try call("/v1/proj1/physicalservers").status, 503)
        XCTAssertEqual(try fixture.get(fixture.small).status, 200)
    }

    func testApiFaultKeysRoundTripAndAreChecked() throws {
        let put = try fixture.admin("PUT", "faults", body: #"{"api_error_rates": {"429": 0.5}, "api_error_burst": {"status": 503, "count": 2}}"#)
        XCTAssertEqual(put.status, 200, String(decoding: put.body, as: UTF8.self))
        XCTAssertEqual(emulator.faults.apiErrorRates, [429: 0.5])
        XCTAssertEqual(emulator.faults.apiErrorBurst, ErrorBurst(status: 503, count: 2))
        for (body, phrase) in [(#"{"api_error_rates": {"200": 0.5}}"#, #"api_error_rates["200"]"#),
                               (#"{"api_error_rates": {"429": 1.5}}"#, #"api_error_rates["429"]"#),
                               (#"{"api_error_burst": {"status": 429}}"#, #"api_error_burst: missing "count""#)] {
            let refused = try fixture.admin("PUT", "faults", body: body)
            XCTAssertEqual(refused.status, 400, body)
            XCTAssertTrue((refused.json?["error_msg"] as? String ?? "").contains(phrase), "\(body): \(refused.json ?? [:])")
        }
    }

    func testMissingOrWrongTokenIs401() throws {
        XCTAssertEqual(try call("/v1/proj1/physicalservers", token: nil).status, 401)
        XCTAssertEqual(try call("/v1/proj1/physicalservers/srv-a/logs/exports", method: "POST", token: "wrong").status, 401)
        XCTAssertEqual(try call("/v1/proj1/physicalservers/srv-a/logs/exports/x", token: nil).status, 401)
    }

    func testWrongMethodIs405() throws {
        XCTAssertEqual(try call("/v1/proj1/physicalservers", method: "POST").status, 405)
        XCTAssertEqual(try call("/v1/proj1/physicalservers/srv-a/logs/exports", method: "GET").status, 405)
    }

    // MARK: the fleet admin route

    func testFleetAdminRouteReplacesAndRefuses() throws {
        let put = try fixture.admin("PUT", "fleet", body: #"{"servers_per_project": 2500, "percentage_style": "string"}"#)
        XCTAssertEqual(put.status, 200, String(decoding: put.body, as: UTF8.self))
        XCTAssertEqual(emulator.fleet.serversPerProject, 2500)
        XCTAssertEqual(emulator.fleet.percentageStyle, .string)
        XCTAssertEqual(try page("limit=1").count, 2500)
        XCTAssertEqual((try fixture.admin("GET", "fleet")).json?["servers_per_project"] as? Int, 2500)

        for (body, key) in [(#"{"servers": 5}"#, "servers"), (#"{"servers_per_project": -1}"#, "servers_per_project"),
                            (#"{"percentage_style": "float"}"#, "percentage_style"),
                            (#"{"fail_exports": "yes"}"#, "fail_exports"), (#"{"export_seconds": -2}"#, "export_seconds")] {
            let refused = try fixture.admin("PUT", "fleet", body: body)
            XCTAssertEqual(refused.status, 400, body)
            XCTAssertTrue((refused.json?["error_msg"] as? String ?? "").contains(key), "\(body): \(refused.json ?? [:])")
        }
        XCTAssertEqual(emulator.fleet.serversPerProject, 2500, "a refused fleet changes nothing")
    }
}
