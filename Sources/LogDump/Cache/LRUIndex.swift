/// Keys in least-recently-used order, each with a byte charge, and the charges' total:
/// what both caches evict by. A doubly linked list threaded through a dictionary, so
/// every operation is O(1).
struct LRUIndex<Key: Hashable> {
    private struct Node {
        var charge: Int
        var older: Key?
        var newer: Key?
    }

    private var nodes: [Key: Node] = [:]
    private var oldest: Key?
    private var newest: Key?
    private(set) var totalCharge = 0

    var count: Int { nodes.count }
    func contains(_ key: Key) -> Bool { nodes[key] != nil }
    func charge(of key: Key) -> Int? { nodes[key]?.charge }

    /// Adds `key` as the most recently used, replacing its old charge if present.
    mutating func insert(_ key: Key, charge: Int) {
        remove(key)
        nodes[key] = Node(charge: charge, older: newest, newer: nil)
        if let newest { nodes[newest]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
        totalCharge += charge
    }

    /// Marks `key` as the most recently used.
    mutating func touch(_ key: Key) {
        guard let charge = nodes[key]?.charge, newest != key else { return }
        insert(key, charge: charge)
    }

    /// Removes `key`; returns its charge.
    @discardableResult
    mutating func remove(_ key: Key) -> Int? {
        guard let node = nodes.removeValue(forKey: key) else { return nil }
        if let older = node.older { nodes[older]?.newer = node.newer } else { oldest = node.newer }
        if let newer = node.newer { nodes[newer]?.older = node.older } else { newest = node.older }
        totalCharge -= node.charge
        return node.charge
    }

    /// The least recently used key, left in place.
    var leastRecentlyUsed: Key? { oldest }

    /// Removes and returns the least recently used key.
    mutating func removeOldest() -> (key: Key, charge: Int)? {
        guard let key = oldest, let charge = remove(key) else { return nil }
        return (key, charge)
    }

    /// Every key, least recently used first.
    var keysOldestFirst: [Key] {
        var keys: [Key] = []
        var cursor = oldest
        while let key = cursor {
            keys.append(key)
            cursor = nodes[key]?.newer
        }
        return keys
    }

    func keys(where predicate: (Key) -> Bool) -> [Key] {
        nodes.keys.filter(predicate)
    }
}
