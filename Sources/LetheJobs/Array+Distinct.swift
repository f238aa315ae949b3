extension Array where Element: Hashable {
    /// The elements without repeats: each one's first occurrence, in order (a customer named
    /// twice on a command line is one customer).
    func distinct() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
