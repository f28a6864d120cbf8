import CGLPK
#if canImport(Glibc)
import Glibc
#endif

/// GLPK keeps an environment per thread; it is freed when the thread's last problem is deleted,
/// so worker threads that finish leave nothing behind.
private final class Environments: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var live: [UInt: Int] = [:]
    init() { pthread_mutex_init(&lock, nil) }

    func created() {
        pthread_mutex_lock(&lock)
        live[UInt(pthread_self()), default: 0] += 1
        pthread_mutex_unlock(&lock)
    }

    func deleted() {
        pthread_mutex_lock(&lock)
        let key = UInt(pthread_self())
        live[key, default: 1] -= 1
        if live[key] == 0 {
            live[key] = nil
            glp_free_env()
        }
        pthread_mutex_unlock(&lock)
    }
}

private let environments = Environments()

/// A mixed-integer program solved by GLPK's branch and cut (`glp_intopt`) through its C API.
/// Built column by column and row by row; indices are 0-based here, 1-based in GLPK.
///
/// GLPK aborts the process on malformed input, so the builder checks its own arguments.
final class MIP {
    enum Kind { case binary, continuous(lower: Double, upper: Double) }
    enum Sense { case atLeast(Double), atMost(Double), equal(Double) }

    private let problem: OpaquePointer
    private var rows: [Int32] = [], cols: [Int32] = [], values: [Double] = []
    private(set) var columnCount = 0
    private(set) var rowCount = 0

    init(minimize: Bool) {
        environments.created()
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, minimize ? GLP_MIN : GLP_MAX)
    }

    deinit {
        glp_delete_prob(problem)
        environments.deleted()
    }

    /// Adds a column; returns its index.
    @discardableResult
    func addColumn(_ kind: Kind, objective: Double, fixed: Double? = nil) -> Int {
        let j = glp_add_cols(problem, 1)
        switch kind {
        case .binary:
            glp_set_col_kind(problem, j, GLP_BV)
            if let fixed { glp_set_col_bnds(problem, j, GLP_FX, fixed, fixed) }
        case .continuous(let lo, let hi):
            glp_set_col_kind(problem, j, GLP_CV)
            glp_set_col_bnds(problem, j, lo == hi ? GLP_FX : (hi.isFinite ? GLP_DB : GLP_LO), lo, hi.isFinite ? hi : 0)
        }
        glp_set_obj_coef(problem, j, objective)
        columnCount += 1
        return Int(j) - 1
    }

    /// Adds a row Σ coefficient·x (sense) bound.
    func addRow(_ terms: [(column: Int, coefficient: Double)], _ sense: Sense) {
        let i = glp_add_rows(problem, 1)
        switch sense {
        case .atLeast(let b): glp_set_row_bnds(problem, i, GLP_LO, b, 0)
        case .atMost(let b): glp_set_row_bnds(problem, i, GLP_UP, 0, b)
        case .equal(let b): glp_set_row_bnds(problem, i, GLP_FX, b, b)
        }
        for t in terms where t.coefficient != 0 {
            precondition(t.column >= 0 && t.column < columnCount, "column out of range")
            rows.append(i)
            cols.append(Int32(t.column + 1))
            values.append(t.coefficient)
        }
        rowCount += 1
    }

    var nonZeros: Int { values.count }

    struct Solution {
        /// GLPK proved the incumbent optimal.
        var optimal: Bool
        /// No integer solution exists.
        var infeasible: Bool
        var objective: Double
        var values: [Double]
        /// The LP relaxation's objective: a bound on the optimum.
        var bound: Double?
    }

    /// Solves the LP relaxation, then branch and cut within `seconds`.
    func solve(seconds: Double) -> Solution {
        var ia = [Int32(0)] + rows, ja = [Int32(0)] + cols, ar = [0.0] + values
        glp_load_matrix(problem, Int32(values.count), &ia, &ja, &ar)
        var smcp = glp_smcp()
        glp_init_smcp(&smcp)
        smcp.msg_lev = GLP_MSG_OFF
        smcp.presolve = GLP_ON
        let lp = glp_simplex(problem, &smcp)
        let lpStatus = glp_get_status(problem)
        if lp == 0 && (lpStatus == GLP_NOFEAS || lpStatus == GLP_INFEAS) || lp == GLP_ENOPFS {
            return Solution(optimal: false, infeasible: true, objective: .nan, values: [], bound: nil)
        }
        let bound = lp == 0 && lpStatus == GLP_OPT ? glp_get_obj_val(problem) : nil
        var iocp = glp_iocp()
        glp_init_iocp(&iocp)
        iocp.msg_lev = GLP_MSG_OFF
        iocp.tm_lim = Int32(min(Double(Int32.max), seconds * 1000))
        iocp.mip_gap = 0
        let r = glp_intopt(problem, &iocp)
        let status = glp_mip_status(problem)
        if status == GLP_NOFEAS { return Solution(optimal: false, infeasible: true, objective: .nan, values: [], bound: bound) }
        guard status == GLP_OPT || status == GLP_FEAS else {
            return Solution(optimal: false, infeasible: false, objective: .nan, values: [], bound: bound)
        }
        let x = (0..<columnCount).map { glp_mip_col_val(problem, Int32($0 + 1)) }
        return Solution(optimal: r == 0 && status == GLP_OPT, infeasible: false, objective: glp_mip_obj_val(problem), values: x, bound: bound)
    }
}
