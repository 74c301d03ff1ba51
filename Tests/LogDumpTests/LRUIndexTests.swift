@testable import LogDump
import XCTest

final class LRUIndexTests: XCTestCase {
    func testOrderAndCharges() {
        var index = LRUIndex<Int>()
        for key in 1...4 { index.insert(key, charge: key * 10) }
        XCTAssertEqual(index.keysOldestFirst, [1, 2, 3, 4])
        XCTAssertEqual(index.totalCharge, 100)
        index.touch(2)
        XCTAssertEqual(index.keysOldestFirst, [1, 3, 4, 2])
        XCTAssertEqual(index.removeOldest()?.key, 1)
        index.remove(4)
        XCTAssertEqual(index.keysOldestFirst, [3, 2])
        index.insert(3, charge: 5) // replaces, and becomes the newest
        XCTAssertEqual(index.keysOldestFirst, [2, 3])
        XCTAssertEqual(index.totalCharge, 25)
        XCTAssertEqual(index.count, 2)
    }

    /// Against a plain array model, under random operations.
    func testMatchesASimpleModel() {
        var index = LRUIndex<Int>()
        var model: [(key: Int, charge: Int)] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let key = Int.random(in: 0..<16, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0:
                let charge = Int.random(in: 1...9, using: &generator)
                index.insert(key, charge: charge)
                model.removeAll { $0.key == key }
                model.append((key, charge))
            case 1:
                index.touch(key)
                if let at = model.firstIndex(where: { $0.key == key }) { model.append(model.remove(at: at)) }
            case 2:
                XCTAssertEqual(index.remove(key), model.first { $0.key == key }?.charge)
                model.removeAll { $0.key == key }
            default:
                XCTAssertEqual(index.removeOldest()?.key, model.first?.key)
                if !model.isEmpty { model.removeFirst() }
            }
            XCTAssertEqual(index.keysOldestFirst, model.map(\.key))
            XCTAssertEqual(index.totalCharge, model.reduce(0) { $0 + $1.charge })
        }
    }
}
