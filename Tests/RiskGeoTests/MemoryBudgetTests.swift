import Testing
@testable import RiskGeo

@Suite struct MemoryBudgetTests {
    @Test func sizesParseInBinaryUnits() {
        #expect(MemoryBudget.parse("512M") == 512 << 20)
        #expect(MemoryBudget.parse("8G") == 8 << 30)
        #expect(MemoryBudget.parse("2GiB") == 2 << 30)
        #expect(MemoryBudget.parse("1.5g") == 3 << 29)
        #expect(MemoryBudget.parse("1000") == 1000)
        for bad in ["", "-5G", "abc", "5X", "nan", "1e400"] { #expect(MemoryBudget.parse(bad) == nil, "\(bad)") }
    }

    @Test func overflowNeverFits() {
        #expect(!MemoryBudget.allows(count: Int.max, size: 8))
        #expect(!MemoryBudget.allows(count: -1))
        #expect(MemoryBudget.estimate(count: Int.max, size: 2) == Int.max)
        #expect(MemoryBudget.allows(count: 1024, size: 4))
    }

    @Test func descriptionsAreReadable() {
        #expect(MemoryBudget.describe(512) == "512 bytes")
        #expect(MemoryBudget.describe(100 << 20) == "100 MiB")
        #expect(MemoryBudget.describe(4_000_000_000_000) == "3.6 TiB")
    }
}
