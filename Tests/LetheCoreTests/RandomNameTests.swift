import LetheCore
import Testing

/// Random names: the asked length, the base32 alphabet only, and every character at every
/// position (names longer than one 64-bit draw included, so no position is left constant).
@Suite struct RandomNameTests {
    static let alphabet = Set("abcdefghijklmnopqrstuvwxyz234567")

    @Test(arguments: [0, 1, 8, 12, 13, 16, 26, 40])
    func namesHaveTheLengthAskedAndOnlyBase32Characters(_ count: Int) {
        let name = RandomName.base32(count: count)
        #expect(name.count == count)
        #expect(name.allSatisfy { Self.alphabet.contains($0) })
    }

    /// 4,000 names of 26 characters: a character missing at one position by chance has odds of
    /// about 32 · (31/32)^4000, far below 1e-50; a position fed no fresh bits shows one character.
    @Test func everyCharacterAppearsAtEveryPosition() {
        let names = (0..<4000).map { _ in Array(RandomName.base32(count: 26)) }
        for position in 0..<26 {
            #expect(Set(names.map { $0[position] }) == Self.alphabet, "position \(position)")
        }
    }
}
