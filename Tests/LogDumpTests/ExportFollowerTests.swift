import Foundation
import XCTest
import LogDump
import LogDumpTestSupport

/// ExportFollower against an in-memory CloudDC: bounded concurrency, each way an export
/// can end, and what a cancellation keeps.
final class ExportFollowerTests: XCTestCase {
    private let running = [MemoryCloudDC.Step("processing", 10), MemoryCloudDC.Step("processing", 60),
                           MemoryCloudDC.Step("completed", 100)]

    private func targets(_ count: Int) -> [ExportTarget] {
        (0..<count).map { ExportTarget(serverID: "s\($0)", serverName: "web-\($0)") }
    }

    private func follower(_ api: MemoryCloudDC, concurrency: Int = 4, timeout: Duration = .seconds(30),
                          kept: Recorder<FollowedExport>? = nil, changes: Recorder<FollowedExport>? = nil) -> ExportFollower {
        ExportFollower(api: api, project: "p1", concurrency: concurrency, pollInterval: .milliseconds(5),
                       timeout: timeout, onChange: { changes?.append($0) }, keep: { kept?.append($0) })
    }

    func testEveryExportCompletesWithinTheConcurrency() {
        let api = MemoryCloudDC()
        for target in targets(8) { api.script(target.serverID, running) }
        let kept = Recorder<FollowedExport>()
        let final = follower(api, concurrency: 2, kept: kept).run(targets(8))
        XCTAssertEqual(final.map(\.outcome), Array(repeating: .completed, count: 8))
        XCTAssertEqual(final.map(\.target), targets(8))
        XCTAssertLessThanOrEqual(api.maxActiveSeen, 2)
        XCTAssertGreaterThanOrEqual(api.maxActiveSeen, 1)
        XCTAssertEqual(Set(kept.items.map(\.target)), Set(targets(8)))
        XCTAssertTrue(kept.items.allSatisfy { $0.progress?.createdAt == api.createdAt && $0.exportID != nil })
    }

    func testProgressIsToldAsItChanges() {
        let api = MemoryCloudDC()
        api.script("s0", running)
        let changes = Recorder<FollowedExport>()
        _ = follower(api, changes: changes).run(targets(1))
        XCTAssertEqual(changes.items.map { $0.progress?.percentage }, [nil, 10, 60, 100, 100])
        XCTAssertEqual(changes.items.last?.outcome, .completed)
    }

    func testAFailedExportCarriesItsMessage() {
        let api = MemoryCloudDC()
        api.script("s0", [MemoryCloudDC.Step("processing", 10), MemoryCloudDC.Step("failed", 10, message: "disk full")])
        api.refuse("s1", with: .badResponse("no such server"))
        let kept = Recorder<FollowedExport>()
        let final = follower(api, kept: kept).run(targets(3))
        XCTAssertEqual(final[0].outcome, .failed("disk full"))
        XCTAssertEqual(final[0].progress?.status, "failed")
        guard case .failed(let message) = final[1].outcome else { return XCTFail("\(final[1])") }
        XCTAssertTrue(message.contains("no such server"), message)
        XCTAssertEqual(final[2].outcome, .completed)
        XCTAssertEqual(kept.items.map(\.target.serverID), ["s2"])
    }

    func testAnUnknownStatusIsRunningUntilTheTimeout() {
        let api = MemoryCloudDC()
        api.script("s0", [MemoryCloudDC.Step("archiving", 30), MemoryCloudDC.Step("EXPORTING?", nil)])
        let final = follower(api, timeout: .milliseconds(300)).run(targets(1))
        XCTAssertEqual(final[0].outcome, .timedOut)
        XCTAssertEqual(final[0].progress?.status, "EXPORTING?")
    }

    func testATimeoutLeavesTheCompletedOnesCompleted() {
        let api = MemoryCloudDC()
        api.script("s0", [MemoryCloudDC.Step("processing", 50)])
        let kept = Recorder<FollowedExport>()
        let final = follower(api, concurrency: 2, timeout: .milliseconds(300), kept: kept).run(targets(2))
        XCTAssertEqual(final.map(\.outcome), [.timedOut, .completed])
        XCTAssertEqual(kept.items.map(\.target.serverID), ["s1"])
    }

    func testCancellationKeepsWhatCompleted() {
        let api = MemoryCloudDC()
        api.script("s0", [MemoryCloudDC.Step("processing", 50)])
        api.script("s1", [MemoryCloudDC.Step("processing", 50)])
        let kept = Recorder<FollowedExport>()
        let started = DispatchSemaphore(value: 0)
        let follower = ExportFollower(api: api, project: "p1", concurrency: 1, pollInterval: .seconds(60),
                                      timeout: .seconds(60), onChange: { if $0.target.serverID == "s0", $0.progress != nil { started.signal() } },
                                      keep: { kept.append($0) })
        // s2 completes first (concurrency 1 follows in order: put it first).
        let order = [targets(3)[2], targets(3)[0], targets(3)[1]]
        Thread.detachNewThread {
            _ = started.wait(timeout: .now() + 30)
            follower.cancel()
        }
        let begun = MonotonicInstant.now()
        let final = follower.run(order)
        XCTAssertEqual(final.map(\.outcome), [.completed, .interrupted, .interrupted])
        XCTAssertEqual(kept.items.map(\.target.serverID), ["s2"])
        // The 60-second poll interval was not waited out.
        XCTAssertLessThan(MonotonicInstant.now().nanoseconds - begun.nanoseconds, 30_000_000_000)
    }

    func testAnExportThatCannotBeKeptFails() {
        let api = MemoryCloudDC()
        struct Full: Error, CustomStringConvertible { var description: String { "no space left" } }
        let follower = ExportFollower(api: api, project: "p1", pollInterval: .milliseconds(5), timeout: .seconds(30),
                                      keep: { _ in throw Full() })
        let final = follower.run(targets(1))
        guard case .failed(let message) = final[0].outcome else { return XCTFail("\(final[0])") }
        XCTAssertTrue(message.contains("no space left"), message)
    }
}
