import Foundation
import Testing
import RealModule
@testable import RiskCore

/// Information value, frequency ratio, success rate and the level rules, against hand-worked values.
@Suite struct SusceptibilityTests {
    // 10 cells, two factors. Slope classes: cells 0–3 class 0 (gentle), 4–9 class 1 (steep).
    // Lithology: cells 0–4 class 0 (rock), 5–8 class 1 (soil), cell 9 unknown (-1).
    // Events (past failures) in cells 5, 6, 6, 7 and 9 (cell 9 is left out: lithology unknown).
    let slope: [Int32] = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    let lithology: [Int32] = [0, 0, 0, 0, 0, 1, 1, 1, 1, -1]
    let events = [5, 6, 6, 7, 9]

    @Test func ratiosAreTheHandWorkedOnes() throws {
        let st = try Susceptibility.statistics(classes: [slope, lithology], classCounts: [2, 2], events: events)
        // Known cells S = 9, events N = 4. Steep slope: S_j = 5 (cells 4–8), N_j = 4 → FR = (4/4)/(5/9) = 1.8.
        #expect(st[0][1].cells == 5 && st[0][1].events == 4)
        #expect(abs(st[0][1].frequencyRatio - 1.8) < 1e-12)
        #expect(abs(st[0][1].informationValue - Double.log(1.8)) < 1e-12)
        // Gentle slope: no event → FR 0, I from half an event: ln((0.5/4)/(4/9)).
        #expect(st[0][0].frequencyRatio == 0)
        #expect(abs(st[0][0].informationValue - Double.log(0.125 / (4.0 / 9))) < 1e-12)
        // Soil: S_j = 4, N_j = 4 → FR = 9/4.
        #expect(abs(st[1][1].frequencyRatio - 2.25) < 1e-12)
        let iv = Susceptibility.score(classes: [slope, lithology], statistics: st, method: .informationValue)
        #expect(abs(Double(iv[6]) - (Double.log(1.8) + Double.log(2.25))) < 1e-6)
        #expect(iv[9].isNaN)
        let fr = Susceptibility.score(classes: [slope, lithology], statistics: st, method: .frequencyRatio)
        #expect(abs(Double(fr[6]) - 4.05) < 1e-6)
    }

    @Test func aClassWithNoCellsAndAnInventoryOutsideAreProblems() {
        #expect(throws: Susceptibility.Problem.emptyClass(factor: 0, class: 2)) {
            try Susceptibility.statistics(classes: [slope, lithology], classCounts: [3, 2], events: events)
        }
        #expect(throws: Susceptibility.Problem.noEvents) {
            try Susceptibility.statistics(classes: [slope, lithology], classCounts: [2, 2], events: [9, 42, -1])
        }
    }

    @Test func theSuccessRateCurveIsHandWorked() {
        // Scores: cells 0–1 high (2), 2–3 middle (1), 4–7 low (0). Events in 0, 1, 2 and 6.
        let score: [Float] = [2, 2, 1, 1, 0, 0, 0, 0]
        let r = Susceptibility.successRate(score: score, events: [0, 1, 2, 6])
        // Points (0,0), (0.25, 0.5), (0.5, 0.75), (1, 1): AUC = 0.0625 + 0.15625 + 0.4375.
        #expect(r.points.count == 4)
        #expect(abs(r.auc - 0.65625) < 1e-12)
        // Cell order does not matter: the same scores reversed give the same curve.
        let reversed = Susceptibility.successRate(score: score.reversed(), events: [7, 6, 5, 1])
        #expect(abs(reversed.auc - r.auc) < 1e-12)
        // A constant score is chance.
        #expect(abs(Susceptibility.successRate(score: [1, 1, 1, 1], events: [0, 3]).auc - 0.5) < 1e-12)
    }

    @Test func theHoldOutSplitIsSeededAndComplete() {
        let events = Array(0..<20)
        let a = Susceptibility.split(events: events, holdOut: 0.25, seed: 7)
        let b = Susceptibility.split(events: events, holdOut: 0.25, seed: 7)
        #expect(a.training == b.training && a.heldOut == b.heldOut && a.heldOut.count == 5)
        #expect(Set(a.training).union(a.heldOut) == Set(events) && Set(a.training).isDisjoint(with: a.heldOut))
        #expect(Susceptibility.split(events: events, holdOut: 0.25, seed: 8).heldOut != a.heldOut)
    }

    @Test func theMatrixLooksUpAndRefusesBadShapes() throws {
        // 4 hazard levels × 4 vulnerability levels → 4 risk levels.
        let m = try RiskMatrix([[1, 1, 2, 2], [1, 2, 2, 3], [2, 2, 3, 4], [2, 3, 4, 4]], riskLevels: 4)
        #expect(m.level(hazard: 1, vulnerability: 3) == 2 && m.level(hazard: 4, vulnerability: 4) == 4)
        #expect(m.level(hazard: 5, vulnerability: 1) == nil && m.level(hazard: nil, vulnerability: 1) == nil)
        #expect(throws: RiskMatrix.Problem.notRectangular(row: 1, found: 3, expected: 4)) { try RiskMatrix([[1, 1, 2, 2], [1, 2, 2]], riskLevels: 4) }
        #expect(throws: RiskMatrix.Problem.levelOutOfRange(row: 0, column: 1, value: 6, levels: 5)) { try RiskMatrix([[1, 6]]) }
    }

    @Test func theComprehensiveLevelRuleIsMETHODS12() {
        // Highest single level …
        #expect(RiskMatrix.comprehensive([3, 4, nil]) == 3)
        // … raised one level when two or more hazards are at level II or above.
        #expect(RiskMatrix.comprehensive([2, 2, 5]) == 1)
        #expect(RiskMatrix.comprehensive([1, 2]) == 1)
        #expect(RiskMatrix.comprehensive([2, 3, 3]) == 2)
        #expect(RiskMatrix.comprehensive([nil, nil]) == nil)
    }
}

@Suite struct LevelBreaksTests {
    @Test func levelsCountFromTheTopAndABreakBelongsToTheLowerLevel() {
        let b = [1.0, 2.0, 3.0]
        #expect(LevelBreaks.level(0.5, breaks: b) == 4)
        #expect(LevelBreaks.level(1.0, breaks: b) == 4)
        #expect(LevelBreaks.level(1.5, breaks: b) == 3)
        #expect(LevelBreaks.level(3.5, breaks: b) == 1)
        #expect(LevelBreaks.level(.nan, breaks: b) == 0)
    }

    @Test func quantilesCutIntoEqualCounts() {
        // 1…8 in 4 levels: breaks at the 25/50/75th percentiles (numpy: 2.75, 4.5, 6.25).
        let b = LevelBreaks.breaks((1...8).map(Double.init), method: .quantile, count: 4)
        #expect(b.count == 3)
        for (x, y) in zip(b, [2.75, 4.5, 6.25]) { #expect(abs(x - y) < 1e-12) }
        // Natural breaks of three clear groups into 4 levels: the groups stay whole.
        let nb = LevelBreaks.breaks([1, 1.1, 5, 5.2, 9, 9.1, 20], method: .naturalBreaks, count: 4)
        #expect(nb == [1.1, 5.2, 9.1])
        // Fewer distinct values than levels: the missing breaks repeat the largest.
        #expect(LevelBreaks.breaks([2, 2, 3], method: .naturalBreaks, count: 4) == [2, 3, 3])
    }
}

@Suite struct EntropyWeightsTests {
    @Test func anIndicatorThatDoesNotVaryGetsNoWeight() {
        // A = (1, 0): p = (1, 0), e = 0, 1 − e = 1. B = (1, 1): p = (½, ½), e = ln 2 / ln 2 = 1.
        let w = EntropyWeights.weights([[1, 0], [1, 1]])
        #expect(abs(w[0] - 1) < 1e-12 && abs(w[1]) < 1e-12)
    }

    @Test func handWorkedThreeCells() {
        // A = (1, 2, 3): p = (1/6, 2/6, 3/6), e_A = −Σ p ln p / ln 3.
        // B = (1, 1, 2): p = (¼, ¼, ½), e_B likewise; w ∝ 1 − e.
        let pa = [1.0 / 6, 2.0 / 6, 3.0 / 6], pb = [0.25, 0.25, 0.5]
        let ea = -pa.reduce(0) { $0 + $1 * log($1) } / log(3.0), eb = -pb.reduce(0) { $0 + $1 * log($1) } / log(3.0)
        let w = EntropyWeights.weights([[1, 2, 3], [1, 1, 2]])
        #expect(abs(w[0] - (1 - ea) / (2 - ea - eb)) < 1e-9)
        #expect(abs(w[1] - (1 - eb) / (2 - ea - eb)) < 1e-9)
        // A cell where an indicator is unknown is left out of both.
        let v = EntropyWeights.weights([[1, 2, 3, .nan], [1, 1, 2, 5]])
        #expect(abs(v[0] - w[0]) < 1e-9)
    }
}
