import Foundation
import LetheCore
import LetheTestSupport
import Testing
@testable import LetheTar

/// Property: any tree of files, folders and symbolic links with any byte names packs and
/// restores byte for byte. Trees come from a seeded generator; a failure names the seed and the
/// tree, and `LETHE_NAMES_SEED=<seed>` replays it. The fixed corpus of nasty names is mixed in.
@Suite struct RandomNameTreeTests {
    static let defaultSeed: UInt64 = 0x4C45_5448_455F_4E4D
    static let trees = 24

    /// The seed: `LETHE_NAMES_SEED` (decimal) or the fixed default, so CI runs the same trees.
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["LETHE_NAMES_SEED"].flatMap { UInt64($0) } ?? defaultSeed
    }

    /// A random valid file name: 1...255 bytes, no `/` or NUL, not `.` or `..`.
    static func name(_ random: inout SeededGenerator) -> [UInt8] {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<3:
            return NastyNames.corpus.randomElement(using: &random)!
        case 3:
            // A twin of a corpus name: NFD and NFC spellings of é spliced in.
            let base = NastyNames.corpus.randomElement(using: &random)!.prefix(200)
            return Array(base) + (Bool.random(using: &random) ? NastyNames.nfdE : NastyNames.nfcE)
        default:
            let count = Int.random(in: 0..<8, using: &random) == 0 ? Int.random(in: 1...255, using: &random)
                                                                   : Int.random(in: 1...24, using: &random)
            var name = (0..<count).map { _ in
                // Bias toward the bytes that matter: high bytes, combining marks' lead bytes, controls.
                switch Int.random(in: 0..<4, using: &random) {
                case 0: return UInt8.random(in: 0x80...0xff, using: &random)
                case 1: return [0xcc, 0xcd, 0xc3, 0xe2, 0xf0, 0x25][Int.random(in: 0..<6, using: &random)]
                default: return UInt8.random(in: 1...0xff, using: &random)
                }
            }.map { $0 == PathBytes.slash ? UInt8(ascii: "_") : $0 }
            if name == [PathBytes.dot] || name == [PathBytes.dot, PathBytes.dot] { name.append(UInt8(ascii: "x")) }
            return name
        }
    }

    /// Builds a random tree under `root`; returns how many nodes it made.
    static func build(_ root: [UInt8], random: inout SeededGenerator) -> Int {
        var folders: [[UInt8]] = [[]]
        var made = 0
        var taken: Set<[UInt8]> = []
        let count = Int.random(in: 1...60, using: &random)
        for _ in 0..<count {
            let folder = folders.randomElement(using: &random)!
            let name = name(&random)
            let path = folder.isEmpty ? name : folder + [PathBytes.slash] + name
            // Keep paths well below PATH_MAX once the staging prefix is added.
            guard !taken.contains(path), path.count < 1500 else { continue }
            taken.insert(path)
            made += 1
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1:
                Tree.mkdir(root, path)
                folders.append(path)
            case 2:
                // A link to a sibling name (it may dangle): relative, inside, any bytes.
                Tree.symlink(root, path, to: Self.name(&random))
            default:
                let size = Int.random(in: 0...64, using: &random)
                Tree.file(root, path, (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) })
            }
        }
        return made
    }

    @Test func randomTreesOfRandomByteNamesRestoreByteForByte() throws {
        let seed = Self.seed
        var random = SeededGenerator(seed: seed)
        for index in 0..<Self.trees {
            let treeSeed = random.next()
            var treeRandom = SeededGenerator(seed: treeSeed)
            let context = "seed \(seed), tree \(index) (tree seed \(treeSeed)):"
            do {
                let (source, restored) = try NameBytesTests.roundTrip { root in
                    _ = Self.build(root, random: &treeRandom)
                }
                NameBytesTests.expectSame(source, restored, context)
            } catch {
                Issue.record("\(context) \(error)")
            }
        }
    }

    @Test func theCorpusHoldsOnlyValidDistinctNames() {
        #expect(Set(NastyNames.corpus).count == NastyNames.corpus.count)
        for name in NastyNames.corpus {
            #expect((1...255).contains(name.count) && !name.contains(0) && !name.contains(PathBytes.slash))
            #expect(name != [PathBytes.dot] && name != [PathBytes.dot, PathBytes.dot])
        }
    }
}
